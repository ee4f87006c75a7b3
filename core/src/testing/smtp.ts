import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Secret } from '../platform/secret.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw message: headers, a blank line, the body. */
  data: string;
}

export interface SmtpSink {
  url: Secret;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback that keeps what it receives. `rejectFirst` answers the first N RCPT TO with 451
 * (try again later); recipients at `@bounce.test` get a permanent 550.
 */
export async function startSmtpSink(opts: { rejectFirst?: number } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  let rejections = opts.rejectFirst ?? 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@bounce.test')) {
        return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      }
      if (rejections > 0) {
        rejections -= 1;
        return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: new Secret(`smtp://127.0.0.1:${port}`),
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The text part of a received message, quoted-printable soft breaks undone. */
export function mailBody(data: string): string {
  return data
    .split(/\r?\n\r?\n/)
    .slice(1)
    .join('\n\n')
    .replace(/=\r?\n/g, '')
    .replace(/\r\n/g, '\n');
}
