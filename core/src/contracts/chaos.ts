import { z } from 'zod';
import { PROVIDERS, type Provider } from './providers.js';

/** Spike Lab faults: what each one does, where it applies, and the pure decision of whether a request is hit. */

export const CHAOS_MODES = ['outage', 'rate_limit', 'latency', 'duplicates'] as const;
export type ChaosMode = (typeof CHAOS_MODES)[number];

/** `ingest`: incoming webhooks; `provider`: the worker's outgoing calls (probes and activity fetches). */
export const CHAOS_TARGETS = ['ingest', 'provider'] as const;
export type ChaosTarget = (typeof CHAOS_TARGETS)[number];

export const CHAOS_TTL_DEFAULT_SECONDS = 300;
export const CHAOS_TTL_MAX_SECONDS = 3_600;
/** Longest injected delay plus jitter: beyond it a webhook would miss Strava's 2 s deadline many times over. */
export const CHAOS_DELAY_MAX_MS = 30_000;
/** Retry-After sent with an injected 503/429: the fault's remaining time, but never more than this. */
export const CHAOS_RETRY_AFTER_MAX_SECONDS = 60;

export function isChaosMode(value: unknown): value is ChaosMode {
  return typeof value === 'string' && (CHAOS_MODES as readonly string[]).includes(value);
}

/** The body of `PUT /api/ops/chaos/{mode}`; unknown keys are refused so a typo is not silently ignored. */
export const chaosFaultInputSchema = z
  .strictObject({
    target: z.enum(CHAOS_TARGETS),
    /** Default: every provider. */
    providers: z.array(z.enum(PROVIDERS)).min(1).optional(),
    /** Percentage of requests hit, 0–100 (default 100). */
    probability: z.number().min(0).max(100).default(100),
    delayMs: z.int().min(0).max(CHAOS_DELAY_MAX_MS).default(0),
    jitterMs: z.int().min(0).max(CHAOS_DELAY_MAX_MS).default(0),
    ttlSeconds: z.int().min(1).max(CHAOS_TTL_MAX_SECONDS).default(CHAOS_TTL_DEFAULT_SECONDS),
  })
  .superRefine((input, ctx) => {
    if (input.delayMs + input.jitterMs > CHAOS_DELAY_MAX_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['jitterMs'],
        message: `delayMs + jitterMs exceeds ${CHAOS_DELAY_MAX_MS}`,
      });
    }
  });
export type ChaosFaultInput = z.output<typeof chaosFaultInputSchema>;

/** Rules that depend on the mode (a path parameter), checked after the body's own shape. */
export function modeIssues(mode: ChaosMode, input: ChaosFaultInput): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  if (mode === 'latency' && input.delayMs + input.jitterMs === 0) {
    issues.push({ field: 'delayMs', message: 'latency needs delayMs (or jitterMs) above 0' });
  }
  // Outgoing calls are never duplicated: only an accepted webhook can be handed to ingestion twice.
  if (mode === 'duplicates' && input.target !== 'ingest') {
    issues.push({ field: 'target', message: 'duplicates applies to target ingest only' });
  }
  return issues;
}

/** An active fault as stored in Redis and held in memory; `expiresAtMs` is epoch ms, compared per request. */
export interface ChaosFault {
  mode: ChaosMode;
  target: ChaosTarget;
  providers: Provider[];
  probability: number;
  delayMs: number;
  jitterMs: number;
  expiresAtMs: number;
  setBy: string;
}

export const chaosFaultSchema = z.object({
  mode: z.enum(CHAOS_MODES),
  target: z.enum(CHAOS_TARGETS),
  providers: z.array(z.enum(PROVIDERS)),
  probability: z.number().min(0).max(100),
  delayMs: z.int().min(0),
  jitterMs: z.int().min(0),
  expiresAtMs: z.int(),
  setBy: z.string(),
});

/** A stored fault, or undefined for anything unreadable (a stray or older value must not break the hot path). */
export function parseStoredFault(json: string): ChaosFault | undefined {
  try {
    const parsed = chaosFaultSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function faultFromInput(
  mode: ChaosMode,
  input: ChaosFaultInput,
  setBy: string,
  nowMs: number,
): ChaosFault {
  return {
    mode,
    target: input.target,
    providers: input.providers ? [...new Set(input.providers)] : [...PROVIDERS],
    probability: input.probability,
    delayMs: input.delayMs,
    jitterMs: input.jitterMs,
    expiresAtMs: nowMs + input.ttlSeconds * 1000,
    setBy,
  };
}

/** What to do to one request: wait `delayMs`, then answer `abort` (if any), else go on, `duplicate` if set. */
export interface ChaosDecision {
  delayMs: number;
  abort?: { mode: 'outage' | 'rate_limit'; status: 503 | 429; retryAfterSeconds: number };
  duplicate: boolean;
  /** The modes that hit this request, for `ops_chaos_injected_total`. */
  injected: ChaosMode[];
}

export const NO_FAULT: ChaosDecision = Object.freeze({ delayMs: 0, duplicate: false, injected: [] });

/**
 * Which faults hit one request. Each active, unexpired fault for this target and provider rolls `random()`
 * (in [0, 1)) once against its probability, so faults combine (latency and an outage: a slow 503). An outage
 * wins over a rate limit when both hit.
 */
export function decideFault(
  faults: readonly ChaosFault[],
  request: { target: ChaosTarget; provider: Provider },
  random: () => number,
  nowMs: number,
): ChaosDecision {
  let decision: ChaosDecision | undefined;
  for (const fault of faults) {
    if (fault.target !== request.target || fault.expiresAtMs <= nowMs) continue;
    if (!fault.providers.includes(request.provider)) continue;
    if (random() * 100 >= fault.probability) continue;
    decision ??= { delayMs: 0, duplicate: false, injected: [] };
    decision.injected.push(fault.mode);
    if (fault.mode === 'latency') {
      decision.delayMs += fault.delayMs + Math.round(random() * fault.jitterMs);
    } else if (fault.mode === 'duplicates') {
      decision.duplicate = true;
    } else if (decision.abort?.mode !== 'outage') {
      const remaining = Math.ceil((fault.expiresAtMs - nowMs) / 1000);
      decision.abort = {
        mode: fault.mode,
        status: fault.mode === 'outage' ? 503 : 429,
        retryAfterSeconds: Math.max(1, Math.min(CHAOS_RETRY_AFTER_MAX_SECONDS, remaining)),
      };
    }
  }
  if (decision?.abort) {
    // An aborted request is neither duplicated nor rate-limited under an outage: count only what it felt.
    const felt = decision.abort.mode;
    decision.duplicate = false;
    decision.injected = decision.injected.filter((m) => m === 'latency' || m === felt);
  }
  return decision ?? NO_FAULT;
}
