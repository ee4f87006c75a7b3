/** Why an outgoing provider call failed; decides whether the ingest entry is retried. */
export type ProviderFailure =
  'not_found' | 'unauthorized' | 'rate_limited' | 'server' | 'timeout' | 'network' | 'bad_response';

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
    return ['rate_limited', 'server', 'timeout', 'network'].includes(this.failure);
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

function retryAfter(res: Response): number | undefined {
  const raw = res.headers.get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

/**
 * fetch with a timeout, turning every failure into a ProviderError; returns the parsed JSON body. `onHeaders` sees
 * the headers of any answer, errors included (a provider's rate-limit headers).
 */
export async function fetchJson(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  onHeaders?: (headers: Headers) => void,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new ProviderError('timeout', `${init.method ?? 'GET'} ${url}: no answer within ${timeoutMs} ms`);
    }
    throw new ProviderError('network', `${init.method ?? 'GET'} ${url}: ${(err as Error).message}`);
  }
  onHeaders?.(res.headers);
  const failure = failureOfStatus(res.status);
  if (failure) {
    await res.body?.cancel();
    throw new ProviderError(failure, `${init.method ?? 'GET'} ${url}: HTTP ${res.status}`, retryAfter(res));
  }
  try {
    return await res.json();
  } catch {
    throw new ProviderError('bad_response', `${init.method ?? 'GET'} ${url}: body is not JSON`);
  }
}
