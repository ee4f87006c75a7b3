import { z } from 'zod';
import { Secret } from '@ops-cockpit/core';
import { checkJsonMedia } from '../src/webhooks/body.js';
import { fieldErrors } from '../src/http/field-errors.js';
import { stravaHandshake } from '../src/webhooks/strava.js';
import { HttpProblem } from '../src/http/problem.js';

describe('checkJsonMedia', () => {
  it.each([
    ['application/json', undefined, 'ok'],
    ['application/json; charset=utf-8', undefined, 'ok'],
    ['Application/JSON; Charset="UTF-8"', 'identity', 'ok'],
    ['application/vnd.garmin+json', undefined, 'ok'],
    [undefined, undefined, 'not_json'],
    ['text/plain', undefined, 'not_json'],
    ['application/jsonp', undefined, 'not_json'],
    ['application/json; charset=latin1', undefined, 'bad_charset'],
    ['application/json', 'gzip', 'encoded'],
  ])('%s (encoding %s) → %s', (type, encoding, expected) => {
    expect(checkJsonMedia(type, encoding)).toBe(expected);
  });
});

describe('fieldErrors', () => {
  it('names nested fields by dotted path and the body itself as (root)', () => {
    const schema = z.object({ list: z.array(z.object({ n: z.number() })) });
    const bad = schema.safeParse({ list: [{ n: 1 }, { n: 'two' }] });
    expect(bad.success).toBe(false);
    expect(fieldErrors(bad.error!.issues)).toEqual([
      { field: 'list.1.n', message: 'Invalid input: expected number, received string' },
    ]);
    expect(fieldErrors(schema.safeParse(null).error!.issues).map((e) => e.field)).toEqual(['(root)']);
  });

  it('reports the closest branch of a union', () => {
    const schema = z.object({
      x: z.union([z.object({ a: z.string(), b: z.string() }), z.object({ c: z.number() })]),
    });
    const bad = schema.safeParse({ x: { a: 'ok', b: 3 } });
    expect(fieldErrors(bad.error!.issues).map((e) => e.field)).toEqual(['x.b']);
  });
});

describe('stravaHandshake', () => {
  const token = new Secret('verify-me');
  const query = (q: Record<string, string>) => new URLSearchParams(q);

  it('echoes the challenge for the right token', () => {
    expect(
      stravaHandshake(
        query({ 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': 'abc' }),
        token,
      ),
    ).toEqual({ 'hub.challenge': 'abc' });
  });

  it('refuses a wrong token before looking at anything else', () => {
    const attempt = () => stravaHandshake(query({ 'hub.verify_token': 'verify-m' }), token);
    expect(attempt).toThrow(HttpProblem);
    expect(attempt).toThrow('hub.verify_token does not match');
  });

  it('asks for hub.mode=subscribe', () => {
    expect(() =>
      stravaHandshake(
        query({ 'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': 'a' }),
        token,
      ),
    ).toThrow('hub.mode must be subscribe');
  });
});
