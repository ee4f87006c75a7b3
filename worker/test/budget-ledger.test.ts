// The shared request budget on a real Redis, with a clock the test moves: the ingestion share and the probes'
// reserve, both windows, the provider's own figures, and several workers drawing on one budget at once.
import { createRedisKeys, STRAVA_DEFAULT_LIMITS, stravaBudgetReport } from '@ops-cockpit/core';
import { createTestRedis, type TestRedis } from '@ops-cockpit/core/testing';
import {
  BudgetLedger,
  budgetsFrom,
  catchUpSeconds,
  polarBudgetReport,
} from '../src/providers/budget-ledger.js';

const WINDOW_S = 10;
const DAY_S = 60;
let redis: TestRedis;
let at = 0;

beforeAll(async () => {
  redis = await createTestRedis('budget');
});
afterAll(() => redis?.close());

function ledger(label: string, over: { read?: [number, number]; reservePercent?: number } = {}) {
  const [short, day] = over.read ?? [20, 100];
  return new BudgetLedger({
    redis: redis.redis,
    keys: createRedisKeys(`${redis.prefix}:${label}`),
    limits: { strava: { overall: { '15m': 200, day: 2000 }, read: { '15m': short, day } } },
    reports: { strava: stravaBudgetReport },
    lengths: { shortSeconds: WINDOW_S, daySeconds: DAY_S },
    reservePercent: over.reservePercent ?? 10,
    now: () => at,
  });
}

const READ = ['overall', 'read'] as const;

async function grants(l: BudgetLedger, n: number, priority = false): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await l.reserve('strava', READ, priority));
  return out;
}

it('lets ingestion spend all but the reserve of a window, the probe the rest, then says when it reopens', async () => {
  const l = ledger('share');
  at = 1_000_000 * WINDOW_S * 1000 + 2_500; // 2.5 s into a window
  const ingest = await grants(l, 19);
  expect(ingest.slice(0, 18).every((w) => w === 0)).toBe(true);
  // 90 % of 20: the 19th waits until the window reopens, 7.5 s from now; nothing was counted for it.
  expect(ingest[18]).toBe(7_500);
  expect(await grants(l, 3, true)).toEqual([0, 0, 7_500]);
  expect((await l.figures('strava')).find((f) => f.cls === 'read' && f.window === '15m')).toMatchObject({
    limit: 20,
    used: 20,
  });
  // The next window: 18 more for ingestion.
  at += 7_500;
  expect((await grants(l, 18)).every((w) => w === 0)).toBe(true);
});

it("keeps to the day's limit across windows, until the day ends", async () => {
  const l = ledger('day', { read: [20, 50], reservePercent: 0 });
  at = 7_000 * DAY_S * 1000; // the start of a day
  expect((await grants(l, 20)).every((w) => w === 0)).toBe(true);
  at += WINDOW_S * 1000;
  expect((await grants(l, 20)).every((w) => w === 0)).toBe(true);
  at += WINDOW_S * 1000;
  const third = await grants(l, 11);
  expect(third.slice(0, 10).every((w) => w === 0)).toBe(true);
  // 50 a day: the 51st waits for the next day, 40 s away, although the window has room.
  expect(third[10]).toBe(40_000);
  at += 40_000;
  expect(await l.reserve('strava', READ, false)).toBe(0);
});

it("takes the provider's figures from its answers: usage it counted beyond ours, and its real limits", async () => {
  const l = ledger('observe');
  at = 9_000 * WINDOW_S * 1000;
  expect(await l.reserve('strava', READ, false)).toBe(0);
  // Another application sharing the Strava app (or a worker before a restart) spent more than this ledger saw.
  await l.observe(
    'strava',
    new Headers({
      'X-RateLimit-Limit': '600,30000',
      'X-RateLimit-Usage': '30,31',
      'X-ReadRateLimit-Limit': '300,15000',
      'X-ReadRateLimit-Usage': '25,26',
    }),
  );
  const f = await l.figures('strava');
  expect(f.map((x) => [x.cls, x.window, x.limit, x.used])).toEqual([
    ['overall', '15m', 600, 30],
    ['overall', 'day', 30000, 31],
    ['read', '15m', 300, 25],
    ['read', 'day', 15000, 26],
  ]);
  // A lower report than what was counted since changes nothing: both count the same calls.
  await l.observe('strava', new Headers({ 'X-ReadRateLimit-Usage': '3,3' }));
  expect((await l.figures('strava')).find((x) => x.cls === 'read' && x.window === '15m')?.used).toBe(25);
});

it('never grants more than the budget to several workers at once', async () => {
  // Three workers' ledgers over one Redis, 150 calls at once against 20 a window (probes' share included).
  const workers = [ledger('shared'), ledger('shared'), ledger('shared')];
  at = 11_000 * WINDOW_S * 1000;
  const waits = await Promise.all(
    Array.from({ length: 150 }, (_, i) => workers[i % 3]!.reserve('strava', READ, true)),
  );
  expect(waits.filter((w) => w === 0)).toHaveLength(20);
  expect(
    (await workers[0]!.figures('strava')).find((f) => f.cls === 'read' && f.window === '15m')?.used,
  ).toBe(20);
});

it('is built from the settings: Strava unless off, Garmin and Apple Health only when configured', () => {
  const off = { STRAVA_RATE_LIMITS: undefined, STRAVA_READ_RATE_LIMITS: undefined };
  const none = { GARMIN_RATE_LIMITS: undefined, APPLE_HEALTH_RATE_LIMITS: undefined };
  expect(
    budgetsFrom({
      STRAVA_RATE_LIMITS: STRAVA_DEFAULT_LIMITS.overall,
      STRAVA_READ_RATE_LIMITS: STRAVA_DEFAULT_LIMITS.read,
      ...none,
    }).limits,
  ).toEqual({ strava: STRAVA_DEFAULT_LIMITS });
  expect(budgetsFrom({ ...off, ...none })).toEqual({ limits: {}, reports: { polar: polarBudgetReport } });
  expect(budgetsFrom({ ...off, ...none, GARMIN_RATE_LIMITS: { '15m': 5, day: 50 } }).limits).toEqual({
    garmin: { overall: { '15m': 5, day: 50 } },
  });
});

it('estimates when a backlog waiting on the budget has gone out', () => {
  const now = 0;
  const figures = (used: number, dayUsed: number) => [
    { cls: 'read' as const, window: '15m' as const, limit: 20, used, resetsAt: 4_000 },
    { cls: 'read' as const, window: 'day' as const, limit: 100, used: dayUsed, resetsAt: 54_000 },
  ];
  const lengths = { shortSeconds: WINDOW_S, daySeconds: DAY_S };
  // 18 a window for ingestion: 5 fit now; 40 more need 3 windows: the first opens in 4 s, then 10 s each.
  expect(catchUpSeconds(figures(13, 13), 'read', 45, lengths, 10, now)).toBe(24);
  expect(catchUpSeconds(figures(13, 13), 'read', 5, lengths, 10, now)).toBe(0);
  expect(catchUpSeconds(figures(0, 0), 'read', 0, lengths, 10, now)).toBe(0);
  // The day has 90 - 80 = 10 left: the other 30 wait for the next day (54 s), then 2 windows.
  expect(catchUpSeconds(figures(0, 80), 'read', 40, lengths, 10, now)).toBe(64);
});

it("reads Polar AccessLink's figures the same way (one class)", () => {
  expect(
    polarBudgetReport(
      new Headers({
        'RateLimit-Usage': '12,340',
        'RateLimit-Limit': '500,5000',
        'RateLimit-Reset': '600,80000',
      }),
    ),
  ).toEqual({ overall: { limit: { '15m': 500, day: 5000 }, usage: { '15m': 12, day: 340 } } });
  expect(polarBudgetReport(new Headers())).toEqual({});
});
