/** Why an outgoing provider call failed; decides whether the ingest entry is retried. */
export type ProviderFailure =
  | 'not_found'
  | 'unauthorized'
  | 'rate_limited'
  | 'server'
  | 'timeout'
  | 'network'
  | 'bad_response'
  /** The outbound policy refused the URL (not an allowed host, or a non-public address): never retried. */
  | 'refused'
  /**
   * The provider's request budget is spent (the ledger refused before any call): the entry waits for the window
   * to reopen (retryAfterSeconds), without counting as a failed attempt.
   */
  | 'budget';

export class ProviderError extends Error {
  constructor(
    readonly failure: ProviderFailure,
    message: string,
    /** Seconds the provider asked us to wait (Retry-After), when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  /** 429, 5xx, timeouts and connection errors pass; 404, 401 and garbage answers will not. */
  get transient(): boolean {
    return ['rate_limited', 'server', 'timeout', 'network', 'budget'].includes(this.failure);
  }
}

/** Maps an HTTP status to a failure; undefined for 2xx. */
export function failureOfStatus(status: number): ProviderFailure | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 404 || status === 410) return 'not_found';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  return 'bad_response';
}

/** Seconds a `Retry-After` header asks for (delta seconds or an HTTP date); undefined when absent or garbled. */
export function retryAfterSeconds(raw: string | null): number | undefined {
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}
