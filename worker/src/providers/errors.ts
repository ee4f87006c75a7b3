import type { Provider } from '@ops-cockpit/core';
import type { ProviderChaosGate } from '../chaos.js';

/** Why an outgoing provider call failed; decides whether the ingest entry is retried. */
export type ProviderFailure =
  'not_found' | 'unauthorized' | 'rate_limited' | 'server' | 'timeout' | 'network' | 'bad_response';

export class ProviderError extends Error {
  constructor(
    readonly failure: ProviderFailure,
    message: string,
    /** Seconds the provider asked us to wait (Retry-After), when it said. */
    readonly retryAfterSeconds?: number,
    /** The answer's headers, when there was one (a 429's rate-limit headers, say). */
    readonly headers?: Headers,
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

/** A successful JSON answer: its parsed body, and its headers (rate limits, …). */
export interface JsonAnswer {
  body: unknown;
  headers: Headers;
}

/** fetchJsonAnswer's body alone. */
export async function fetchJson(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  chaos?: { provider: Provider; gate: ProviderChaosGate },
): Promise<unknown> {
  return (await fetchJsonAnswer(url, init, timeoutMs, chaos)).body;
}

/**
 * fetch with a timeout, turning every failure into a ProviderError; returns the parsed JSON body and the headers.
 * `chaos` (Spike Lab target `provider`) may delay the call or answer it with an injected 503/429 instead.
 */
export async function fetchJsonAnswer(
  url: string,
  init: RequestInit,
  timeoutMs: number,
  chaos?: { provider: Provider; gate: ProviderChaosGate },
): Promise<JsonAnswer> {
  const injected = await chaos?.gate(chaos.provider);
  if (injected) {
    const message = `${init.method ?? 'GET'} ${url}: HTTP ${injected.status} (injected by Spike Lab)`;
    throw new ProviderError(failureOfStatus(injected.status)!, message, injected.retryAfterSeconds);
  }
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
  const failure = failureOfStatus(res.status);
  if (failure) {
    await res.body?.cancel();
    const message = `${init.method ?? 'GET'} ${url}: HTTP ${res.status}`;
    throw new ProviderError(failure, message, retryAfter(res), res.headers);
  }
  try {
    return { body: await res.json(), headers: res.headers };
  } catch {
    throw new ProviderError('bad_response', `${init.method ?? 'GET'} ${url}: body is not JSON`);
  }
}
