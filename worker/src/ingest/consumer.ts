import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  INGEST_FIELD,
  type IngestEnvelope,
  type Provider,
  type Logger,
  type Redis,
  type RedisKeys,
} from '@ops-cockpit/core';
import { outagePauseMs } from './backoff.js';
import { createIngestStream, type IngestStream, type StreamEntry } from './ingest-stream.js';
import { judgeFailure, type RetryState } from './failure-policy.js';
import { asError, type Applied, type Prepared, type Preparer } from './process.js';
import { fieldOf, parseEnvelope } from './stream-entry.js';
import type { WorkerMetrics } from '../metrics.js';

export interface IngestConsumerOptions {
  /** A connection of its own: XREADGROUP BLOCK holds it while waiting. */
  redis: Redis;
  /**
   * Another connection, for what the commits and the heartbeat send (acknowledgements, retry states, dead
   * letters) while the loop may hold `redis` in a blocked read: on `redis` they would wait up to a second.
   */
  commands: Redis;
  keys: RedisKeys;
  batchSize: number;
  /** After a short read, wait this long and top the batch up (fewer, larger transactions); 0 does not wait. */
  lingerMs: number;
  /** Pending entries idle this long are claimed: their consumer died, or their retry is due. */
  claimIdleMs: number;
  maxDeliveries: number;
  /** Entries read and not yet applied or set aside, at most; reading waits while this many are (2 × batchSize). */
  maxInFlight?: number;
  /**
   * Provider side of a read batch (account lookups, provider calls): per entry, a promise of what to apply or of
   * why it is not ready, each settling on its own (process.ts's createPreparer, with its deadline).
   */
  prepare: Preparer;
  /** Writes prepared entries in one transaction; throws when the transaction itself fails. */
  apply: (batch: Prepared[]) => Promise<Applied[]>;
  logger: Logger;
  metrics: WorkerMetrics;
}

interface Work {
  id: string;
  raw: string;
  envelope: IngestEnvelope;
  retry: RetryState | undefined;
}

/** An entry whose provider side is done: what to apply, or why it is not ready. */
interface Settled {
  w: Work;
  result: Prepared | Error;
}

/**
 * Reads the ingest stream through the consumer group and applies each entry; XACK only after the database
 * commit, so an entry whose worker dies is still pending and another consumer claims it (XAUTOCLAIM).
 * Transient failures stay pending and are retried with exponential backoff; an entry that keeps failing, or
 * fails permanently, moves to the dead-letter stream with its reason, so nothing is silently dropped.
 * A dependency outage (Postgres unreachable) is no failure of the entry: it stays pending without counting
 * against INGEST_MAX_DELIVERIES, and the consumer backs off as a whole until the dependency answers again.
 *
 * Entries are pipelined, not held batch by batch: each read entry prepares on its own (under its deadline), and
 * whatever has settled is applied together in one transaction (group commit) while the loop goes on reading.
 * So an entry waiting on a slow provider never holds back the entries read with it or after it; only the
 * in-flight bound (maxInFlight) makes reading wait.
 */
export class IngestConsumer {
  readonly name = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  #stopping = false;
  #loop: Promise<void> | undefined;
  /** Entries read or claimed and not yet applied or set aside, by stream id. */
  readonly #inflight = new Map<string, Work>();
  /** Settled entries waiting for the next commit. */
  #ready: Settled[] = [];
  #draining: Promise<void> | undefined;
  /** Woken whenever entries leave #inflight (room to read, or idle for close). */
  #waiters: (() => void)[] = [];
  /** What the commits since the loop last looked said: a dependency outage, or all fine. */
  #commits: 'outage' | 'ok' | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #maxInFlight: number;
  readonly #stream: IngestStream;

  /**
   * Entries set aside until their provider's budget window reopens, by id, with when they are due: the backlog
   * waiting on budget. Another worker may take an entry up once due, so one overdue by a claim period is
   * forgotten here (it waits again, then, in whichever worker set it aside last).
   */
  readonly #budgetWaiting = new Map<string, { provider: Provider; dueAt: number }>();

  /** How many of this consumer's entries wait for a provider's budget, per provider. */
  budgetWaiting(now = Date.now()): Map<Provider, number> {
    const counts = new Map<Provider, number>();
    for (const [id, { provider, dueAt }] of this.#budgetWaiting) {
      if (dueAt < now - this.opts.claimIdleMs) this.#budgetWaiting.delete(id);
      else counts.set(provider, (counts.get(provider) ?? 0) + 1);
    }
    return counts;
  }

  constructor(private readonly opts: IngestConsumerOptions) {
    this.#maxInFlight = Math.max(1, opts.maxInFlight ?? opts.batchSize * 2);
    // Reads, claims and retry states on the reading connection (between reads); every write on `commands`.
    this.#stream = createIngestStream(opts.commands, opts.keys, opts.redis);
  }

  start(): void {
    this.#heartbeat ??= this.#startHeartbeat();
    this.#loop ??= this.#run();
  }

  /** Entries read and not yet applied or set aside. */
  get inFlight(): number {
    return this.#inflight.size;
  }

  /**
   * Stops reading; entries in flight finish (applied and acknowledged, or set aside for retry, each within its
   * deadline) before this resolves.
   */
  async close(): Promise<void> {
    this.#stopping = true;
    this.#wake();
    await this.#loop;
    while (this.#inflight.size > 0) await new Promise<void>((r) => this.#waiters.push(r));
    await this.#draining;
    clearInterval(this.#heartbeat);
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Free places in the in-flight window; waits (or returns 0 when stopping) while there are none. */
  async #room(): Promise<number> {
    while (!this.#stopping && this.#inflight.size >= this.#maxInFlight) {
      await new Promise<void>((r) => this.#waiters.push(r));
    }
    return this.#stopping ? 0 : this.#maxInFlight - this.#inflight.size;
  }

  /** The commits' verdict since the last call: a dependency outage, all fine, or undefined when none ran. */
  #takeCommits(): 'outage' | 'ok' | undefined {
    const seen = this.#commits;
    this.#commits = undefined;
    return seen;
  }

  async #run(): Promise<void> {
    const { opts } = this;
    const blockMs = Math.max(50, Math.min(1_000, Math.floor(opts.claimIdleMs / 2)));
    let nextClaim = 0;
    // Created once, and again after any error (a Redis that lost its data answers NOGROUP): not per batch.
    let needGroup = true;
    let outages = 0;
    while (!this.#stopping) {
      try {
        if (outages > 0) await this.#pause(outagePauseMs(outages, blockMs, opts.claimIdleMs));
        if (needGroup) {
          await this.#stream.ensureGroup();
          needGroup = false;
        }
        if ((await this.#room()) === 0) break;
        if (Date.now() >= nextClaim) {
          await this.#claimStale();
          nextClaim = Date.now() + blockMs;
        }
        const room = await this.#room();
        if (room === 0) break;
        const want = Math.min(opts.batchSize, room);
        const entries = await this.#stream.read(this.name, want, blockMs);
        if (entries.length > 0 && entries.length < want && opts.lingerMs > 0 && !this.#stopping) {
          await new Promise((r) => setTimeout(r, opts.lingerMs));
          // Stopping meanwhile: finish what is in hand, take nothing new.
          if (!this.#stopping) entries.push(...(await this.#stream.read(this.name, want - entries.length)));
        }
        if (entries.length) await this.#dispatch(entries);
        const commits = this.#takeCommits();
        if (commits === 'outage') outages += 1;
        else if (commits === 'ok') outages = 0;
      } catch (err) {
        if (this.#stopping) break;
        needGroup = true;
        opts.logger.warn({ err: (err as Error).message }, 'ingest loop error; retrying in 1 s');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  /** Waits `ms`, or less when close() is called meanwhile. */
  async #pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!this.#stopping && Date.now() < until) {
      await new Promise((r) => setTimeout(r, Math.min(100, until - Date.now())));
    }
  }

  /** Takes over entries idle past claimIdleMs (a dead consumer's, or ones whose retry is due), room permitting. */
  async #claimStale(): Promise<void> {
    const { opts } = this;
    let cursor = '0-0';
    for (let round = 0; round < 10; round++) {
      const room = this.#stopping ? 0 : this.#maxInFlight - this.#inflight.size;
      if (room <= 0) return;
      const { next, claimed, trimmed } = await this.#stream.claim(
        this.name,
        opts.claimIdleMs,
        cursor,
        Math.min(opts.batchSize, room),
      );
      if (trimmed) {
        opts.metrics.ingestJobs.inc({ provider: 'unknown', outcome: 'trimmed' }, trimmed);
        opts.logger.error({ count: trimmed }, 'pending ingest entries were trimmed before processing');
      }
      // Ours already (a heartbeat missed under load): in flight here, not to be prepared twice.
      const entries = claimed.filter(([id]) => !this.#inflight.has(id));
      if (entries.length) await this.#dispatch(entries);
      cursor = next;
      // During an outage every claimed entry fails the same way: one round is enough to notice.
      if (cursor === '0-0' || this.#commits === 'outage') return;
    }
  }

  /**
   * Keeps the entries in flight from looking idle: one waiting on a slow provider can take longer than
   * claimIdleMs, and another consumer would then take it over and apply it twice. `XCLAIM … 0 … JUSTID` by their
   * owner resets their idle time without counting a delivery; when this consumer dies the heartbeat stops with
   * it, and its entries are taken over as before.
   */
  #startHeartbeat(): NodeJS.Timeout {
    const timer = setInterval(
      () => void this.#stream.touch(this.name, [...this.#inflight.keys()]).catch(() => undefined),
      Math.max(20, Math.floor(this.opts.claimIdleMs / 3)),
    );
    timer.unref();
    return timer;
  }

  /**
   * Parses a read batch, skips entries whose retry is not due, and starts their provider side; each entry joins
   * the next commit as soon as it has settled. Returns once they are all in flight, not when they are applied.
   */
  async #dispatch(entries: StreamEntry[]): Promise<void> {
    const { opts } = this;
    const states = await this.#stream.retryStates(entries.map(([id]) => id));
    const work: Work[] = [];
    for (const [index, [id, fields]] of entries.entries()) {
      const raw = fieldOf(fields, INGEST_FIELD);
      const envelope = parseEnvelope(raw);
      if (!envelope) {
        await this.#deadLetter(id, raw ?? '', 'unparseable entry', 'unknown', 1);
        continue;
      }
      const retry = states[index];
      if (retry && retry.nextAt > Date.now()) continue; // claimed early; stays pending until its backoff is over
      work.push({ id, raw: raw!, envelope, retry });
    }
    if (!work.length) return;
    for (const w of work) this.#inflight.set(w.id, w);
    let pending: Promise<Prepared | Error>[];
    try {
      pending = opts.prepare(work.map((w) => w.envelope));
    } catch (err) {
      pending = work.map(() => Promise.resolve(err as Error));
    }
    work.forEach((w, i) => {
      const settle = (result: Prepared | Error) => this.#settle({ w, result });
      (pending[i] ?? Promise.resolve(new Error('not prepared'))).then(settle, (err: unknown) =>
        settle(asError(err)),
      );
    });
  }

  #settle(settled: Settled): void {
    this.#ready.push(settled);
    this.#draining ??= this.#drain();
  }

  /**
   * Commits what has settled, in rounds: everything that settled during one commit goes into the next. The
   * first round waits one turn of the event loop, so the entries that settle together are committed together.
   */
  async #drain(): Promise<void> {
    try {
      await new Promise((r) => setImmediate(r));
      while (this.#ready.length) {
        const round = this.#ready.splice(0);
        try {
          await this.#commit(round);
        } catch (err) {
          // Redis failed the acknowledgement: the entries stay pending and are claimed again (applying twice
          // changes nothing: the writes are idempotent).
          this.opts.logger.warn(
            { err: (err as Error).message },
            'ingest commit failed; entries stay pending',
          );
        } finally {
          for (const { w } of round) this.#inflight.delete(w.id);
          this.#wake();
        }
      }
    } finally {
      this.#draining = undefined;
    }
  }

  /** Applies the ready entries of a round in one transaction, acknowledges them in one round trip, fails the rest. */
  async #commit(round: Settled[]): Promise<void> {
    const { opts } = this;
    const ready = round.filter((s): s is { w: Work; result: Prepared } => !(s.result instanceof Error));
    let applied: Applied[];
    if (ready.length) opts.metrics.ingestBatchEntries.observe(ready.length);
    try {
      applied = ready.length ? await opts.apply(ready.map((r) => r.result)) : [];
    } catch (err) {
      applied = ready.map(() => ({ error: err as Error }));
    }
    const results = new Map<Work, Applied>();
    for (const s of round) if (s.result instanceof Error) results.set(s.w, { error: s.result });
    ready.forEach((r, i) => results.set(r.w, applied[i] ?? { error: new Error('not applied') }));

    const done = round.map((s) => s.w).filter((w) => 'outcome' in results.get(w)!);
    if (done.length) {
      await this.#stream.acknowledge(done.map((w) => w.id));
      const now = Date.now();
      for (const w of done) {
        this.#budgetWaiting.delete(w.id);
        const outcome = (results.get(w) as { outcome: string }).outcome;
        opts.metrics.ingestJobs.inc({ provider: w.envelope.provider, outcome });
        opts.metrics.ingestLag.observe(Math.max(0, (now - Date.parse(w.envelope.receivedAt)) / 1000));
      }
    }
    let outage = false;
    for (const { w } of round) {
      const result = results.get(w)!;
      if ('error' in result) outage = (await this.#fail(w, result.error)) || outage;
    }
    if (outage) this.#commits = 'outage';
    else this.#commits ??= 'ok';
  }

  /**
   * Carries out what judgeFailure decided for a failed entry: a retry state, a dead letter, or nothing (a
   * dependency outage leaves the entry pending as it is, retried once claimable while the consumer pauses;
   * returns true then).
   */
  async #fail(w: Work, err: Error): Promise<boolean> {
    const { opts } = this;
    const { id, envelope } = w;
    const { provider } = envelope;
    const verdict = judgeFailure(err, w.retry, opts, Date.now());
    switch (verdict.action) {
      case 'await_dependency':
        opts.metrics.ingestJobs.inc({ provider, outcome: 'retried' });
        opts.logger.debug({ id, err: err.message }, 'ingest entry waits for a dependency');
        return true;
      case 'await_budget':
        // Its failures so far stay as they were; it waits for the window as many times as it takes.
        await this.#stream.saveRetryState(id, verdict.state).catch(() => undefined);
        this.#budgetWaiting.set(id, { provider, dueAt: verdict.state.nextAt });
        opts.metrics.ingestJobs.inc({ provider, outcome: 'budget_wait' });
        opts.logger.debug({ id, provider, retryAt: new Date(verdict.state.nextAt) }, err.message);
        return false;
      case 'dead_letter':
        this.#budgetWaiting.delete(id);
        await this.#deadLetter(id, w.raw, err.message, provider, verdict.failures);
        opts.logger.warn(
          { id, provider, kind: envelope.kind, err: err.message, failures: verdict.failures },
          'ingest entry failed',
        );
        return false;
      case 'retry':
        this.#budgetWaiting.delete(id);
        await this.#stream.saveRetryState(id, verdict.state).catch(() => undefined);
        opts.metrics.ingestJobs.inc({ provider, outcome: 'retried' });
        opts.logger.info(
          {
            id,
            provider,
            err: err.message,
            failures: verdict.state.failures,
            retryAt: new Date(verdict.state.nextAt),
          },
          'ingest entry will be retried',
        );
        return false;
    }
  }

  async #deadLetter(
    id: string,
    raw: string,
    reason: string,
    provider: string,
    attempts: number,
  ): Promise<void> {
    await this.#stream.deadLetter({ id, raw, reason, attempts });
    this.opts.metrics.ingestJobs.inc({ provider, outcome: 'failed' });
  }
}
