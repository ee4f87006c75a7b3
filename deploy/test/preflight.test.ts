// scripts/preflight.mjs, which `npm test` and .ci/run call before anything else: with something missing and no
// way to install it, one message naming it and the command to run, exit 1; with everything there, silence.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './files.js';

const PREFLIGHT = path.join(ROOT, 'scripts', 'preflight.mjs');

function preflight(env: NodeJS.ProcessEnv) {
  // --no-install: the test never runs apt-get; installing is .ci/run's and npm test's business as root.
  const result = spawnSync(process.execPath, [PREFLIGHT, '--no-install'], { env, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('scripts/preflight.mjs', () => {
  it('passes silently on a machine that has everything npm test needs', () => {
    expect(preflight(process.env)).toEqual({ status: 0, stderr: '', stdout: '' });
  });

  it('stops with one message saying exactly what to install when Chromium and the font are missing', () => {
    const { status, stderr } = preflight({
      ...process.env,
      CHROMIUM_PATH: '/nonexistent/chromium',
      INTER_FONT_DIR: '/nonexistent/inter',
    });
    expect(status).toBe(1);
    expect(stderr).toBe(
      'npm test needs Chromium (/nonexistent/chromium), the Inter font (/nonexistent/inter), which this machine ' +
        'lacks. No test was run. Run:\n' +
        '  apt-get install -y --no-install-recommends chromium fonts-inter   (as root; Debian or Ubuntu)\n' +
        'then npm test again.\n',
    );
  });

  it('names kubectl, which Debian does not package recent enough, with where to get it', () => {
    const { status, stderr } = preflight({ ...process.env, PATH: '/nonexistent' });
    expect(status).toBe(1);
    expect(stderr).toContain('kubectl (1.27 or later, for kustomize v5)');
    expect(stderr).toContain('prometheus prometheus-alertmanager docker-compose');
    expect(stderr).toContain('https://kubernetes.io/docs/tasks/tools/');
  });
});
