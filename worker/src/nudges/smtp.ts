import nodemailer, { type Transporter } from 'nodemailer';
import type { Secret } from '@ops-cockpit/core';
import { NotifyError, type Notifier, type OutgoingMessage } from './notifier.js';

/**
 * E-mail through an SMTP server (nodemailer). SMTP says itself what is worth retrying: a 4xx reply is a
 * transient refusal (greylisting, mailbox busy), a 5xx one is permanent; no reply at all is a network failure.
 */
export class SmtpNotifier implements Notifier {
  readonly name = 'smtp';
  readonly #transport: Transporter;

  constructor(private readonly opts: { url: Secret; from: string; timeoutMs: number }) {
    this.#transport = nodemailer.createTransport({
      url: opts.url.reveal(),
      connectionTimeout: opts.timeoutMs,
      greetingTimeout: opts.timeoutMs,
      socketTimeout: opts.timeoutMs,
    });
  }

  async send(message: OutgoingMessage): Promise<void> {
    try {
      await this.#transport.sendMail({
        from: this.opts.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      });
    } catch (err) {
      const code = (err as { responseCode?: unknown }).responseCode;
      const transient = typeof code !== 'number' || code < 500;
      throw new NotifyError(`smtp: ${(err as Error).message}`.slice(0, 300), transient);
    }
  }

  close(): void {
    this.#transport.close();
  }
}
