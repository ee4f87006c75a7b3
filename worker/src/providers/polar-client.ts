import { POLAR_ENTITY_ID, polarExerciseSchema, type PolarExercise } from '@ops-cockpit/core';
import type { ProviderCall } from './calls.js';
import { ProviderError } from './errors.js';
import { polarRateLimitOf, type PolarRateLimit } from './polar-rate-limit.js';

export interface PolarClientOptions {
  /** POLAR_API_URL, e.g. https://www.polaraccesslink.com; every call goes under it, whatever a webhook said. */
  baseUrl: string;
  /** The ingest path's outgoing call (timeout, Spike Lab). */
  call: ProviderCall;
  /** Told the rate-limit figures of every answer that carries them, errors included. */
  onRateLimit?: (rateLimit: PolarRateLimit) => void;
}

export interface PolarExerciseAnswer {
  exercise: PolarExercise;
  rateLimit?: PolarRateLimit;
}

/**
 * `{base}/v3/exercises/{id}`, keeping a path prefix of the base (a proxy's). The id's charset is checked again
 * here, so whatever reaches this function can only name an exercise under the base.
 */
export function polarExerciseUrl(baseUrl: string, entityId: string): URL {
  if (!POLAR_ENTITY_ID.test(entityId))
    throw new TypeError(`not a Polar exercise id: ${JSON.stringify(entityId)}`);
  const base = new URL(baseUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/v3/exercises/${entityId}`;
  base.search = '';
  base.hash = '';
  return base;
}

/** The Polar AccessLink call ingestion needs: read an exercise with the user's token (AccessLink has no refresh). */
export class PolarClient {
  /** The figures of the latest answer that carried them. */
  lastRateLimit: PolarRateLimit | undefined;

  constructor(private readonly opts: PolarClientOptions) {}

  async getExercise(accessToken: string, entityId: string): Promise<PolarExerciseAnswer> {
    let rateLimit: PolarRateLimit | undefined;
    const body = await this.opts.call(
      'polar',
      polarExerciseUrl(this.opts.baseUrl, entityId).toString(),
      { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' } },
      (headers) => {
        rateLimit = polarRateLimitOf(headers);
        if (!rateLimit) return;
        this.lastRateLimit = rateLimit;
        this.opts.onRateLimit?.(rateLimit);
      },
    );
    const parsed = polarExerciseSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ProviderError(
        'bad_response',
        `exercise ${entityId}: ${issue?.path.join('.')}: ${issue?.message}`,
      );
    }
    if (parsed.data.id !== entityId) {
      throw new ProviderError(
        'bad_response',
        `exercise ${entityId}: the answer is exercise ${parsed.data.id}`,
      );
    }
    return rateLimit ? { exercise: parsed.data, rateLimit } : { exercise: parsed.data };
  }
}
