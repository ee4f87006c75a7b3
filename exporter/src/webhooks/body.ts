import type { IncomingMessage } from 'node:http';

/** Largest webhook body read; a delivery over it is refused (413) without buffering the rest. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

export type BodyResult =
  | { ok: true; body: Buffer }
  /** Over the limit: reading stopped at the first byte beyond it, or before any when Content-Length says so. */
  | { ok: false; reason: 'too_large' }
  /** The client went away mid-body: nobody is left to answer. */
  | { ok: false; reason: 'aborted' };

/** Reads the whole body, stopping as soon as it exceeds `limit` bytes. Never rejects. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit)
    return Promise.resolve({ ok: false, reason: 'too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyResult) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish({ ok: false, reason: 'too_large' });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () =>
      finish({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    const onClose = () => {
      if (!req.complete) finish({ ok: false, reason: 'aborted' });
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    // A reset connection emits 'error' on the request; without a listener it would crash the process.
    req.on('error', () => finish({ ok: false, reason: 'aborted' }));
  });
}

/**
 * Deepest JSON nesting a webhook body may have. Provider payloads nest 3-4 levels; a body nesting thousands
 * deep made later recursion (validation, logging, stringify) overflow the stack, a 5xx for bad input.
 */
export const WEBHOOK_MAX_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Whether `body` (JSON text) nests objects and arrays deeper than `max`, read in one pass before parsing. */
export function jsonNestingExceeds(body: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i];
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth -= 1;
  }
  return false;
}

export type MediaCheck = 'ok' | 'not_json' | 'bad_charset' | 'encoded';

/**
 * Webhook bodies are JSON (`application/json` or `application/*+json`), in UTF-8, not compressed. Pure: takes
 * the two header values.
 */
export function checkJsonMedia(
  contentType: string | undefined,
  contentEncoding: string | undefined,
): MediaCheck {
  // What providers send, answered without parsing.
  if (contentType === 'application/json' && contentEncoding === undefined) return 'ok';
  if (contentEncoding !== undefined && contentEncoding.trim().toLowerCase() !== 'identity') return 'encoded';
  if (!contentType) return 'not_json';
  const [type = '', ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) return 'not_json';
  for (const param of params) {
    const [name, value = ''] = param.split('=').map((part) => part.trim());
    if (name === 'charset' && value.replace(/"/g, '') !== 'utf-8') return 'bad_charset';
  }
  return 'ok';
}
