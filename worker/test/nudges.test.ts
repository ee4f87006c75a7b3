import { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import {
  closeRedis,
  createRedis,
  createRedisKeys,
  nudgeJobOptions,
  Secret,
  type NudgeChannel,
  type Redis,
} from '@ops-cockpit/core';
import {
  createTestDatabase,
  createTestRedis,
  mailBody,
  silentLogger,
  startSmtpSink,
  waitFor,
  type TestDatabase,
  type TestRedis,
} from '@ops-cockpit/core/testing';
import {
  SIMULATED_SENDGRID_KEY,
  SIMULATED_TWILIO_SID,
  SIMULATED_TWILIO_TOKEN,
} from '../../simulator/src/index.js';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';
import { createWorkerMetrics } from '../src/metrics.js';
import { startQueueWorkers, type QueueWorkers } from '../src/queue-workers.js';
import { nudgeJobHandler } from '../src/nudges/job.js';
import { NotifyError, type Notifier } from '../src/nudges/notifier.js';
import { SendGridNotifier } from '../src/nudges/sendgrid.js';
import { SmtpNotifier } from '../src/nudges/smtp.js';
import { TwilioNotifier } from '../src/nudges/twilio.js';

let db: TestDatabase;
let sim: RunningSimulator;

beforeAll(async () => {
  db = await createTestDatabase('nudges');
  sim = await startSimulator();
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

async function user(fields: { email?: string | null; phone?: string | null; crew?: string | null } = {}) {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO users (name, email, phone, crew, created_at) VALUES ('Ada', $1, $2, $3, now() - interval '12 days 1 hour')
     RETURNING id`,
    [
      fields.email === undefined ? 'ada@example.test' : fields.email,
      fields.phone === undefined ? '+15005550006' : fields.phone,
      fields.crew === undefined ? 'Harbour Runners' : fields.crew,
    ],
  );
  return rows[0]!.id;
}

async function nudgeRow(userId: string, channel: NudgeChannel): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO nudges (user_id, channel, requested_by) VALUES ($1, $2, 'ada') RETURNING id`,
    [userId, channel],
  );
  return rows[0]!.id;
}

async function state(nudgeId: string) {
  const { rows } = await db.pool.query(
    `SELECT n.status, n.attempts, n.error_reason, n.sent_at IS NOT NULL AS sent, u.last_nudge_at IS NOT NULL AS nudged
       FROM nudges n JOIN users u ON u.id = n.user_id WHERE n.id = $1`,
    [nudgeId],
  );
  return rows[0] as {
    status: string;
    attempts: number;
    error_reason: string | null;
    sent: boolean;
    nudged: boolean;
  };
}

describe('notifiers', () => {
  it('SMTP: a real server receives the e-mail with the recipient and text', async () => {
    const smtp = await startSmtpSink();
    const notifier = new SmtpNotifier({ url: smtp.url, from: 'ops@example.test', timeoutMs: 5_000 });
    try {
      await notifier.send({ to: 'ada@example.test', subject: 'Hello', text: 'It has been 12 days.' });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]!.to).toEqual(['ada@example.test']);
      expect(smtp.received[0]!.from).toBe('ops@example.test');
      expect(smtp.received[0]!.data).toMatch(/^Subject: Hello$/m);
      expect(mailBody(smtp.received[0]!.data)).toContain('It has been 12 days.');
    } finally {
      notifier.close();
      await smtp.close();
    }
  });

  it('SMTP: 4xx is transient, 5xx permanent, no server transient', async () => {
    const smtp = await startSmtpSink({ rejectFirst: 1 });
    const notifier = new SmtpNotifier({ url: smtp.url, from: 'ops@example.test', timeoutMs: 5_000 });
    const down = new SmtpNotifier({
      url: new Secret('smtp://127.0.0.1:1'),
      from: 'o@example.test',
      timeoutMs: 2_000,
    });
    const msg = { subject: 's', text: 't' };
    try {
      await expect(notifier.send({ to: 'a@example.test', ...msg })).rejects.toMatchObject({
        transient: true,
      });
      await expect(notifier.send({ to: 'a@bounce.test', ...msg })).rejects.toMatchObject({
        transient: false,
      });
      await expect(down.send({ to: 'a@example.test', ...msg })).rejects.toMatchObject({ transient: true });
      expect(smtp.received).toHaveLength(0);
    } finally {
      notifier.close();
      down.close();
      await smtp.close();
    }
  });

  it('SendGrid: the simulator accepts the documented request and records it; a bad key is permanent', async () => {
    await fetch(`${sim.url}/control/outbox`, { method: 'DELETE' });
    const opts = { baseUrl: sim.url, from: 'ops@example.test', timeoutMs: 5_000 };
    await new SendGridNotifier({ ...opts, apiKey: new Secret(SIMULATED_SENDGRID_KEY) }).send({
      to: 'ada@example.test',
      subject: 'Hi',
      text: 'Body text',
    });
    const outbox = (await (await fetch(`${sim.url}/control/outbox`)).json()) as { messages: unknown[] };
    expect(outbox.messages).toEqual([
      {
        service: 'sendgrid',
        to: 'ada@example.test',
        from: 'ops@example.test',
        subject: 'Hi',
        text: 'Body text',
      },
    ]);
    const bad = new SendGridNotifier({ ...opts, apiKey: new Secret('SG.wrong') });
    const err = await bad.send({ to: 'ada@example.test', subject: 'Hi', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotifyError);
    expect(err).toMatchObject({ transient: false, message: expect.stringContaining('HTTP 401') });
  });

  it('Twilio: the simulator accepts the form with Basic auth; a bad number is permanent, a 503 transient', async () => {
    await fetch(`${sim.url}/control/outbox`, { method: 'DELETE' });
    const twilio = new TwilioNotifier({
      baseUrl: sim.url,
      accountSid: SIMULATED_TWILIO_SID,
      authToken: new Secret(SIMULATED_TWILIO_TOKEN),
      from: '+15005550001',
      timeoutMs: 5_000,
    });
    await twilio.send({ to: '+15005550006', subject: '', text: 'Hi Ada' });
    await expect(twilio.send({ to: '0123', subject: '', text: 'x' })).rejects.toMatchObject({
      transient: false,
      message: expect.stringContaining('21211'),
    });
    await fetch(`${sim.url}/control/outbox/fail`, { method: 'POST', body: JSON.stringify({ count: 1 }) });
    await expect(twilio.send({ to: '+15005550006', subject: '', text: 'x' })).rejects.toMatchObject({
      transient: true,
    });
    const wrongToken = new TwilioNotifier({
      baseUrl: sim.url,
      accountSid: SIMULATED_TWILIO_SID,
      authToken: new Secret('nope'),
      from: '+15005550001',
      timeoutMs: 5_000,
    });
    await expect(wrongToken.send({ to: '+15005550006', subject: '', text: 'x' })).rejects.toMatchObject({
      transient: false,
    });
    const outbox = (await (await fetch(`${sim.url}/control/outbox`)).json()) as { messages: unknown[] };
    expect(outbox.messages).toEqual([
      { service: 'twilio', to: '+15005550006', from: '+15005550001', text: 'Hi Ada' },
    ]);
  });
});

describe('nudge jobs through BullMQ', () => {
  let t: TestRedis;
  let connection: Redis;
  let queue: Queue;
  let workers: QueueWorkers | undefined;
  let registry: Registry;

  beforeEach(async () => {
    t = await createTestRedis('nudgejobs');
    connection = createRedis({ url: t.url, role: 'blocking', logger: silentLogger, name: 'test-nudge' });
    queue = new Queue('nudge', { connection, prefix: createRedisKeys(t.prefix).bullPrefix });
    registry = new Registry();
  });
  afterEach(async () => {
    await workers?.close(100);
    workers = undefined;
    await queue.close();
    await closeRedis(connection);
    await t.close();
  });

  function start(notifiers: Record<NudgeChannel, Notifier>) {
    const metrics = createWorkerMetrics(registry, {
      jobCounts: async () => ({}),
      ingestPending: async () => 0,
    });
    workers = startQueueWorkers({
      connection,
      prefix: createRedisKeys(t.prefix).bullPrefix,
      handlers: {
        probe: {},
        housekeeping: {},
        nudge: { send: nudgeJobHandler({ pool: db.pool, notifiers, metrics, logger: silentLogger }) },
      },
      concurrency: 1,
      stalledIntervalMs: 30_000,
      logger: silentLogger,
      metrics,
    });
  }

  async function counts() {
    const metric = await registry.getSingleMetric('ops_nudges_total')!.get();
    return Object.fromEntries(metric.values.map((v) => [`${v.labels.channel}/${v.labels.outcome}`, v.value]));
  }

  it('a transient SMTP refusal (451) then success sends exactly one e-mail, with the templated text', async () => {
    const smtp = await startSmtpSink({ rejectFirst: 1 });
    const email = new SmtpNotifier({ url: smtp.url, from: 'ops@example.test', timeoutMs: 5_000 });
    try {
      start({ email, sms: email });
      const userId = await user();
      const nudgeId = await nudgeRow(userId, 'email');
      await queue.add('send', { nudgeId, userId, channel: 'email' }, nudgeJobOptions(nudgeId, 50));
      await waitFor(async () => (await state(nudgeId)).status === 'sent', 'nudge sent');
      expect(await state(nudgeId)).toEqual({
        status: 'sent',
        attempts: 2,
        error_reason: null,
        sent: true,
        nudged: true,
      });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]!.to).toEqual(['ada@example.test']);
      const body = mailBody(smtp.received[0]!.data);
      expect(body).toContain('Hi Ada,');
      expect(body).toContain(
        'It has been 12 days since your last activity. Your crew Harbour Runners misses',
      );
      expect(await counts()).toEqual({ 'email/retried': 1, 'email/sent': 1 });
    } finally {
      email.close();
      await smtp.close();
    }
  });

  it('SMS through the simulator: failing once then accepted sends one message', async () => {
    await fetch(`${sim.url}/control/outbox`, { method: 'DELETE' });
    await fetch(`${sim.url}/control/outbox/fail`, {
      method: 'POST',
      body: JSON.stringify({ count: 1, status: 503 }),
    });
    const sms = new TwilioNotifier({
      baseUrl: sim.url,
      accountSid: SIMULATED_TWILIO_SID,
      authToken: new Secret(SIMULATED_TWILIO_TOKEN),
      from: '+15005550001',
      timeoutMs: 5_000,
    });
    start({ email: sms, sms });
    const userId = await user();
    const nudgeId = await nudgeRow(userId, 'sms');
    await queue.add('send', { nudgeId, userId, channel: 'sms' }, nudgeJobOptions(nudgeId, 50));
    await waitFor(async () => (await state(nudgeId)).status === 'sent', 'sms nudge sent');
    const outbox = (await (await fetch(`${sim.url}/control/outbox`)).json()) as {
      messages: { text: string }[];
    };
    expect(outbox.messages).toHaveLength(1);
    expect(outbox.messages[0]!.text).toMatch(
      /^Hi Ada, it has been 12 days since your last activity\. Your crew Harbour Runners/,
    );
    expect((await state(nudgeId)).attempts).toBe(2);
  });

  it('a permanent failure is recorded with its reason and not retried', async () => {
    const smtp = await startSmtpSink();
    const email = new SmtpNotifier({ url: smtp.url, from: 'ops@example.test', timeoutMs: 5_000 });
    try {
      start({ email, sms: email });
      const bounce = await user({ email: 'ada@bounce.test' });
      const bounceNudge = await nudgeRow(bounce, 'email');
      const noPhone = await user({ phone: null });
      const noPhoneNudge = await nudgeRow(noPhone, 'sms');
      await queue.add(
        'send',
        { nudgeId: bounceNudge, userId: bounce, channel: 'email' },
        nudgeJobOptions(bounceNudge, 50),
      );
      await queue.add(
        'send',
        { nudgeId: noPhoneNudge, userId: noPhone, channel: 'sms' },
        nudgeJobOptions(noPhoneNudge, 50),
      );
      await waitFor(async () => (await state(bounceNudge)).status === 'failed', 'bounce failed');
      await waitFor(async () => (await state(noPhoneNudge)).status === 'failed', 'no phone failed');
      expect(await state(bounceNudge)).toMatchObject({ attempts: 1, sent: false, nudged: false });
      expect((await state(bounceNudge)).error_reason).toMatch(/^smtp: .*550/);
      expect(await state(noPhoneNudge)).toMatchObject({
        attempts: 1,
        error_reason: 'user has no phone number',
      });
      expect((await queue.getJob(bounceNudge))?.attemptsMade).toBe(1);
      expect(await counts()).toEqual({ 'email/failed': 1, 'sms/failed': 1 });
    } finally {
      email.close();
      await smtp.close();
    }
  });
});
