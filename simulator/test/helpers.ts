import type { AddressInfo } from 'node:net';
import type { StravaRateLimits } from '../src/providers/strava-limits.js';
import {
  createRedisKeys,
  listen,
  readIngestBacklog,
  urlOf,
  type IngestBacklog,
  type Redis,
} from '@ops-cockpit/core';
import { silentLogger } from '@ops-cockpit/core/testing';
import {
  FaultControl,
  MessagingFake,
  World,
  createSimulatorServer,
  demoRoster,
  type Delivery,
  type PolarLimits,
} from '../src/index.js';

export interface RunningSimulator {
  url: string;
  world: World;
  faults: FaultControl;
  /** The fake SendGrid and Twilio: their outbox, and `failNext` to fail the next sends. */
  messaging: MessagingFake;
  clock: { now: number };
  close(): Promise<void>;
}

/** The simulator's server on a free loopback port, with a clock the test can move. */
export async function startSimulator(
  opts: { random?: () => number; polarLimits?: PolarLimits; stravaLimits?: StravaRateLimits } = {},
): Promise<RunningSimulator> {
  const world = new World({
    roster: demoRoster(10),
    tokenTtlSeconds: 3_600,
    ...(opts.polarLimits ? { polarLimits: opts.polarLimits } : {}),
  });
  const faults = new FaultControl();
  const messaging = new MessagingFake();
  const clock = { now: Date.now() };
  const server = createSimulatorServer({
    world,
    faults,
    messaging,
    logger: silentLogger,
    now: () => clock.now,
    ...(opts.random ? { random: opts.random } : {}),
    ...(opts.stravaLimits ? { stravaLimits: opts.stravaLimits } : {}),
  });
  const address: AddressInfo = await listen(server, '127.0.0.1', 0);
  return {
    url: urlOf(address),
    world,
    faults,
    messaging,
    clock,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

/** How the exporter answered one delivery: a status and body, or the network error (connection refused…). */
export interface Answer {
  status: number;
  body?: Record<string, unknown>;
  error?: string;
}

/** Posts one webhook delivery as its provider would; never throws. */
export async function post(base: string, d: Delivery): Promise<Answer> {
  try {
    const res = await fetch(`${base}${d.path}`, { method: 'POST', headers: d.headers, body: d.body });
    const text = await res.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    return body === undefined ? { status: res.status } : { status: res.status, body };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { status: 0, error: cause?.code ?? cause?.message ?? (err as Error).message };
  }
}

/** Posts every delivery over `lanes` concurrent connections; answers in the order of `deliveries`. */
export async function postAll(base: string, deliveries: readonly Delivery[], lanes = 16): Promise<Answer[]> {
  const answers: Answer[] = new Array(deliveries.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < deliveries.length) {
        const i = next++;
        answers[i] = await post(base, deliveries[i]!);
      }
    }),
  );
  return answers;
}

export type IngestGroup = IngestBacklog;

/** The worker group's progress through the ingest stream of `prefix`. */
export function ingestGroup(redis: Redis, prefix: string): Promise<IngestGroup> {
  return readIngestBacklog(redis, createRedisKeys(prefix).ingestStream);
}

/** Ingest entries the worker group has not acknowledged: read-but-unfinished plus unread. */
export async function pendingEntries(redis: Redis, prefix: string): Promise<number> {
  return (await ingestGroup(redis, prefix)).pending;
}
