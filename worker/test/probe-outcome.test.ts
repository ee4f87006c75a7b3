import { parseExpectedStatuses } from '../src/probes/expected-statuses.js';
import {
  MAX_RETRY_AFTER_SECONDS,
  parseRetryAfter,
  phasesOf,
  reasonOfError,
  reasonOfStatus,
} from '../src/probes/outcome.js';
import { probeHeaders, probeTargetsFrom } from '../src/probes/targets.js';
import { probeKeys } from '../src/probes/keys.js';
import { slotOf } from '../src/probes/job.js';

describe('expected statuses', () => {
  it('accept codes and ranges', () => {
    const ok = parseExpectedStatuses('200-299,304');
    expect([200, 204, 299, 304].map(ok)).toEqual([true, true, true, true]);
    expect([199, 300, 301, 404, 500].map(ok)).toEqual([false, false, false, false, false]);
  });

  it.each(['299-200', '099', '200-600', '20x'])('refuse %s naming it', (spec) => {
    expect(() => parseExpectedStatuses(spec)).toThrow(`"${spec}"`);
  });
});

describe('probe outcome', () => {
  const ok = parseExpectedStatuses('200-299');

  it('maps statuses to reasons: 429 rate_limited, 5xx, and anything else unexpected as http_4xx', () => {
    expect(reasonOfStatus(200, ok)).toBeUndefined();
    expect(reasonOfStatus(429, ok)).toBe('rate_limited');
    expect(reasonOfStatus(401, ok)).toBe('http_4xx');
    expect(reasonOfStatus(404, ok)).toBe('http_4xx');
    expect(reasonOfStatus(301, ok)).toBe('http_4xx');
    expect(reasonOfStatus(500, ok)).toBe('http_5xx');
    expect(reasonOfStatus(503, ok)).toBe('http_5xx');
    expect(reasonOfStatus(503, parseExpectedStatuses('200-299,503'))).toBeUndefined();
  });

  it('maps request errors by how far the request got', () => {
    const plain = { timedOut: false, https: false };
    const tls = { timedOut: false, https: true };
    expect(reasonOfError({ code: 'ENOTFOUND', syscall: 'getaddrinfo' }, {}, plain)).toBe('dns');
    expect(reasonOfError({ code: 'EAI_AGAIN' }, {}, plain)).toBe('dns');
    expect(reasonOfError({ code: 'ECONNREFUSED' }, { lookup: 1 }, plain)).toBe('connect');
    expect(reasonOfError({ code: 'EPROTO' }, { connect: 1 }, tls)).toBe('tls');
    expect(reasonOfError({ code: 'ECONNRESET' }, { connect: 1, secureConnect: 2 }, tls)).toBe('connect');
    expect(reasonOfError({ code: 'ECONNRESET' }, { connect: 1 }, plain)).toBe('connect');
    expect(reasonOfError({}, {}, { timedOut: true, https: true })).toBe('timeout');
  });

  it('splits phases so they stack, each 0 when never reached', () => {
    expect(phasesOf({ lookup: 2, connect: 5, secureConnect: 15, firstByte: 315, end: 320 })).toEqual({
      dns: 2,
      connect: 3,
      tls: 10,
      ttfb: 300,
      total: 320,
    });
    // An IP literal over http: no lookup, no TLS.
    expect(phasesOf({ connect: 1, firstByte: 101, end: 102 })).toEqual({
      dns: 0,
      connect: 1,
      tls: 0,
      ttfb: 100,
      total: 102,
    });
    // Refused: nothing after DNS.
    expect(phasesOf({ lookup: 3, end: 4 })).toEqual({ dns: 3, connect: 0, tls: 0, ttfb: 0, total: 4 });
  });

  it('reads Retry-After as seconds or an HTTP date, capped at an hour', () => {
    const now = Date.parse('2026-06-01T12:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('Mon, 01 Jun 2026 12:02:00 GMT', now)).toBe(120);
    expect(parseRetryAfter('Mon, 01 Jun 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999', now)).toBe(MAX_RETRY_AFTER_SECONDS);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('probe targets', () => {
  it('probe Strava always, Garmin and Apple Health only at a configured URL', () => {
    const targets = probeTargetsFrom({ STRAVA_API_URL: 'http://127.0.0.1:9400', STRAVA_PROBE_TOKEN: 'tok' });
    expect(targets.map((t) => [t.provider, t.url.toString()])).toEqual([
      ['strava', 'http://127.0.0.1:9400/api/v3/athlete'],
    ]);
    expect(probeHeaders(targets[0]!).Authorization).toBe('Bearer tok');
    // The token never shows when the target is logged.
    expect(JSON.stringify(targets)).not.toContain('tok"');

    const all = probeTargetsFrom({
      STRAVA_API_URL: 'https://www.strava.com',
      GARMIN_PROBE_URL: 'https://garmin.example/ping',
      APPLE_HEALTH_PROBE_URL: 'https://apple.example/health',
    });
    expect(all.map((t) => t.provider)).toEqual(['strava', 'garmin', 'apple_health']);
    expect(probeHeaders(all[0]!).Authorization).toBeUndefined();
  });

  it('keep their Redis keys under the prefix', () => {
    const keys = probeKeys({ prefix: 'ops' });
    expect(keys.lock('garmin')).toBe('ops:probe:lock:garmin');
    expect(keys.notBefore('strava')).toBe('ops:probe:not-before:strava');
  });
});

describe('probe job slot', () => {
  it('is read from the id BullMQ gives a scheduler job', () => {
    expect(slotOf('repeat:probe:apple_health:1795693134727')).toBe(1795693134727);
    expect(slotOf('42')).toBeUndefined();
    expect(slotOf(undefined)).toBeUndefined();
  });
});
