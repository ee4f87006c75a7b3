import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Paths pino replaces with "[redacted]" wherever they appear in a log object. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'req.headers["webhook-signature"]',
  'headers.authorization',
  'headers.cookie',
  'headers["webhook-signature"]',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
];

/** JSON logs on stdout (or a given stream, for tests), one object per line, with secrets redacted. */
export function createLogger(opts: { name: string; level: string; stream?: DestinationStream }): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid, service: opts.name },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.stream,
  );
}
