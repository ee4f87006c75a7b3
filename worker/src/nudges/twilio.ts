import type { Secret } from '@ops-cockpit/core';
import { postOrThrow, type Notifier, type OutgoingMessage } from './notifier.js';

/**
 * SMS through Twilio's Messages API: `POST /2010-04-01/Accounts/{sid}/Messages.json`, HTTP Basic auth with the
 * account SID and auth token, form-encoded To, From and Body; 201 on acceptance.
 */
export class TwilioNotifier implements Notifier {
  readonly name = 'twilio';

  constructor(
    private readonly opts: {
      baseUrl: string;
      accountSid: string;
      authToken: Secret;
      from: string;
      timeoutMs: number;
    },
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    const sid = encodeURIComponent(this.opts.accountSid);
    const basic = Buffer.from(`${this.opts.accountSid}:${this.opts.authToken.reveal()}`).toString('base64');
    await postOrThrow(
      this.name,
      new URL(`/2010-04-01/Accounts/${sid}/Messages.json`, this.opts.baseUrl).toString(),
      {
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ To: message.to, From: this.opts.from, Body: message.text }).toString(),
      },
      this.opts.timeoutMs,
    );
  }
}
