import type http from 'node:http';

/**
 * Fake SendGrid (v3 mail send) and Twilio (Messages API) endpoints: they check the documented request shape
 * and credentials, answer as the real services do, and keep what they accepted in an outbox tests can read.
 */

/** Demo credentials the fakes accept (the worker is pointed at them in demo mode and in tests). */
export const SIMULATED_SENDGRID_KEY = 'SG.simulator-key';
export const SIMULATED_TWILIO_SID = 'AC00000000000000000000000000000000';
export const SIMULATED_TWILIO_TOKEN = 'simulator-auth-token';

export type OutboxEntry =
  | { service: 'sendgrid'; to: string; from: string; subject: string; text: string }
  | { service: 'twilio'; to: string; from: string; text: string };

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

const MAX_BODY_BYTES = 64 * 1024;
const E164 = /^\+[1-9]\d{6,14}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

async function readText(req: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** SendGrid's error shape: `{"errors":[{"message","field","help"}]}`. */
function sendgridError(send: Send, status: number, message: string, field: string | null = null): void {
  send(status, { errors: [{ message, field, help: null }] });
}

/** Twilio's error shape: `{"code","message","more_info","status"}`. */
function twilioError(send: Send, status: number, code: number, message: string): void {
  send(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class MessagingFake {
  readonly outbox: OutboxEntry[] = [];
  /** Requests still to fail with `failStatus` before the fakes accept again (the fault control). */
  failNext = 0;
  failStatus = 503;

  /** Whether `path` is one of the fakes' (or their control). */
  handles(path: string): boolean {
    return path === '/v3/mail/send' || path.startsWith('/2010-04-01/') || path.startsWith('/control/outbox');
  }

  async handle(req: http.IncomingMessage, url: URL, send: Send): Promise<void> {
    const path = url.pathname;
    if (path === '/control/outbox') {
      if (req.method === 'DELETE') this.outbox.length = 0;
      return send(200, { messages: this.outbox, failNext: this.failNext });
    }
    if (path === '/control/outbox/fail') {
      const fields = JSON.parse((await readText(req)) || '{}') as { count?: unknown; status?: unknown };
      this.failNext = typeof fields.count === 'number' ? fields.count : 1;
      this.failStatus = typeof fields.status === 'number' ? fields.status : 503;
      return send(200, { failNext: this.failNext, status: this.failStatus });
    }
    if (req.method !== 'POST') return send(405, { message: 'Method Not Allowed' }, { Allow: 'POST' });
    const text = await readText(req);
    if (text === undefined) return send(413, { message: 'Payload Too Large' });
    const fail = () => {
      this.failNext -= 1;
      send(this.failStatus, { message: 'injected failure' }, { 'X-Simulator-Fault': 'injected' });
    };
    if (path === '/v3/mail/send') {
      if (req.headers.authorization !== `Bearer ${SIMULATED_SENDGRID_KEY}`) {
        return sendgridError(send, 401, 'The provided authorization grant is invalid, expired, or revoked');
      }
      if (this.failNext > 0) return fail();
      return this.#sendgrid(req, text, send);
    }
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (!m) return twilioError(send, 404, 20404, 'The requested resource was not found');
    const expected = `Basic ${Buffer.from(`${SIMULATED_TWILIO_SID}:${SIMULATED_TWILIO_TOKEN}`).toString('base64')}`;
    if (m[1] !== SIMULATED_TWILIO_SID || req.headers.authorization !== expected) {
      return twilioError(send, 401, 20003, 'Authenticate');
    }
    if (this.failNext > 0) return fail();
    this.#twilio(req, text, send);
  }

  #sendgrid(req: http.IncomingMessage, text: string, send: Send): void {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendgridError(send, 415, 'Content-Type should be application/json.');
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return sendgridError(send, 400, 'Bad Request');
    }
    if (!isRecord(body)) return sendgridError(send, 400, 'Bad Request');
    const to = Array.isArray(body.personalizations) ? body.personalizations[0] : undefined;
    const recipient = isRecord(to) && Array.isArray(to.to) ? to.to[0] : undefined;
    if (!isRecord(recipient) || typeof recipient.email !== 'string' || !EMAIL.test(recipient.email)) {
      return sendgridError(
        send,
        400,
        'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
        'personalizations.0.to',
      );
    }
    if (!isRecord(body.from) || typeof body.from.email !== 'string' || !EMAIL.test(body.from.email)) {
      return sendgridError(send, 400, 'The from object must be provided for every email send.', 'from');
    }
    if (typeof body.subject !== 'string' || body.subject === '') {
      return sendgridError(send, 400, 'The subject is required.', 'subject');
    }
    const content = Array.isArray(body.content) ? body.content[0] : undefined;
    if (!isRecord(content) || typeof content.type !== 'string' || typeof content.value !== 'string') {
      return sendgridError(
        send,
        400,
        'The content value must be a string at least one character in length.',
        'content.0.value',
      );
    }
    this.outbox.push({
      service: 'sendgrid',
      to: recipient.email,
      from: body.from.email,
      subject: body.subject,
      text: content.value,
    });
    // SendGrid accepts with 202 and an empty body.
    send(202, undefined, { 'X-Message-Id': `sim-${this.outbox.length}` });
  }

  #twilio(req: http.IncomingMessage, text: string, send: Send): void {
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return twilioError(send, 400, 21601, 'Request must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(text);
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? '';
    const body = form.get('Body') ?? '';
    if (!E164.test(to))
      return twilioError(send, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (from === '') return twilioError(send, 400, 21603, "A 'From' phone number is required.");
    if (body === '') return twilioError(send, 400, 21602, 'Message body is required.');
    this.outbox.push({ service: 'twilio', to, from, text: body });
    const sid = `SM${String(this.outbox.length).padStart(32, '0')}`;
    send(201, { sid, account_sid: SIMULATED_TWILIO_SID, to, from, body, status: 'queued' });
  }
}
