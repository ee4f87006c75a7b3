import { bearerToken, matchToken, tokenDigest } from './bearer.js';

/** The operators of OPS_OPERATOR_TOKENS; only names and token digests are kept, never the tokens. */
export interface OperatorTokens {
  /** How many operators are configured (0 refuses every operator action). */
  readonly count: number;
  /** The operator name whose token the `Authorization` header carries, or undefined. */
  authenticate(authorization: string | undefined): string | undefined;
}

/**
 * Parses `name:token,name:token` (the format config.ts validates). A malformed entry throws naming its position,
 * never its token.
 */
export function parseOperatorTokens(spec: string): OperatorTokens {
  const names: string[] = [];
  const digests: Buffer[] = [];
  const entries = spec.trim() === '' ? [] : spec.split(',');
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const name = entry.slice(0, colon).trim();
    const token = entry.slice(colon + 1).trim();
    if (colon <= 0 || name === '' || token === '') {
      throw new Error(`OPS_OPERATOR_TOKENS entry ${i + 1} is not name:token`);
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
