import { createHmac } from 'node:crypto';
import {
  isoDurationSeconds,
  polarEventId,
  polarExerciseSchema,
  polarNotice,
  polarStartEpochSeconds,
  polarWebhookSchema,
  signPolarWebhook,
  verifyPolarSignature,
} from './polar.js';

// The documented examples (AccessLink v3: webhook payload and GET /v3/exercises/{exerciseId}).
const EXERCISE_EVENT = {
  event: 'EXERCISE',
  user_id: 475,
  entity_id: 'aQlC83',
  timestamp: '2018-05-15T14:22:24Z',
  url: 'https://www.polaraccesslink.com/v3/exercises/aQlC83',
};
const EXERCISE = {
  id: '2AC312F',
  upload_time: '2008-10-13T10:40:02Z',
  polar_user: 'https://www.polaraccesslink/v3/users/1',
  device: 'Polar M400',
  device_id: '1111AAAA',
  start_time: '2008-10-13T10:40:02',
  start_time_utc_offset: 180,
  duration: 'PT2H44M',
  calories: 530,
  distance: 1600,
  heart_rate: { average: 129, maximum: 147 },
  training_load: 143.22,
  sport: 'OTHER',
  has_route: true,
  detailed_sport_info: 'WATERSPORTS_WATERSKI',
};

const secret = 'abe1f3ae-fd33-11e8-8eb2-f2801f1b9fd1';
const body = Buffer.from(JSON.stringify(EXERCISE_EVENT));

describe('Polar webhook signature', () => {
  it('is the hex HMAC-SHA256 of the raw body with the signature secret key', () => {
    const expected = createHmac('sha256', secret).update(body).digest('hex');
    expect(signPolarWebhook(secret, body)).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts the right signature, in either hex case', () => {
    const signature = signPolarWebhook(secret, body);
    expect(verifyPolarSignature({ secret, signature, body })).toBeNull();
    expect(verifyPolarSignature({ secret, signature: signature.toUpperCase(), body })).toBeNull();
    expect(verifyPolarSignature({ secret, signature: ` ${signature} `, body })).toBeNull();
  });

  it('names why a delivery fails', () => {
    const signature = signPolarWebhook(secret, body);
    expect(verifyPolarSignature({ secret, signature: undefined, body })).toBe('missing_signature');
    expect(verifyPolarSignature({ secret, signature: '', body })).toBe('missing_signature');
    expect(verifyPolarSignature({ secret, signature: 'not-hex', body })).toBe('bad_signature');
    expect(verifyPolarSignature({ secret, signature: signature.slice(2), body })).toBe('bad_signature');
    expect(verifyPolarSignature({ secret: 'another-secret', signature, body })).toBe('bad_signature');
    // One byte of the body changed: the user id 475 → 476.
    const tampered = Buffer.from(body.toString().replace('475', '476'));
    expect(verifyPolarSignature({ secret, signature, body: tampered })).toBe('bad_signature');
    // A Standard Webhooks style value is not Polar's.
    expect(verifyPolarSignature({ secret, signature: `v1,${signature}`, body })).toBe('bad_signature');
  });
});

describe('Polar webhook payloads', () => {
  it('reads the documented EXERCISE and PING examples', () => {
    expect(polarWebhookSchema.parse(EXERCISE_EVENT)).toEqual(EXERCISE_EVENT);
    expect(polarWebhookSchema.parse({ event: 'PING', timestamp: '2018-05-15T14:22:24Z' })).toEqual({
      event: 'PING',
      timestamp: '2018-05-15T14:22:24Z',
    });
  });

  it('refuses events not subscribed to and mistyped fields, naming the field', () => {
    const paths = (value: unknown) =>
      polarWebhookSchema.safeParse(value).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ ...EXERCISE_EVENT, event: 'SLEEP' })).toEqual(['event']);
    expect(paths({ ...EXERCISE_EVENT, user_id: '475' })).toEqual(['user_id']);
    expect(paths({ ...EXERCISE_EVENT, entity_id: '../../users/1' })).toEqual(['entity_id']);
    expect(paths({ ...EXERCISE_EVENT, entity_id: '' })).toEqual(['entity_id']);
    expect(paths({ ...EXERCISE_EVENT, timestamp: 'yesterday' })).toEqual(['timestamp']);
    expect(paths({ ...EXERCISE_EVENT, url: 'file:///etc/passwd' })).toEqual(['url']);
    expect(paths({ event: 'PING' })).toEqual(['timestamp']);
  });

  it('keeps the url out of what goes on to the worker', () => {
    const event = polarWebhookSchema.parse(EXERCISE_EVENT);
    if (event.event !== 'EXERCISE') throw new Error('expected an exercise');
    expect(polarNotice(event)).toEqual({
      event: 'EXERCISE',
      user_id: 475,
      entity_id: 'aQlC83',
      timestamp: '2018-05-15T14:22:24Z',
    });
  });

  it('gives a re-sent notification of the same exercise the same event id', () => {
    expect(polarEventId(EXERCISE_EVENT)).toBe('exercise:475:aQlC83');
    expect(polarEventId({ ...EXERCISE_EVENT, entity_id: 'bQlC83' })).not.toBe(polarEventId(EXERCISE_EVENT));
  });
});

describe('Polar exercise resource', () => {
  it('reads the documented example', () => {
    const e = polarExerciseSchema.parse(EXERCISE);
    expect(e).toMatchObject({ id: '2AC312F', distance: 1600, sport: 'OTHER', start_time_utc_offset: 180 });
  });

  it('takes start_time as local time at start_time_utc_offset minutes east of UTC', () => {
    const e = polarExerciseSchema.parse(EXERCISE);
    // 10:40:02 at UTC+3 is 07:40:02 UTC.
    expect(new Date(polarStartEpochSeconds(e) * 1000).toISOString()).toBe('2008-10-13T07:40:02.000Z');
    const west = polarExerciseSchema.parse({
      ...EXERCISE,
      start_time: '2026-03-01T23:30:00',
      start_time_utc_offset: -300,
    });
    expect(new Date(polarStartEpochSeconds(west) * 1000).toISOString()).toBe('2026-03-02T04:30:00.000Z');
  });

  it('lets distance be absent (sessions without one) and refuses bad times, offsets and durations', () => {
    const { distance: _distance, ...noDistance } = EXERCISE;
    expect(polarExerciseSchema.parse(noDistance).distance).toBeUndefined();
    const paths = (value: unknown) =>
      polarExerciseSchema.safeParse(value).error?.issues.map((i) => i.path.join('.'));
    expect(paths({ ...EXERCISE, start_time: '2008-10-13T10:40:02Z' })).toEqual(['start_time']);
    expect(paths({ ...EXERCISE, start_time: '2008-02-30T10:40:02' })).toEqual(['start_time']);
    expect(paths({ ...EXERCISE, start_time_utc_offset: 1200 })).toEqual(['start_time_utc_offset']);
    expect(paths({ ...EXERCISE, duration: '2:44:00' })).toEqual(['duration']);
    expect(paths({ ...EXERCISE, distance: -1 })).toEqual(['distance']);
  });
});

describe('ISO 8601 durations', () => {
  it.each([
    ['PT2H44M', 9_840],
    ['PT1H2M3S', 3_723],
    ['PT45M12.5S', 2_712.5],
    ['PT0S', 0],
    ['P1DT1H', 90_000],
  ])('%s is %d s', (text, seconds) => {
    expect(isoDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', 'P', 'PT', 'PT1H2', '1H', 'PT-5M', 'P1W', 'PT1.5H'])('%j is not one', (text) => {
    expect(isoDurationSeconds(text)).toBeUndefined();
  });
});
