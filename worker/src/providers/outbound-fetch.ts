import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, fetch, type Dispatcher, type Response } from 'undici';
import type { Logger, Provider } from '@ops-cockpit/core';
import { ProviderError, failureOfStatus, retryAfterSeconds } from './errors.js';
import {
  allowedBy,
  isIpLiteral,
  isPublicAddress,
  type AllowEntry,
  type OutboundPolicy,
} from './outbound-policy.js';

/** What every outgoing provider call is held to. */
export interface OutboundGuard {
  policy: OutboundPolicy;
  timeoutMs: number;
  /** Largest answer read (PROVIDER_MAX_RESPONSE_BYTES). */
  maxResponseBytes: number;
  /** Where refusals are told in full; the error itself says only that the host is not allowed. */
  logger?: Logger;
  /** Called for each refusal (ops_provider_calls_refused_total). */
  onRefused?: (provider: Provider) => void;
}

const MAX_REDIRECTS = 3;

/** Thrown by the connecting lookup; undici reports it as the `cause` of its "fetch failed". */
class AddressRefused extends Error {
  readonly code = 'EADDRREFUSED_OUTBOUND';
}

/**
 * dns.lookup that fails for any answer outside public unicast space. It runs when the socket connects, for the
 * address that socket will use, so a name cannot resolve to one address for a check and another for the call.
 */
const publicOnlyLookup = ((
  hostname: string,
  options: dns.LookupOptions,
  callback: (err: Error | null, address: string | dns.LookupAddress[], family?: number) => void,
) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused || addresses.length === 0) {
      return callback(new AddressRefused(`${hostname} resolves to ${refused?.address ?? 'nothing'}`), '');
    }
    if (options.all) return callback(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}) as LookupFunction;

/** Where a call or a redirect may not go: said without anything learnt from resolving or connecting. */
function refused(provider: Provider, url: URL, why: string, guard: OutboundGuard): ProviderError {
  guard.logger?.warn({ provider, origin: url.origin, why }, 'outbound call refused');
  guard.onRefused?.(provider);
  return new ProviderError('refused', `${url.protocol}//${url.host} is not an allowed ${provider} API host`);
}

/** What fetch or a body read threw, as a ProviderError: the whole call's timeout, or the network's error. */
function transportFailure(err: unknown, what: string, timeoutMs: number): ProviderError {
  const { name, message, cause } = err as Error & { cause?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ProviderError('timeout', `${what}: no answer within ${timeoutMs} ms`);
  }
  return new ProviderError('network', `${what}: ${cause instanceof Error ? cause.message : message}`);
}

async function readCapped(res: Response, max: number, what: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) {
    await res.body?.cancel();
    throw new ProviderError('bad_response', `${what}: answer of ${declared} bytes, more than ${max}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    // Leaving the loop cancels the stream: the rest is never read.
    if (size > max) throw new ProviderError('bad_response', `${what}: answer longer than ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Provider calls under one guard: the URL, and every redirect's, must be allowed for the provider (its
 * allow-list, outbound-policy.ts); a bare allowed host must resolve to public addresses only, checked as the
 * socket connects; answers are read up to a size; the timeout covers the whole call, body and redirects
 * included. Resolves to the parsed JSON body; every failure is a ProviderError, a refusal a permanent one.
 */
export function createOutboundFetch(guard: OutboundGuard): {
  call: (
    provider: Provider,
    url: string,
    init?: RequestInit,
    onHeaders?: (headers: Headers) => void,
  ) => Promise<unknown>;
  close: () => Promise<void>;
} {
  const publicOnly = new Agent({ connect: { lookup: publicOnlyLookup } });
  const named = new Agent();
  const dispatcher = (entry: AllowEntry): Dispatcher => (entry.named ? named : publicOnly);

  async function call(
    provider: Provider,
    url: string,
    init: RequestInit = {},
    onHeaders?: (headers: Headers) => void,
  ): Promise<unknown> {
    const method = init.method ?? 'GET';
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new ProviderError('refused', `${provider} call to a malformed URL`);
    }
    const signal = AbortSignal.timeout(guard.timeoutMs);
    for (let hop = 0; ; hop += 1) {
      // Query strings carry tokens (Garmin's callbacks): messages name origin and path only.
      const what = `${method} ${target.origin}${target.pathname}`;
      const entry = allowedBy(guard.policy[provider] ?? [], target);
      if (!entry) throw refused(provider, target, 'not on the allow-list', guard);
      if (!entry.named && isIpLiteral(target.hostname) && !isPublicAddress(target.hostname)) {
        throw refused(provider, target, 'a non-public address literal', guard);
      }
      let res: Response;
      try {
        res = await fetch(target, {
          method,
          headers: init.headers as never,
          body: init.body as never,
          redirect: 'manual',
          signal,
          dispatcher: dispatcher(entry),
        });
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause;
        if (cause instanceof AddressRefused) throw refused(provider, target, cause.message, guard);
        throw transportFailure(err, what, guard.timeoutMs);
      }
      if (res.status >= 300 && res.status < 400) {
        const location = res.headers.get('location');
        await res.body?.cancel();
        if (!location)
          throw new ProviderError('bad_response', `${what}: HTTP ${res.status} without Location`);
        if (hop >= MAX_REDIRECTS) throw new ProviderError('bad_response', `${what}: more than 3 redirects`);
        // Checked like the first URL at the top of the loop: a redirect off the list is refused.
        target = new URL(location, target);
        continue;
      }
      onHeaders?.(res.headers as unknown as Headers);
      const failure = failureOfStatus(res.status);
      if (failure) {
        await res.body?.cancel();
        throw new ProviderError(
          failure,
          `${what}: HTTP ${res.status}`,
          retryAfterSeconds(res.headers.get('retry-after')),
        );
      }
      let text: string;
      try {
        text = await readCapped(res, guard.maxResponseBytes, what);
      } catch (err) {
        throw err instanceof ProviderError ? err : transportFailure(err, what, guard.timeoutMs);
      }
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ProviderError('bad_response', `${what}: body is not JSON`);
      }
    }
  }

  return {
    call,
    close: async () => {
      await Promise.all([publicOnly.close(), named.close()]);
    },
  };
}
