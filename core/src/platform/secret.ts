import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Holds a credential so that logging, JSON.stringify or util.inspect of any object that carries it never prints
 * it: the value is kept in a private field and only `reveal()` hands it out, at the edge where it is used.
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/** A URL fit for a log line: user name kept, password replaced. Unparseable input is hidden whole. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return REDACTED;
  }
}
