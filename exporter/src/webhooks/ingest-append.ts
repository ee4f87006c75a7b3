import {
  closeRedis,
  duplicateRedis,
  INGEST_FIELD,
  type IngestEnvelope,
  type Redis,
  type RedisKeys,
} from '@ops-cockpit/core';

/**
 * Dedup and append in one atomic step, so a delivery is either wholly on the stream or not at all. For each
 * envelope: skip it if its seen-marker exists; else XADD it, then set the marker. Appending before marking
 * means a failed XADD leaves no marker behind, so the provider's retry is appended, not taken for a duplicate.
 * A repeated id (within one delivery, or in two deliveries of one batch) sees the marker its first copy set.
 * A duplicate rewrites its marker unchanged: a write, so a WAIT after the call covers the first copy even when
 * another connection wrote it (since Redis 7.2, WAIT counts only writes of its own connection).
 * Returns 1 (appended) or 0 per envelope. An envelope with `copies` 2 (Spike Lab `duplicates`) is XADDed a
 * second time past its own marker, so the worker meets a real duplicate and its idempotent upsert is exercised.
 *
 * KEYS: stream, then one seen-marker per envelope. ARGV: maxlen, ttl, field, then per envelope its copies and
 * its JSON (envelope j, from 1, at ARGV[2 + 2j] and ARGV[3 + 2j]).
 */
const APPEND_SCRIPT = `
local out = {}
for i = 2, #KEYS do
  local j = i - 1
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('SET', KEYS[i], '1', 'KEEPTTL')
    out[j] = 0
  else
    for _ = 1, tonumber(ARGV[2 + 2 * j]) do
      redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[3], ARGV[3 + 2 * j])
    end
    redis.call('SET', KEYS[i], '1', 'EX', ARGV[2])
    out[j] = 1
  end
end
return out
`;

const COMMAND = 'opsIngestAppend';

/** Most envelopes in one script call: bounds how long one call holds Redis (a delivery is never split). */
export const MAX_ENVELOPES_PER_CALL = 500;

type AppendCommand = (numKeys: number, args: (string | number)[]) => Promise<number[]>;
type Pipeline = ReturnType<Redis['pipeline']>;
type AppendPipeline = Pipeline &
  Record<typeof COMMAND, (numKeys: number, args: (string | number)[]) => Pipeline>;

/** The append did not answer within the deadline; whether it happened later is unknown (a retry is deduped). */
export class AppendTimeout extends Error {}

/**
 * The append happened on the master but fewer replicas than INGEST_MIN_REPLICAS confirmed it in time: the
 * delivery is answered 503, so the provider retries; a retry finds the marker (200) unless a failover lost both.
 */
export class ReplicationShortfall extends Error {}

/** The `reason` label of ops_webhook_append_failures_total for an append's rejection. */
export function appendFailureReason(err: unknown): 'timeout' | 'replicas' | 'redis' {
  if (err instanceof AppendTimeout) return 'timeout';
  if (err instanceof ReplicationShortfall) return 'replicas';
  return 'redis';
}

/** One delivery waiting for its append: its markers and JSON bodies, and how to answer it. */
export interface PendingAppend {
  markers: string[];
  bodies: string[];
  copies: 1 | 2;
  resolve(appended: boolean[]): void;
  reject(err: Error): void;
}

/** Groups deliveries, in order, into calls of at most `max` envelopes; a bigger delivery gets a call alone. */
export function chunkDeliveries<T extends { markers: readonly string[] }>(
  pending: readonly T[],
  max: number,
): T[][] {
  const calls: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const p of pending) {
    if (size > 0 && size + p.markers.length > max) {
      calls.push(current);
      current = [];
      size = 0;
    }
    current.push(p);
    size += p.markers.length;
  }
  if (current.length) calls.push(current);
  return calls;
}

/** Arguments of one script call (after numkeys) for a group of deliveries. */
export function appendArgs(
  group: readonly Pick<PendingAppend, 'markers' | 'bodies' | 'copies'>[],
  stream: string,
  maxlen: number,
  dedupSeconds: number,
): { numKeys: number; args: (string | number)[] } {
  const keys: string[] = [stream];
  const argv: (string | number)[] = [maxlen, dedupSeconds, INGEST_FIELD];
  for (const p of group) {
    for (let i = 0; i < p.markers.length; i++) {
      keys.push(p.markers[i]!);
      argv.push(p.copies, p.bodies[i]!);
    }
  }
  return { numKeys: keys.length, args: keys.concat(argv as string[]) };
}

/** Splits a call's flat 1/0 answer back into one `appended` list per delivery, in order. */
export function splitAnswer(
  group: readonly { markers: readonly string[] }[],
  answer: readonly number[],
): boolean[][] {
  if (answer.length !== group.reduce((n, p) => n + p.markers.length, 0)) {
    throw new Error(`append script answered ${answer.length} results for ${group.length} deliveries`);
  }
  let at = 0;
  return group.map((p) => {
    const mine = answer.slice(at, at + p.markers.length).map((a) => a === 1);
    at += p.markers.length;
    return mine;
  });
}

export interface IngestAppender {
  /**
   * Dedups and appends one delivery's envelopes (`duplicate`: twice each); resolves per envelope appended (true)
   * or already seen (false) once Redis confirmed the call that carried them; rejects on a Redis error, or with
   * AppendTimeout when no answer came within the deadline.
   */
  append(envelopes: readonly IngestEnvelope[], opts?: { duplicate?: boolean }): Promise<boolean[]>;
  /** Stops the deadline sweep; calls still waiting are answered by Redis or never. Safe to call twice. */
  close(): void;
}

/**
 * The ingest appender: every delivery that asks within one event-loop turn shares ONE script call (at most
 * MAX_ENVELOPES_PER_CALL envelopes), so Redis runs one script per turn instead of one per request, and each
 * delivery is answered only from the answer of the call that carried it. One timer sweeps the calls in flight
 * every `sweepMs` and fails those past their deadline, instead of a timer per request.
 */
export function createIngestAppender(opts: {
  redis: Redis;
  keys: RedisKeys;
  maxlen: number;
  /** INGEST_DEDUP_SECONDS: how long an accepted event's marker makes a redelivery a duplicate. */
  dedupSeconds: number;
  /**
   * INGEST_MIN_REPLICAS: after the append, WAIT until this many replicas have it (0: do not wait), at most
   * `replicaTimeoutMs`; fewer rejects the call with ReplicationShortfall.
   */
  minReplicas?: number;
  replicaTimeoutMs?: number;
  timeoutMs: number;
  /** How often deadlines are checked (default a tenth of timeoutMs, 10–100 ms): a late 503 is at most this late. */
  sweepMs?: number;
  now?: () => number;
}): IngestAppender {
  const { redis, keys, maxlen, timeoutMs, dedupSeconds } = opts;
  const minReplicas = opts.minReplicas ?? 0;
  const replicaTimeoutMs = opts.replicaTimeoutMs ?? Math.floor(timeoutMs / 2);
  if (!Number.isInteger(maxlen) || maxlen < 1)
    throw new Error(`maxlen must be a positive integer, got ${maxlen}`);
  if (!Number.isInteger(dedupSeconds) || dedupSeconds < 1)
    throw new Error(`dedupSeconds must be a positive integer, got ${dedupSeconds}`);
  if (!(timeoutMs > 0)) throw new Error(`timeoutMs must be positive, got ${timeoutMs}`);
  const now = opts.now ?? Date.now;
  const sweepMs = opts.sweepMs ?? Math.min(100, Math.max(10, Math.floor(timeoutMs / 10)));
  redis.defineCommand(COMMAND, { lua: APPEND_SCRIPT });
  // This appender already sends one call per turn. ioredis's auto-pipelining would wrap each call in a pipeline
  // of one and hold it until the previous pipeline answered (one in flight at a time): at 2,000 deliveries/s
  // arriving one per turn, a delivery would wait for its predecessor's round trip. Sent directly instead.
  const ignored = redis.options.autoPipeliningIgnoredCommands ?? [];
  if (!ignored.includes(COMMAND)) redis.options.autoPipeliningIgnoredCommands = [...ignored, COMMAND];
  const script = (redis as unknown as Record<string, AppendCommand>)[COMMAND]!.bind(redis);
  // WAIT shares the script's pipeline, so it goes to the connection (on a cluster, the master of the {ingest}
  // slot) that ran the append, and counts the replicas that have everything written on it so far. WAIT holds
  // its connection until the replicas answer: appends get one of their own, so the requests' other commands
  // (reads, counters) never queue behind it.
  const waiting = minReplicas > 0 ? duplicateRedis(redis) : undefined;
  waiting?.defineCommand(COMMAND, { lua: APPEND_SCRIPT });
  const replicated: AppendCommand = async (numKeys, args) => {
    const pipeline = waiting!.pipeline() as AppendPipeline;
    const replies = await pipeline[COMMAND](numKeys, args).wait(minReplicas, replicaTimeoutMs).exec();
    const [appendReply, waitReply] = replies ?? [];
    if (!appendReply || !waitReply) throw new Error('redis pipeline was aborted');
    if (appendReply[0]) throw appendReply[0];
    if (waitReply[0]) throw waitReply[0];
    const confirmed = Number(waitReply[1]);
    if (confirmed < minReplicas) {
      throw new ReplicationShortfall(
        `appended, but ${confirmed} of ${minReplicas} replicas confirmed within ${replicaTimeoutMs} ms`,
      );
    }
    return appendReply[1] as number[];
  };
  const command = minReplicas > 0 ? replicated : script;

  let queued: PendingAppend[] = [];
  let scheduled = false;
  /** Calls in flight, oldest (earliest deadline) first; a call leaves it when answered or timed out. */
  const inFlight = new Set<{ deadline: number; group: PendingAppend[] }>();

  const send = (group: PendingAppend[]) => {
    const call = { deadline: now() + timeoutMs, group };
    inFlight.add(call);
    const { numKeys, args } = appendArgs(group, keys.ingestStream, maxlen, dedupSeconds);
    command(numKeys, args).then(
      (answer) => {
        if (!inFlight.delete(call)) return; // already answered 503 by the sweep
        let split: boolean[][];
        try {
          split = splitAnswer(group, answer);
        } catch (err) {
          for (const p of group) p.reject(err as Error);
          return;
        }
        group.forEach((p, i) => p.resolve(split[i]!));
      },
      (err: Error) => {
        if (!inFlight.delete(call)) return;
        for (const p of group) p.reject(err);
      },
    );
  };

  const flush = () => {
    scheduled = false;
    const pending = queued;
    queued = [];
    for (const group of chunkDeliveries(pending, MAX_ENVELOPES_PER_CALL)) send(group);
  };

  const sweep = setInterval(() => {
    if (inFlight.size === 0) return;
    const t = now();
    for (const call of inFlight) {
      if (call.deadline > t) break;
      inFlight.delete(call);
      const err = new AppendTimeout(`no answer within ${timeoutMs} ms`);
      for (const p of call.group) p.reject(err);
    }
  }, sweepMs);
  sweep.unref();

  return {
    append(envelopes, { duplicate = false } = {}) {
      if (envelopes.length === 0) return Promise.resolve([]);
      return new Promise((resolve, reject) => {
        queued.push({
          markers: envelopes.map((e) => keys.seenEvent(e.provider, e.eventId)),
          bodies: envelopes.map((e) => JSON.stringify(e)),
          copies: duplicate ? 2 : 1,
          resolve,
          reject,
        });
        if (!scheduled) {
          scheduled = true;
          // After the I/O callbacks of this turn: every request read in it joins the same call.
          setImmediate(flush);
        }
      });
    },
    close() {
      clearInterval(sweep);
      if (waiting) void closeRedis(waiting);
    },
  };
}
