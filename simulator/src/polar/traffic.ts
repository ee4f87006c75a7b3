import { POLAR_SIGNATURE_HEADER, signPolarWebhook } from '@ops-cockpit/core';
import { pick, type Rng } from '../prng.js';
import type { DemoUser } from '../roster.js';
import { planActivity } from '../workouts.js';
import { polarLinkOf } from './accounts.js';
import type { PolarApiFake } from './api.js';
import { polarEntityId, type PolarExerciseRecord } from './payloads.js';

/**
 * Polar's webhook traffic: an EXERCISE notification per new exercise (stored in the fake API first, so the fetch
 * finds it), a re-sent notification (what a Polar retry looks like: same exercise, new `timestamp`), and the PING
 * Polar sends while a webhook is created. Deterministic for a seed, an id base and the clock passed in.
 */

export const POLAR_WEBHOOK_PATH = '/api/webhooks/polar';

export interface PolarDelivery {
  provider: 'polar';
  action: 'exercise' | 'duplicate' | 'ping';
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface PolarTrafficOptions {
  api: PolarApiFake;
  /** Users who work out; those linked to Polar get the exercises. */
  users: readonly DemoUser[];
  rng: Rng;
  /** The webhook's `signature_secret_key`; unset sends unsigned deliveries (the exporter refuses exercises). */
  secret?: string;
  /** New exercise numbers count up from here (see generator.ts's idBaseFor). */
  idBase: number;
  /** New exercises started within this many days. */
  historyDays?: number;
  /** Notifications kept for re-sending. */
  duplicateWindow?: number;
}

export interface PolarTraffic {
  /** A new exercise of a random Polar user, stored in the fake API, and its notification. */
  exercise(nowMs: number): PolarDelivery;
  /** An earlier notification sent again with a new timestamp; a new exercise while none was sent yet. */
  duplicate(nowMs: number): PolarDelivery;
  /** The PING of webhook creation: unsigned by default, since the key is handed over only after it. */
  ping(nowMs: number, opts?: { signed?: boolean }): PolarDelivery;
}

/** Polar's timestamps: whole seconds, UTC, `Z`. */
const polarTime = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;

export function createPolarTraffic(opts: PolarTrafficOptions): PolarTraffic {
  const linked = opts.users.filter((u) => polarLinkOf(u) !== undefined);
  if (linked.length === 0) throw new Error('no user given is linked to Polar');
  const { rng, api } = opts;
  const window = opts.duplicateWindow ?? 50;
  const sent: { polarUserId: number; entityId: string }[] = [];
  let counter = 0;

  const deliver = (action: PolarDelivery['action'], payload: unknown, signed: boolean): PolarDelivery => {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (signed && opts.secret) headers[POLAR_SIGNATURE_HEADER] = signPolarWebhook(opts.secret, body);
    return { provider: 'polar', action, path: POLAR_WEBHOOK_PATH, headers, body };
  };

  const notify = (
    action: 'exercise' | 'duplicate',
    e: { polarUserId: number; entityId: string },
    nowMs: number,
  ) =>
    deliver(
      action,
      {
        event: 'EXERCISE',
        user_id: e.polarUserId,
        entity_id: e.entityId,
        timestamp: polarTime(nowMs),
        url: `https://www.polaraccesslink.com/v3/exercises/${e.entityId}`,
      },
      true,
    );

  const exercise = (nowMs: number): PolarDelivery => {
    const user = pick(rng, linked);
    const entityId = polarEntityId(opts.idBase + counter++);
    // The provider field only labels planActivity's result; the plan (start, sport, distance) is the same for all.
    const {
      provider: _provider,
      externalId: _externalId,
      name: _name,
      ...planned
    } = planActivity(rng, {
      provider: 'garmin',
      externalId: entityId,
      user,
      window: { endMs: nowMs, days: opts.historyDays ?? 7, latestMs: nowMs - 5 * 60_000 },
    });
    const record: PolarExerciseRecord = { ...planned, entityId, polarUserId: polarLinkOf(user)!.polarUserId };
    api.put(record);
    sent.push({ polarUserId: record.polarUserId, entityId });
    if (sent.length > window) sent.shift();
    return notify('exercise', record, nowMs);
  };

  return {
    exercise,
    duplicate: (nowMs) => (sent.length ? notify('duplicate', pick(rng, sent), nowMs) : exercise(nowMs)),
    ping: (nowMs, pingOpts = {}) =>
      deliver('ping', { event: 'PING', timestamp: polarTime(nowMs) }, pingOpts.signed ?? false),
  };
}
