/** One message to one recipient: an e-mail address or an E.164 phone number. */
export interface OutgoingMessage {
  to: string;
  subject: string;
  text: string;
}

/** Sends nudges on one channel; throws NotifyError when it could not. */
export interface Notifier {
  /** Short name for logs and errors: smtp, sendgrid, twilio. */
  readonly name: string;
  send(message: OutgoingMessage): Promise<void>;
  close?(): void;
}

/**
 * A failed send. `transient` ones (network, timeouts, 429, 5xx, SMTP 4xx) may succeed later and are retried;
 * the others (rejected request, bad credentials, refused recipient) would fail the same way again.
 */
export class NotifyError extends Error {
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}

/** Whether an HTTP API answer is worth retrying: rate limited or a server-side failure. */
export function transientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** POST with a timeout; a non-2xx answer or a failure to get one becomes a NotifyError. */
export async function postOrThrow(
  service: string,
  url: string,
  init: { headers: Record<string, string>; body: string },
  timeoutMs: number,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const name = (err as Error).name;
    const why =
      name === 'TimeoutError' || name === 'AbortError'
        ? `no answer within ${timeoutMs} ms`
        : (err as Error).message;
    throw new NotifyError(`${service}: ${why}`, true);
  }
  if (res.ok) {
    await res.body?.cancel();
    return;
  }
  // The provider's own words (truncated) make the stored error_reason useful to an operator.
  const detail = (await res.text().catch(() => '')).replace(/\s+/g, ' ').slice(0, 200);
  throw new NotifyError(
    `${service}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`,
    transientStatus(res.status),
  );
}
