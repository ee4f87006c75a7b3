import { stravaActivitySchema, stravaTokenSchema, type StravaActivity } from '@ops-cockpit/core';
import { ProviderError, fetchJson } from './errors.js';
import type { ProviderChaosGate } from '../chaos.js';

export interface StravaClientOptions {
  /** e.g. https://www.strava.com; the API lives under /api/v3 and OAuth under /oauth. */
  baseUrl: string;
  clientId?: string;
  clientSecret?: string;
  timeoutMs: number;
  /** Spike Lab target `provider` (absent: never). */
  chaos?: ProviderChaosGate;
}

export interface StravaTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/** The two Strava calls ingestion needs: read an activity, refresh an athlete's token. */
export class StravaClient {
  private readonly chaos;

  constructor(private readonly opts: StravaClientOptions) {
    this.chaos = opts.chaos ? { provider: 'strava' as const, gate: opts.chaos } : undefined;
  }

  async getActivity(accessToken: string, id: number): Promise<StravaActivity> {
    const body = await fetchJson(
      new URL(`/api/v3/activities/${id}`, this.opts.baseUrl).toString(),
      { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' } },
      this.opts.timeoutMs,
      this.chaos,
    );
    const parsed = stravaActivitySchema.safeParse(body);
    if (!parsed.success)
      throw new ProviderError('bad_response', `activity ${id}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  async refresh(refreshToken: string): Promise<StravaTokens> {
    const body = await fetchJson(
      new URL('/oauth/token', this.opts.baseUrl).toString(),
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({
          client_id: this.opts.clientId,
          client_secret: this.opts.clientSecret,
          grant_type: 'refresh_token',
          refresh_token: refreshToken,
        }),
      },
      this.opts.timeoutMs,
      this.chaos,
    );
    const parsed = stravaTokenSchema.safeParse(body);
    if (!parsed.success) throw new ProviderError('bad_response', 'token refresh answer lacks tokens');
    return {
      accessToken: parsed.data.access_token,
      refreshToken: parsed.data.refresh_token,
      expiresAt: new Date(parsed.data.expires_at * 1000),
    };
  }
}
