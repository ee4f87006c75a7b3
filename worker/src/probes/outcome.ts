import type { ProbeErrorReason } from './provider-health-logs.js';
import type { StatusSet } from './expected-statuses.js';

/** Instants of one request, in ms since it started (performance.now() differences); unset if never reached. */
export interface ProbeMarks {
  lookup?: number;
  connect?: number;
  secureConnect?: number;
  firstByte?: number;
  end: number;
}

export const PROBE_PHASES = ['dns', 'connect', 'tls', 'ttfb', 'total'] as const;
export type ProbePhase = (typeof PROBE_PHASES)[number];

/**
 * Durations of the phases in ms, each from the end of the one before (as blackbox_exporter splits them, so they
 * stack): dns until the address is known (0 for an IP literal), connect until TCP is up, tls until the handshake
 * ends (0 over http), ttfb from then until the first response byte, total from start to the last byte or the
 * failure. A phase never reached is 0.
 */
export function phasesOf(marks: ProbeMarks): Record<ProbePhase, number> {
  const dnsEnd = marks.lookup ?? 0;
  const connectEnd = marks.connect;
  const tlsEnd = marks.secureConnect ?? connectEnd;
  const since = (end: number | undefined, start: number | undefined) =>
    end === undefined || start === undefined ? 0 : Math.max(0, end - start);
  return {
    dns: marks.lookup ?? 0,
    connect: since(connectEnd, dnsEnd),
    tls: since(marks.secureConnect, connectEnd),
    ttfb: since(marks.firstByte, tlsEnd),
    total: marks.end,
  };
}

/** The failure an HTTP status stands for, or undefined when it is expected. */
export function reasonOfStatus(status: number, expected: StatusSet): ProbeErrorReason | undefined {
  if (expected(status)) return undefined;
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'http_5xx';
  // 4xx, and any other status nobody expects (a 3xx from a moved URL): the probe's request is what is wrong.
  return 'http_4xx';
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);

/**
 * The failure a request error stands for, decided by how far the request got: no address → dns, no TCP
 * connection → connect, no TLS session over https → tls. A connection dropped after that (reset, hang-up before
 * an answer) is a connect failure too: the set has no finer reason for it.
 */
export function reasonOfError(
  err: { code?: string; syscall?: string },
  marks: Omit<ProbeMarks, 'end'>,
  opts: { timedOut: boolean; https: boolean },
): ProbeErrorReason {
  if (opts.timedOut) return 'timeout';
  if ((err.code !== undefined && DNS_CODES.has(err.code)) || err.syscall === 'getaddrinfo') return 'dns';
  if (marks.connect === undefined) return 'connect';
  if (opts.https && marks.secureConnect === undefined) return 'tls';
  return 'connect';
}

/** Longest Retry-After honoured: a provider asking for more is still probed hourly. */
export const MAX_RETRY_AFTER_SECONDS = 3_600;

/** Retry-After in seconds (delta-seconds or an HTTP date), capped; undefined when absent or unreadable. */
export function parseRetryAfter(raw: string | undefined, nowMs: number): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.ceil((at - nowMs) / 1000);
  }
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, seconds));
}
