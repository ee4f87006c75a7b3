import { stravaActivitySchema, stravaTokenSchema, type StravaActivity } from '@ops-cockpit/core';
import { ProviderError } from './errors.js';
import type { ProviderCall } from './calls.js';

export interface StravaClientOptions {
  /** e.g. https://www.strava.com; the API lives under /api/v3 and OAuth under /oauth. */
  baseUrl: string;
  clientId?: string;
  clientSecret?: string;
  /** How calls go out (timeout, Spike Lab): providers/calls.ts. */
  call: ProviderCall;
}

export interface StravaTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/** The Strava calls ingestion needs: read an activity or the athlete, refresh an athlete's token. */
export class StravaClient {
  constructor(private readonly opts: StravaClientOptions) {}

  async getActivity(accessToken: string, id: number): Promise<StravaActivity> {
    const body = await this.opts.call(
      'strava',
      new URL(`/api/v3/activities/${id}`, this.opts.baseUrl).toString(),
      { headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' } },
    );
    const parsed = stravaActivitySchema.safeParse(body);
    if (!parsed.success)
      throw new ProviderError('bad_response', `activity ${id}: ${parsed.error.issues[0]?.message}`);
    return parsed.data;
  }

  /** GET /api/v3/athlete: answers only while the athlete's token is good (used to confirm a deauthorization). */
  async getAthlete(accessToken: string): Promise<void> {
    await this.opts.call('strava', new URL('/api/v3/athlete', this.opts.baseUrl).toString(), {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
    });
  }

  async refresh(refreshToken: string): Promise<StravaTokens> {
    const body = await this.opts.call('strava', new URL('/oauth/token', this.opts.baseUrl).toString(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        client_id: this.opts.clientId,
        client_secret: this.opts.clientSecret,
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      }),
    });
    const parsed = stravaTokenSchema.safeParse(body);
    if (!parsed.success) throw new ProviderError('bad_response', 'token refresh answer lacks tokens');
    return {
      accessToken: parsed.data.access_token,
      refreshToken: parsed.data.refresh_token,
      expiresAt: new Date(parsed.data.expires_at * 1000),
    };
  }
}
