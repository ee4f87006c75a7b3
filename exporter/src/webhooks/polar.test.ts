import { Secret, signPolarWebhook } from '@ops-cockpit/core';
import { HttpProblem } from '../http/problem.js';
import { readPolarDelivery, verifyPolarDelivery } from './polar.js';

/** The receiving path's order: verify the raw body, parse it (400 if it is no JSON), then read it. */
function receive(headers: Record<string, string>, body: Buffer, key: Secret | undefined) {
  verifyPolarDelivery(headers, body, key);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpProblem('malformed-json', 'request body is not valid JSON');
  }
  return readPolarDelivery(parsed);
}

const KEY = 'abe1f3ae-fd33-11e8-8eb2-f2801f1b9fd1';
const secret = new Secret(KEY);
const EXERCISE = {
  event: 'EXERCISE',
  user_id: 475,
  entity_id: 'aQlC83',
  timestamp: '2018-05-15T14:22:24Z',
  url: 'https://www.polaraccesslink.com/v3/exercises/aQlC83',
};
const PING = { event: 'PING', timestamp: '2018-05-15T14:22:24Z' };

function signed(value: unknown, key = KEY) {
  const body = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return { headers: { 'polar-webhook-signature': signPolarWebhook(key, body) }, body };
}

function problemOf(fn: () => unknown): HttpProblem {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpProblem);
    return err as HttpProblem;
  }
  throw new Error('expected an HttpProblem');
}

describe('a Polar delivery', () => {
  it('reads a signed EXERCISE event', () => {
    const { headers, body } = signed(EXERCISE);
    expect(receive(headers, body, secret)).toEqual({ kind: 'exercise', event: EXERCISE });
  });

  it('lets the creation PING through whether or not it is signed, and with no secret set yet', () => {
    const { headers, body } = signed(PING);
    expect(receive(headers, body, secret)).toEqual({ kind: 'ping' });
    expect(receive({}, body, secret)).toEqual({ kind: 'ping' });
    expect(receive(signed(PING, 'another-key-0123456789').headers, body, secret)).toEqual({
      kind: 'ping',
    });
    expect(receive({}, body, undefined)).toEqual({ kind: 'ping' });
  });

  it('refuses an unsigned or wrongly signed exercise with 401, naming why', () => {
    const { body } = signed(EXERCISE);
    expect(problemOf(() => receive({}, body, secret))).toMatchObject({
      status: 401,
      extras: { reason: 'missing_signature' },
    });
    const forged = signed(EXERCISE, 'another-key-0123456789');
    expect(problemOf(() => receive(forged.headers, forged.body, secret))).toMatchObject({
      status: 401,
      extras: { reason: 'bad_signature' },
    });
    // Signed, then changed in flight.
    const tampered = Buffer.from(body.toString().replace('475', '476'));
    expect(problemOf(() => receive(signed(EXERCISE).headers, tampered, secret)).status).toBe(401);
    // Garbage that cannot be verified is a 401 too, never parsed into a 400.
    expect(problemOf(() => receive({}, Buffer.from('{nope'), secret)).status).toBe(401);
  });

  it('refuses exercises while POLAR_WEBHOOK_SECRET is unset (403)', () => {
    const { headers, body } = signed(EXERCISE);
    expect(problemOf(() => receive(headers, body, undefined))).toMatchObject({
      status: 403,
      message: 'POLAR_WEBHOOK_SECRET is not set',
    });
  });

  it('answers signed wrong content with 400/422 naming the field', () => {
    const malformed = signed('{"event": ');
    expect(problemOf(() => receive(malformed.headers, malformed.body, secret)).status).toBe(400);
    const sleep = signed({ ...EXERCISE, event: 'SLEEP' });
    expect(problemOf(() => receive(sleep.headers, sleep.body, secret))).toMatchObject({
      status: 422,
      extras: { errors: [{ field: 'event' }] },
    });
    const badId = signed({ ...EXERCISE, entity_id: '../users/475' });
    expect(problemOf(() => receive(badId.headers, badId.body, secret))).toMatchObject({
      status: 422,
      extras: { errors: [{ field: 'entity_id' }] },
    });
  });
});
