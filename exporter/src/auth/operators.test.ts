import { inspect } from 'node:util';
import { bearerToken } from './bearer.js';
import { parseOperatorTokens } from './operators.js';

describe('parseOperatorTokens', () => {
  const operators = parseOperatorTokens('ada:ada-token-0123456789,bob.smith@ops:bob-token-0123456789');

  it('names the operator whose bearer token is presented, and nobody for any other credential', () => {
    expect(operators.count).toBe(2);
    expect(operators.authenticate('Bearer ada-token-0123456789')).toBe('ada');
    expect(operators.authenticate('bearer bob-token-0123456789')).toBe('bob.smith@ops');
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ada-token-012345678',
      'Bearer ada-token-0123456789x',
      'Basic ada-token-0123456789',
      'ada-token-0123456789',
    ]) {
      expect(operators.authenticate(header)).toBeUndefined();
    }
  });

  it('keeps no token where a log could print it', () => {
    expect(inspect(operators, { showHidden: true, depth: 5 })).not.toContain('token-0123456789');
    expect(JSON.stringify(operators)).not.toContain('token-0123456789');
  });

  it('accepts no one when empty, and names the position of a malformed entry', () => {
    expect(parseOperatorTokens('').count).toBe(0);
    expect(parseOperatorTokens('').authenticate('Bearer x')).toBeUndefined();
    expect(() => parseOperatorTokens('ada:t0123456789abcdef,nocolon')).toThrow(/entry 2 is not name:token/);
  });
});

describe('bearerToken', () => {
  it('reads the Bearer scheme case-insensitively', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('BEARER  abc ')).toBe('abc');
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });
});
