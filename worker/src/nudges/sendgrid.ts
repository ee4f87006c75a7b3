import type { Secret } from '@ops-cockpit/core';
import { postOrThrow, type Notifier, type OutgoingMessage } from './notifier.js';

/** E-mail through SendGrid's v3 mail send API: `POST /v3/mail/send`, bearer API key, 202 on acceptance. */
export class SendGridNotifier implements Notifier {
  readonly name = 'sendgrid';

  constructor(private readonly opts: { baseUrl: string; apiKey: Secret; from: string; timeoutMs: number }) {}

  async send(message: OutgoingMessage): Promise<void> {
    const body = {
      personalizations: [{ to: [{ email: message.to }] }],
      from: { email: this.opts.from },
      subject: message.subject,
      content: [{ type: 'text/plain', value: message.text }],
    };
    await postOrThrow(
      this.name,
      new URL('/v3/mail/send', this.opts.baseUrl).toString(),
      {
        headers: {
          authorization: `Bearer ${this.opts.apiKey.reveal()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      },
      this.opts.timeoutMs,
    );
  }
}
