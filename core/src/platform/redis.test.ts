import { credentialsOf } from './redis.js';
import { Secret } from './secret.js';

describe('the credentials a cluster client takes from REDIS_URL', () => {
  it('passes user and password, decoded, to every node', () => {
    expect(credentialsOf(new Secret('redis://ops:p%40ss%3Aword@ignored:6379'))).toEqual({
      username: 'ops',
      password: 'p@ss:word',
    });
  });

  it('turns TLS on for rediss://, and passes a password without a user', () => {
    expect(credentialsOf(new Secret('rediss://:secret@redis.example.com:6380'))).toEqual({
      password: 'secret',
      tls: {},
    });
  });

  it('passes nothing for a plain URL', () => {
    expect(credentialsOf(new Secret('redis://127.0.0.1:6379'))).toEqual({});
  });
});
