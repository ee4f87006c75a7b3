import { createTestRedis, type TestRedis } from '../testing/index.js';
import { INGEST_GROUP } from '../contracts/ingest.js';
import { readIngestBacklog, undelivered } from './ingest-backlog.js';

let t: TestRedis;
let stream: string;
beforeAll(async () => {
  t = await createTestRedis('backlog');
  stream = `${t.prefix}:{ingest}`;
});
afterAll(async () => {
  await t?.close();
});
beforeEach(async () => {
  await t.redis.del(stream);
});

const add = async (n: number) => {
  for (let i = 0; i < n; i++) await t.redis.xadd(stream, '*', 'e', String(i));
};

describe('the pure rule', () => {
  const never = () => Promise.reject(new Error('not counted'));
  it('trusts lag, except when the last entry was delivered', () => {
    expect(undelivered({ lag: 4, lastDelivered: '1-0', lastGenerated: '5-0', countAfter: never })).toBe(4);
    expect(undelivered({ lag: 1217, lastDelivered: '5-0', lastGenerated: '5-0', countAfter: never })).toBe(0);
  });
  it('counts the entries after the last delivered one when lag is unknown', async () => {
    expect(
      await undelivered({ lag: null, lastDelivered: '1-0', lastGenerated: '5-0', countAfter: async () => 3 }),
    ).toBe(3);
  });
});

describe('against Redis', () => {
  it('a stream no group reads yet is all backlog', async () => {
    await add(3);
    expect(await readIngestBacklog(t.redis, stream)).toEqual({ read: 0, pending: 3 });
  });

  it('counts delivered-but-unacknowledged plus undelivered', async () => {
    await add(5);
    await t.redis.xgroup('CREATE', stream, INGEST_GROUP, '0');
    await t.redis.xreadgroup('GROUP', INGEST_GROUP, 'c', 'COUNT', 2, 'STREAMS', stream, '>');
    expect(await readIngestBacklog(t.redis, stream)).toEqual({ read: 2, pending: 5 });
  });

  it('reads 0 for a group at the end of the stream whose entries-read counter stayed behind (a promoted replica)', async () => {
    await add(4);
    await t.redis.xgroup('CREATE', stream, INGEST_GROUP, '0');
    // What a failover leaves: the group delivered everything, its counter says it read nothing.
    await t.redis.call('XGROUP', 'SETID', stream, INGEST_GROUP, '$', 'ENTRIESREAD', '0');
    const [group] = (await t.redis.xinfo('GROUPS', stream)) as unknown[][];
    expect(group![group!.indexOf('lag') + 1]).toBe(4);
    expect(await readIngestBacklog(t.redis, stream)).toEqual({ read: 0, pending: 0 });
  });
});
