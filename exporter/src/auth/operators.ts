import { bearerToken, matchToken, tokenDigest } from './bearer.js';

/** Named bearer tokens (OPS_OPERATOR_TOKENS, OPS_VIEWER_TOKENS); only names and token digests are kept. */
export interface NamedTokens {
  /** How many names are configured (0 accepts no one). */
  readonly count: number;
  /** The name whose token the `Authorization` header carries, or undefined. */
  authenticate(authorization: string | undefined): string | undefined;
}

/** The operators of OPS_OPERATOR_TOKENS: the only callers allowed to change anything under /api/ops. */
export type OperatorTokens = NamedTokens;

/**
 * Parses `name:token,name:token` (the format config.ts validates). A malformed entry throws naming the variable
 * and the entry's position, never its token.
 */
export function parseNamedTokens(spec: string, variable: string): NamedTokens {
  const names: string[] = [];
  const digests: Buffer[] = [];
  const entries = spec.trim() === '' ? [] : spec.split(',');
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const name = entry.slice(0, colon).trim();
    const token = entry.slice(colon + 1).trim();
    if (colon <= 0 || name === '' || token === '') {
      throw new Error(`${variable} entry ${i + 1} is not name:token`);
    }
    names.push(name);
    digests.push(tokenDigest(token));
  });
  return {
    count: names.length,
    authenticate(authorization) {
      const token = bearerToken(authorization);
      if (token === undefined) return undefined;
      const index = matchToken(token, digests);
      return index === -1 ? undefined : names[index];
    },
  };
}

export function parseOperatorTokens(spec: string): OperatorTokens {
  return parseNamedTokens(spec, 'OPS_OPERATOR_TOKENS');
}
