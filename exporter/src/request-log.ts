/**
 * What a request log line may show. Allow-lists rather than deny-lists: a credential in a header or query
 * parameter nobody thought of (a provider's new signature header, `?access_token=`) is redacted by default.
 */

export const REDACTED = '[redacted]';

/** Headers logged with their value; any other header present is logged as "[redacted]". */
const LOGGED_HEADERS = new Set([
  'accept',
  'content-length',
  'content-type',
  'host',
  'origin',
  'user-agent',
  'x-forwarded-for',
  'x-request-id',
]);

/** Query parameters of the API's read endpoints; any other parameter's value is redacted. */
const LOGGED_QUERY = new Set(['window', 'minutes', 'days', 'limit', 'cursor', 'state', 'hub.mode']);

/** `path?query` with the value of every parameter not in the allow-list replaced. */
export function redactQueryString(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const shown = [...params].map(([name, value]): [string, string] => [
    name,
    LOGGED_QUERY.has(name) ? value : REDACTED,
  ]);
  return `${url.slice(0, q)}?${new URLSearchParams(shown).toString()}`;
}

function redactRecord(values: unknown, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (values === null || typeof values !== 'object') return {};
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, allowed.has(name.toLowerCase()) ? value : REDACTED]),
  );
}

/** pino-http's serialized request (pino-std-serializers), as far as it is read here. */
export interface SerializedRequest {
  url?: string;
  query?: unknown;
  headers?: unknown;
  [key: string]: unknown;
}

/** The request serializer of the express request log: URL, query and headers through the allow-lists. */
export function redactRequest(req: SerializedRequest): SerializedRequest {
  return {
    ...req,
    url: typeof req.url === 'string' ? redactQueryString(req.url) : req.url,
    query: redactRecord(req.query, LOGGED_QUERY),
    headers: redactRecord(req.headers, LOGGED_HEADERS),
  };
}
