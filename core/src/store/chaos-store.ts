import type { Logger } from 'pino';
import {
  CHAOS_MODES,
  decideFault,
  NO_FAULT,
  parseStoredFault,
  type ChaosDecision,
  type ChaosFault,
  type ChaosMode,
  type ChaosTarget,
} from '../contracts/chaos.js';
import type { Provider } from '../contracts/providers.js';
import { closeRedis, type Redis } from '../platform/redis.js';
import type { RedisKeys } from '../contracts/redis-keys.js';

/**
 * Set a fault in one atomic step: drop expired (or unreadable) fields, refuse when `maxActive` other faults
 * remain, write this one, let the whole hash expire with its last fault, announce the change. The hash-level
 * expiry is the cleanup: readers also ignore an expired field by its `expiresAtMs`, so nothing outlives its TTL.
 *
 * KEYS: the faults hash. ARGV: mode, fault JSON, now ms, maxActive, this fault's expiresAtMs, channel.
 * Returns the number of active faults after the write, or -1 when the cap refused it.
 */
const SET_SCRIPT = `
local fields = redis.call('HGETALL', KEYS[1])
local now = tonumber(ARGV[3])
local latest = tonumber(ARGV[5])
local others = 0
for i = 1, #fields, 2 do
  local ok, fault = pcall(cjson.decode, fields[i + 1])
  local expires = ok and type(fault) == 'table' and tonumber(fault.expiresAtMs) or nil
  if not expires or expires <= now then
    redis.call('HDEL', KEYS[1], fields[i])
  elseif fields[i] ~= ARGV[1] then
    others = others + 1
    if expires > latest then latest = expires end
  end
end
if others >= tonumber(ARGV[4]) then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[1], latest)
redis.call('PUBLISH', ARGV[6], ARGV[1])
return others + 1
`;

const SET_COMMAND = 'opsChaosSet';
type SetCommand = (numKeys: number, ...args: (string | number)[]) => Promise<number>;

export type ChaosSetResult = { ok: true; active: number } | { ok: false; maxActive: number };

/** The faults in Redis. Every change is announced on `chaosChannel`, in the same atomic step as the change. */
export interface ChaosStore {
  /** Adds or replaces the fault of `fault.mode`; refused when CHAOS_MAX_ACTIVE other faults are active. */
  set(fault: ChaosFault): Promise<ChaosSetResult>;
  /** Removes one fault; returns it, or undefined when it was not active. */
  clear(mode: ChaosMode): Promise<ChaosFault | undefined>;
  /** "Restore calm": removes every fault in one MULTI (DEL + PUBLISH); returns those that were active. */
  restore(): Promise<ChaosFault[]>;
  /** Active faults, in mode order. */
  list(): Promise<ChaosFault[]>;
}

function unexpired(hash: Record<string, string>, nowMs: number): ChaosFault[] {
  return CHAOS_MODES.flatMap((mode) => {
    const raw = hash[mode];
    const fault = raw === undefined ? undefined : parseStoredFault(raw);
    return fault && fault.mode === mode && fault.expiresAtMs > nowMs ? [fault] : [];
  });
}

/** MULTI's reply for one command: its error, if any, thrown; else its result. */
function replyOf<T>(results: [Error | null, unknown][] | null, index: number): T {
  const reply = results?.[index];
  if (!reply) throw new Error('redis transaction was aborted');
  if (reply[0]) throw reply[0];
  return reply[1] as T;
}

export function createChaosStore(deps: {
  redis: Redis;
  keys: RedisKeys;
  maxActive: number;
  now?: () => number;
}): ChaosStore {
  const { redis, keys, maxActive } = deps;
  if (!Number.isInteger(maxActive) || maxActive < 1) {
    throw new Error(`maxActive must be a positive integer, got ${maxActive}`);
  }
  const now = deps.now ?? Date.now;
  redis.defineCommand(SET_COMMAND, { lua: SET_SCRIPT });
  const setCommand = (redis as unknown as Record<string, SetCommand>)[SET_COMMAND]!.bind(redis);

  return {
    async set(fault) {
      const active = await setCommand(
        1,
        keys.chaosFaults,
        fault.mode,
        JSON.stringify(fault),
        now(),
        maxActive,
        fault.expiresAtMs,
        keys.chaosChannel,
      );
      return active < 0 ? { ok: false, maxActive } : { ok: true, active };
    },
    async clear(mode) {
      const results = await redis
        .multi()
        .hget(keys.chaosFaults, mode)
        .hdel(keys.chaosFaults, mode)
        .publish(keys.chaosChannel, mode)
        .exec();
      const raw = replyOf<string | null>(results, 0);
      const fault = raw === null ? undefined : parseStoredFault(raw);
      return fault && fault.expiresAtMs > now() ? fault : undefined;
    },
    async restore() {
      const results = await redis
        .multi()
        .hgetall(keys.chaosFaults)
        .del(keys.chaosFaults)
        .publish(keys.chaosChannel, 'restore')
        .exec();
      return unexpired(replyOf<Record<string, string>>(results, 0), now());
    },
    async list() {
      return unexpired(await redis.hgetall(keys.chaosFaults), now());
    },
  };
}

/**
 * The faults one process applies, held in memory so the hot path never waits on Redis: refreshed when a change
 * is announced on `chaosChannel` (a dedicated subscriber connection), after each reconnection (announcements
 * may have been missed), and every `refreshMs` as a safety net. While disabled it never touches Redis and
 * never applies a fault, whatever Redis holds.
 */
export interface ChaosFlags {
  readonly enabled: boolean;
  /** Subscribes and loads the faults; a Redis outage is logged, not thrown (faults apply once it heals). */
  start(): Promise<void>;
  /** Unexpired faults in memory. */
  active(): ChaosFault[];
  /** The effect on one request, from memory. */
  decide(target: ChaosTarget, provider: Provider): ChaosDecision;
  /** Re-reads Redis; resolves once memory holds what Redis held at or after the call. */
  refresh(): Promise<void>;
  /** Stops the timer and closes the subscriber; safe to call twice. */
  close(): Promise<void>;
}

export function createChaosFlags(deps: {
  enabled: boolean;
  store: Pick<ChaosStore, 'list'>;
  /** Builds the dedicated subscriber connection ('blocking' role: it waits through reconnections). */
  connectSubscriber: () => Redis;
  channel: string;
  refreshMs: number;
  logger: Logger;
  /** In [0, 1); tests seed it. */
  random?: () => number;
  now?: () => number;
}): ChaosFlags {
  const { enabled, logger } = deps;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  let faults: ChaosFault[] = [];
  let subscriber: Redis | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let lastError = '';
  let inFlight: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const load = async () => {
    try {
      faults = await deps.store.list();
      lastError = '';
    } catch (err) {
      // Keep the faults held: each still ends at its own expiresAtMs, so a Redis outage cannot prolong one.
      const message = (err as Error).message;
      if (message !== lastError) logger.warn({ err: message }, 'chaos flags refresh failed');
      lastError = message;
    }
  };

  // One read at a time; a call during a read gets a fresh read after it, so no announcement is lost.
  const refresh = (): Promise<void> => {
    if (!enabled || closed) return Promise.resolve();
    if (!inFlight) {
      inFlight = load().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    }
    queued ??= inFlight.then(() => {
      queued = undefined;
      return refresh();
    });
    return queued;
  };

  return {
    enabled,
    async start() {
      if (!enabled || closed || subscriber) return;
      const sub = deps.connectSubscriber();
      subscriber = sub;
      sub.on('message', (channel: string) => {
        if (channel === deps.channel) void refresh();
      });
      // ioredis resubscribes after a reconnection; what was announced meanwhile is read again here.
      sub.on('ready', () => void refresh());
      // Not awaited: a Redis outage at start must not hold the process. The read once subscribed closes the gap
      // between the first read and the subscription.
      void sub.subscribe(deps.channel).then(
        () => refresh(),
        (err: Error) =>
          logger.warn({ err: err.message }, 'chaos subscription failed; re-reading periodically'),
      );
      timer = setInterval(() => void refresh(), deps.refreshMs);
      timer.unref();
      await refresh();
    },
    active() {
      const at = now();
      return faults.filter((f) => f.expiresAtMs > at);
    },
    decide(target, provider) {
      if (!enabled || faults.length === 0) return NO_FAULT;
      return decideFault(faults, { target, provider }, random, now());
    },
    refresh,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      if (subscriber) await closeRedis(subscriber);
    },
  };
}
