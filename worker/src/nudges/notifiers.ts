import { Secret, type NudgeChannel } from '@ops-cockpit/core';
import { NotifyError, type Notifier } from './notifier.js';
import { SendGridNotifier } from './sendgrid.js';
import { SmtpNotifier } from './smtp.js';
import { TwilioNotifier } from './twilio.js';

/** The worker settings that choose and configure the notifiers (config.ts validates them). */
export interface NotifierSettings {
  NUDGE_EMAIL_TRANSPORT: 'smtp' | 'sendgrid';
  SMTP_URL: string | undefined;
  NUDGE_FROM_EMAIL: string;
  SENDGRID_API_URL: string | undefined;
  SENDGRID_API_KEY: string | undefined;
  TWILIO_API_URL: string | undefined;
  TWILIO_ACCOUNT_SID: string | undefined;
  TWILIO_AUTH_TOKEN: string | undefined;
  TWILIO_FROM_NUMBER: string | undefined;
  PROVIDER_TIMEOUT_MS: number;
}

/** Stands in for a channel that is not configured: every nudge on it fails permanently, saying why. */
class UnconfiguredNotifier implements Notifier {
  readonly name = 'unconfigured';
  constructor(private readonly why: string) {}
  send(): Promise<void> {
    return Promise.reject(new NotifyError(this.why, false));
  }
}

/**
 * One notifier per channel. E-mail through SendGrid without an API key is a configuration error (thrown at
 * start); SMS without Twilio credentials is allowed (SMS is optional) and fails each SMS nudge with the reason.
 */
export function notifiersFrom(env: NotifierSettings): Record<NudgeChannel, Notifier> {
  const timeoutMs = env.PROVIDER_TIMEOUT_MS;
  let email: Notifier;
  if (env.NUDGE_EMAIL_TRANSPORT === 'sendgrid') {
    if (env.SENDGRID_API_KEY === undefined || env.SENDGRID_API_URL === undefined) {
      throw new Error('NUDGE_EMAIL_TRANSPORT=sendgrid needs SENDGRID_API_KEY');
    }
    email = new SendGridNotifier({
      baseUrl: env.SENDGRID_API_URL,
      apiKey: new Secret(env.SENDGRID_API_KEY),
      from: env.NUDGE_FROM_EMAIL,
      timeoutMs,
    });
  } else {
    if (env.SMTP_URL === undefined) throw new Error('NUDGE_EMAIL_TRANSPORT=smtp needs SMTP_URL');
    email = new SmtpNotifier({ url: new Secret(env.SMTP_URL), from: env.NUDGE_FROM_EMAIL, timeoutMs });
  }
  const { TWILIO_API_URL, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER } = env;
  const sms =
    TWILIO_API_URL && TWILIO_ACCOUNT_SID && TWILIO_AUTH_TOKEN && TWILIO_FROM_NUMBER
      ? new TwilioNotifier({
          baseUrl: TWILIO_API_URL,
          accountSid: TWILIO_ACCOUNT_SID,
          authToken: new Secret(TWILIO_AUTH_TOKEN),
          from: TWILIO_FROM_NUMBER,
          timeoutMs,
        })
      : new UnconfiguredNotifier(
          'SMS is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)',
        );
  return { email, sms };
}
