import { setTimeout as sleep } from 'node:timers/promises';
import type { Delivery, EventGenerator } from '../src/index.js';
import { post, type Answer } from './helpers.js';

export interface Sent {
  delivery: Delivery;
  answer: Answer;
  /** When the answer (or the network error) came, ms since the epoch. */
  at: number;
  /** How long the answer took. */
  ms: number;
}

/**
 * Webhook traffic as providers send it, until stopped: `lanes` concurrent senders, each pausing `pauseMs`
 * between deliveries. Every delivery and its answer is kept, so a test can tell what was acknowledged.
 */
export class Load {
  readonly sent: Sent[] = [];
  #running = false;
  readonly #inFlight = new Set<Delivery>();
  #lanes: Promise<void>[] = [];

  constructor(
    private readonly url: () => string,
    private readonly generator: EventGenerator,
    private readonly opts: { lanes: number; pauseMs: number },
  ) {}

  start(): this {
    this.#running = true;
    this.#lanes = Array.from({ length: this.opts.lanes }, async () => {
      while (this.#running) {
        const delivery = this.generator.next(Date.now());
        const started = Date.now();
        this.#inFlight.add(delivery);
        const answer = await post(this.url(), delivery);
        this.#inFlight.delete(delivery);
        this.sent.push({ delivery, answer, at: Date.now(), ms: Date.now() - started });
        await sleep(this.opts.pauseMs);
      }
    });
    return this;
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#lanes);
  }

  /** Deliveries sent and not answered yet (a lane between two deliveries has none). */
  inFlight(): Delivery[] {
    return [...this.#inFlight];
  }

  /** Resolves once `n` more answers have come in. */
  async answered(n: number): Promise<void> {
    const target = this.sent.length + n;
    while (this.sent.length < target) await sleep(10);
  }

  /** Counts answers by status (0 = network error), optionally only those in [from, to). */
  statuses(from = 0, to = Infinity): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of this.sent) {
      if (s.at < from || s.at >= to) continue;
      const key = s.answer.status === 0 ? `error:${s.answer.error}` : String(s.answer.status);
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }
}

/** Runs `fault` while `load` sends traffic; the load stops however the fault ends. */
export async function underLoad<T>(load: Load, fault: (load: Load) => Promise<T>): Promise<T> {
  load.start();
  try {
    return await fault(load);
  } finally {
    await load.stop();
  }
}

/**
 * What a provider does with a delivery that got no 2xx: sends it again (here at once, over and over, until
 * the exporter takes it). Returns how many sends that took.
 */
export async function redeliver(
  url: string,
  deliveries: readonly Delivery[],
  timeoutMs = 20_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let sends = 0;
  for (const d of deliveries) {
    for (;;) {
      sends += 1;
      const answer = await post(url, d);
      if (answer.status >= 200 && answer.status < 300) break;
      if (Date.now() > deadline) throw new Error(`delivery never accepted: ${JSON.stringify(answer)}`);
      await sleep(50);
    }
  }
  return sends;
}

/** The provider account a delivery belongs to (Strava athlete, Garmin user, Apple user). */
function accountOf(d: Delivery): string {
  const body = JSON.parse(d.body) as Record<string, unknown>;
  if (d.provider === 'strava') return `strava:${(body as { owner_id: number }).owner_id}`;
  if (d.provider === 'garmin')
    return `garmin:${(body as { activities: { userId: string }[] }).activities[0]!.userId}`;
  if (d.provider === 'polar') return `polar:${(body as { user_id: number }).user_id}`;
  return `apple_health:${(body as { workouts: { userId: string }[] }).workouts[0]!.userId}`;
}

/** Where a delivery goes: an exporter's address, or a function that posts it (a Balancer's `post`). */
export type Destination = string | ((d: Delivery) => Promise<Answer>);

/**
 * Posts deliveries over `lanes` connections while keeping each provider account's deliveries in their order
 * (one lane per account), as a provider sends them. With `overMs`, delivery i is not sent before
 * i × overMs / n after the start: traffic spread over that time rather than a burst. Answers in the order of
 * `deliveries`.
 */
export async function postInOrder(
  to: Destination,
  deliveries: readonly Delivery[],
  lanes: number,
  opts: { overMs?: number } = {},
): Promise<Answer[]> {
  const send = typeof to === 'string' ? (d: Delivery) => post(to, d) : to;
  const answers: Answer[] = new Array(deliveries.length);
  const queues: number[][] = Array.from({ length: lanes }, () => []);
  deliveries.forEach((d, i) => {
    const key = accountOf(d);
    let hash = 0;
    for (const c of key) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    queues[hash % lanes]!.push(i);
  });
  const started = Date.now();
  const spacingMs = (opts.overMs ?? 0) / deliveries.length;
  await Promise.all(
    queues.map(async (queue) => {
      for (const i of queue) {
        const wait = started + i * spacingMs - Date.now();
        if (wait > 0) await sleep(wait);
        answers[i] = await send(deliveries[i]!);
      }
    }),
  );
  return answers;
}

/** One delivery through the balancer: the replica that gave the last answer, when, after how many sends. */
export interface Routed {
  delivery: Delivery;
  answer: Answer;
  upstream: number;
  at: number;
  sends: number;
}

/**
 * A load balancer in front of exporter replicas, as providers' deliveries reach them: round-robin; a delivery
 * that gets no answer (connection refused or reset) or a 5xx is sent again to the next replica, as a provider's
 * retry through the balancer would be. A refused connection takes the replica out of the rotation (a passive
 * health check); a reset does not (a keep-alive race with a live replica looks the same).
 */
export class Balancer {
  /** Sends beyond the first, by cause (network error code or status). */
  readonly retries: Record<string, number> = {};
  /** Every delivery's outcome, in the order the answers came. */
  readonly routed: Routed[] = [];
  readonly #down = new Set<number>();
  #next = 0;

  constructor(
    private readonly urls: readonly string[],
    private readonly timeoutMs = 20_000,
  ) {}

  /** All retries, whatever their cause. */
  get retried(): number {
    return Object.values(this.retries).reduce((a, b) => a + b, 0);
  }

  readonly post = async (delivery: Delivery): Promise<Answer> => {
    const deadline = Date.now() + this.timeoutMs;
    for (let sends = 1; ; sends++) {
      const upstream = this.#pick();
      const answer = await post(this.urls[upstream]!, delivery);
      const cause = answer.status === 0 ? (answer.error ?? 'network') : String(answer.status);
      if (answer.status !== 0 && answer.status < 500) {
        this.routed.push({ delivery, answer, upstream, at: Date.now(), sends });
        return answer;
      }
      if (Date.now() > deadline) throw new Error(`no replica took the delivery: ${JSON.stringify(answer)}`);
      if (cause === 'ECONNREFUSED') this.#down.add(upstream);
      this.retries[cause] = (this.retries[cause] ?? 0) + 1;
      if (answer.status !== 0) await sleep(50);
    }
  };

  /** Resolves once `n` deliveries in all have been answered. */
  async answered(n: number): Promise<void> {
    while (this.routed.length < n) await sleep(10);
  }

  #pick(): number {
    for (let tries = 0; tries < this.urls.length; tries++) {
      const upstream = this.#next++ % this.urls.length;
      if (!this.#down.has(upstream)) return upstream;
    }
    throw new Error('every replica is out of the rotation');
  }
}
