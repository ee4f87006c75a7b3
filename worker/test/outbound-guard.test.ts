import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IngestEnvelope } from '@ops-cockpit/core';
import { createTestDatabase, type TestDatabase } from '@ops-cockpit/core/testing';
import { processEnvelope } from '../src/ingest/process.js';
import { createIngestAdapters } from '../src/ingest/registry.js';
import { providerCalls } from '../src/providers/calls.js';
import { ProviderError } from '../src/providers/errors.js';
import {
  allowEntry,
  allowedBy,
  isPublicAddress,
  outboundPolicy,
  type OutboundPolicy,
} from '../src/providers/outbound-policy.js';

// The red team's Garmin ping SSRF: a callbackURL naming the worker's own network. Every form of it is refused
// before a connection is made, a redirect cannot leave the allow-list, and answers are read up to a size.

describe('the policy', () => {
  const garmin = [allowEntry('apis.garmin.com'), allowEntry('http://simulator:9400')];
  const allowed = (url: string) => allowedBy(garmin, new URL(url)) !== undefined;

  it('allows a bare host over https on 443 only, and a named origin exactly', () => {
    expect(allowed('https://apis.garmin.com/wellness-api/rest/activities?token=x')).toBe(true);
    expect(allowed('https://APIS.Garmin.com:443/x')).toBe(true);
    expect(allowed('http://apis.garmin.com/x')).toBe(false);
    expect(allowed('https://apis.garmin.com:8443/x')).toBe(false);
    expect(allowed('https://apis.garmin.com.evil.example/x')).toBe(false);
    expect(allowed('https://user:pw@apis.garmin.com/x')).toBe(false);
    expect(allowed('http://simulator:9400/garmin/callback/1')).toBe(true);
    expect(allowed('https://simulator:9400/x')).toBe(false);
    expect(allowed('http://simulator:9401/x')).toBe(false);
  });

  it('never allows loopback written any way the red team wrote it', () => {
    for (const url of [
      'http://127.0.0.1:6379/',
      'http://localhost:5432/',
      'http://2130706433/',
      'http://0x7f.0.0.1/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'https://169.254.169.254/latest/meta-data',
    ]) {
      expect([url, allowed(url)]).toEqual([url, false]);
    }
  });

  it('counts only public unicast addresses as public', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '::1',
      'fe80::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::',
      'not-an-ip',
    ]) {
      expect([a, isPublicAddress(a)]).toEqual([a, false]);
    }
    for (const a of ['8.8.8.8', '151.101.1.1', '2001:4860:4860::8888', '[2606:4700::1111]']) {
      expect([a, isPublicAddress(a)]).toEqual([a, true]);
    }
  });

  it('allows the configured API bases as named origins, and Apple Health nothing', () => {
    const policy = outboundPolicy({
      STRAVA_API_URL: 'https://www.strava.com',
      POLAR_API_URL: 'http://127.0.0.1:9400',
      GARMIN_API_HOSTS: ['apis.garmin.com'],
      POLAR_API_HOSTS: ['www.polaraccesslink.com'],
    });
    expect(policy.strava).toEqual([
      { protocol: 'https:', hostname: 'www.strava.com', port: '', named: true },
    ]);
    expect(policy.polar?.map((e) => e.hostname)).toEqual(['www.polaraccesslink.com', '127.0.0.1']);
    expect(policy.garmin).toEqual([
      { protocol: 'https:', hostname: 'apis.garmin.com', port: '', named: false },
    ]);
    expect(policy.apple_health).toEqual([]);
  });
});

describe('calls under the guard', () => {
  let hits: string[];
  let inside: http.Server;
  let outside: http.Server;
  let insideUrl: string;
  let outsideUrl: string;

  const listen = async (handler: http.RequestListener) => {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`] as const;
  };

  beforeAll(async () => {
    hits = [];
    // What the worker must never reach: stands in for /metrics, Redis, Postgres.
    [inside, insideUrl] = await listen((req, res) => {
      hits.push(req.url ?? '');
      res.end('{"activities":[]}');
    });
    // An allowed callback host that misbehaves on demand.
    [outside, outsideUrl] = await listen((req, res) => {
      if (req.url === '/redirect-inside') {
        res.writeHead(302, { location: `${insideUrl}/metrics` }).end();
      } else if (req.url === '/redirect-here') {
        res.writeHead(301, { location: '/json' }).end();
      } else if (req.url === '/huge') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
      } else if (req.url === '/huge-chunked') {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 40; i += 1) res.write('x'.repeat(64 * 1024));
        res.end();
      } else {
        res.end('{"ok":true}');
      }
    });
  });

  afterAll(async () => {
    await new Promise((r) => inside.close(r));
    await new Promise((r) => outside.close(r));
  });

  function calls(policy: OutboundPolicy) {
    return providerCalls({ policy, timeoutMs: 3_000, maxResponseBytes: 1024 * 1024 });
  }

  async function failure(p: Promise<unknown>): Promise<ProviderError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }

  it('refuses a URL off the list, in every spelling, without connecting; the reason reveals nothing inside', async () => {
    const call = calls({ garmin: [allowEntry('apis.garmin.com')] });
    const { port } = new URL(insideUrl);
    for (const url of [
      `${insideUrl}/metrics`,
      `http://localhost:${port}/metrics`,
      `http://2130706433:${port}/metrics`,
      `http://0x7f.0.0.1:${port}/metrics`,
    ]) {
      const err = await failure(call('garmin', url));
      expect([url, err.failure, err.transient]).toEqual([url, 'refused', false]);
      expect(err.message).toMatch(
        /^http:\/\/(127\.0\.0\.1|localhost):\d+ is not an allowed garmin API host$/,
      );
    }
    expect(hits).toEqual([]);
    await call.close();
  });

  it('refuses an allowed bare host that resolves to loopback, as the socket connects', async () => {
    // `localhost` on the list as a bare host: https on 443, public addresses only.
    const call = calls({ garmin: [allowEntry('localhost')] });
    const err = await failure(call('garmin', 'https://localhost/wellness-api/rest/activities'));
    expect(err.failure).toBe('refused');
    expect(err.message).toBe('https://localhost is not an allowed garmin API host');
    await call.close();
  });

  it('follows a redirect on the list, refuses one off it without reaching it', async () => {
    const call = calls({ garmin: [allowEntry(outsideUrl)] });
    expect(await call('garmin', `${outsideUrl}/redirect-here`)).toEqual({ ok: true });
    const err = await failure(call('garmin', `${outsideUrl}/redirect-inside`));
    expect(err.failure).toBe('refused');
    expect(hits).toEqual([]);
    await call.close();
  });

  it('stops reading an answer past the size limit, announced or streamed', async () => {
    const call = calls({ garmin: [allowEntry(outsideUrl)] });
    for (const path of ['/huge', '/huge-chunked']) {
      const err = await failure(call('garmin', `${outsideUrl}${path}`));
      expect([path, err.failure]).toEqual([path, 'bad_response']);
      expect(err.message).toMatch(/1048576/);
    }
    await call.close();
  });

  describe('a Garmin ping through the real ingest adapter', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase('ssrf');
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO users (name) VALUES ('Five') RETURNING id`,
      );
      await db.pool.query(
        `INSERT INTO provider_accounts (user_id, provider, external_user_id) VALUES ($1, 'garmin', 'garmin-user-5')`,
        [rows[0]!.id],
      );
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('with a callback into the worker network fails for good and changes nothing', async () => {
      const call = calls(outboundPolicy({ GARMIN_API_HOSTS: ['apis.garmin.com'], POLAR_API_HOSTS: [] }));
      const adapters = createIngestAdapters({ call, settings: {} });
      const ping: IngestEnvelope = {
        provider: 'garmin',
        kind: 'garmin_ping',
        eventId: 'ping:ssrf',
        receivedAt: new Date().toISOString(),
        body: { userId: 'garmin-user-5', callbackURL: `${insideUrl}/json` },
      };
      const err = await failure(processEnvelope({ pool: db.pool, adapters }, ping));
      expect([err.failure, err.transient]).toEqual(['refused', false]);
      expect(hits).toEqual([]);
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM activities`);
      expect(rows[0].n).toBe(0);
      await call.close();
    });
  });
});
