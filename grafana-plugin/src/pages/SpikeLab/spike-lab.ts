import {
  PROVIDERS,
  type ChaosFault,
  type ChaosMode,
  type ChaosTarget,
  type FaultInput,
  type Provider,
} from '../../api/ops-client';

/** What each Spike Lab mode does, as its toggle says it. */
export const MODE_INFO: Record<
  ChaosMode,
  { label: string; effect: string; targets: readonly ChaosTarget[] }
> = {
  outage: { label: 'Outage', effect: 'answers 503 with Retry-After', targets: ['ingest', 'provider'] },
  rate_limit: {
    label: 'Rate limit',
    effect: 'answers 429 with Retry-After',
    targets: ['ingest', 'provider'],
  },
  latency: {
    label: 'Latency',
    effect: 'waits delay + up to jitter before answering',
    targets: ['ingest', 'provider'],
  },
  duplicates: {
    label: 'Duplicates',
    effect: 'hands each accepted webhook to ingestion twice',
    targets: ['ingest'],
  },
};

export const TARGET_LABELS: Record<ChaosTarget, string> = {
  ingest: 'Incoming webhooks',
  provider: 'Calls to providers',
};

export const PROVIDER_LABELS: Record<Provider, string> = {
  strava: 'Strava',
  garmin: 'Garmin',
  apple_health: 'Apple Health',
  polar: 'Polar',
};

/** The editable settings of one mode's toggle; numbers stay text while typed. */
export interface FaultForm {
  target: ChaosTarget;
  providers: Provider[];
  probability: string;
  ttlSeconds: string;
  delayMs: string;
  jitterMs: string;
}

export function defaultForm(mode: ChaosMode): FaultForm {
  return {
    target: 'ingest',
    providers: [...PROVIDERS],
    probability: '100',
    ttlSeconds: '300',
    delayMs: mode === 'latency' ? '2000' : '0',
    jitterMs: '0',
  };
}

/** A form filled from an active fault, so its toggle shows what is really set; the TTL left is its countdown. */
export function formFromFault(fault: ChaosFault, nowMs: number): FaultForm {
  return {
    target: fault.target,
    providers: [...fault.providers],
    probability: String(fault.probability),
    ttlSeconds: String(Math.max(1, remainingSeconds(fault, nowMs))),
    delayMs: String(fault.delayMs),
    jitterMs: String(fault.jitterMs),
  };
}

/**
 * The PUT body for a form. Text that is not a number is sent as is (a string), so the exporter's 400 names the
 * field: its validation is the one rule book, the page does not keep a second copy.
 */
export function faultInput(mode: ChaosMode, form: FaultForm): FaultInput {
  const num = (text: string): number => {
    const trimmed = text.trim();
    const n = Number(trimmed);
    return trimmed !== '' && Number.isFinite(n) ? n : (trimmed as unknown as number);
  };
  const input: FaultInput = {
    target: form.target,
    providers: form.providers,
    probability: num(form.probability),
    ttlSeconds: num(form.ttlSeconds),
  };
  if (mode === 'latency') {
    input.delayMs = num(form.delayMs);
    input.jitterMs = num(form.jitterMs);
  }
  return input;
}

export function remainingSeconds(fault: ChaosFault, nowMs: number): number {
  return Math.max(0, Math.ceil((Date.parse(fault.expiresAt) - nowMs) / 1000));
}

/** `m:ss`, or `h:mm:ss` from an hour up. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Faults still running at `nowMs`; an expired one is gone even before the next poll says so. */
export function activeFaults(faults: readonly ChaosFault[], nowMs: number): ChaosFault[] {
  return faults.filter((f) => Date.parse(f.expiresAt) > nowMs);
}

/** One line per fault: what it hits. */
export function describeFault(fault: ChaosFault): string {
  const who =
    fault.providers.length === PROVIDERS.length
      ? 'all providers'
      : fault.providers.map((p) => PROVIDER_LABELS[p]).join(', ');
  const delay = fault.mode === 'latency' ? `, ${fault.delayMs} ms + up to ${fault.jitterMs} ms` : '';
  return `${TARGET_LABELS[fault.target]} · ${who} · ${fault.probability}%${delay}`;
}
