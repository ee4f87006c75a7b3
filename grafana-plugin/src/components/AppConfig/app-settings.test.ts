import { configProblem, settingsPayload } from './app-settings';

describe('app settings', () => {
  it('needs an absolute http(s) URL and, unless one is stored, a token of 16+ characters', () => {
    const ok = { exporterUrl: 'http://exporter:8080', operatorToken: 'x'.repeat(16), tokenSet: false };
    expect(configProblem(ok)).toBeUndefined();
    expect(configProblem({ ...ok, exporterUrl: 'exporter:8080' })).toMatch(/absolute http/);
    expect(configProblem({ ...ok, exporterUrl: 'ftp://exporter' })).toMatch(/absolute http/);
    expect(configProblem({ ...ok, operatorToken: 'short' })).toMatch(/16 characters/);
    expect(configProblem({ ...ok, operatorToken: '', tokenSet: true })).toBeUndefined();
  });

  it('saves the URL without its trailing slash and leaves a stored token untouched', () => {
    const meta = { enabled: true, pinned: true };
    expect(
      settingsPayload(
        { exporterUrl: ' http://exporter:8080/ ', operatorToken: ' tok-0123456789abcdef ', tokenSet: false },
        meta,
      ),
    ).toEqual({
      enabled: true,
      pinned: true,
      jsonData: { exporterUrl: 'http://exporter:8080' },
      secureJsonData: { operatorToken: 'tok-0123456789abcdef' },
    });
    expect(
      settingsPayload({ exporterUrl: 'http://e', operatorToken: '', tokenSet: true }, meta).secureJsonData,
    ).toBeUndefined();
  });
});
