import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { baseEnvSchema, exporterEnvSchema, workerEnvSchema } from '@ops-cockpit/core';
import { REPO_ROOT } from '@ops-cockpit/core/testing';
import { seedEnvSchema, simulatorProcessEnvSchema } from '../src/env.js';

/**
 * The README is for newcomers; the reference lives in docs/. Every environment variable any process validates,
 * every ops_ metric any process declares and every endpoint the OpenAPI document lists must be in its reference
 * page, and every link must lead to a file of the repository. (Lives in the simulator project only because it
 * sees all schemas.)
 */

const read = (file: string): string => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const docFiles = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`)].filter(
  (f) => f.endsWith('.md'),
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [full] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    found.add(
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    );
  }
  return found;
}

it('documents every environment variable in docs/configuration.md', () => {
  const page = read('docs/configuration.md');
  const schemas = [
    baseEnvSchema,
    exporterEnvSchema,
    workerEnvSchema,
    simulatorProcessEnvSchema,
    seedEnvSchema,
  ];
  const names = new Set(schemas.flatMap((s) => Object.keys(s.shape)));
  const missing = [...names].filter((n) => !page.includes(`\`${n}\``));
  expect(missing).toEqual([]);
});

it('documents every ops_ metric the exporter, worker and core declare in docs/metrics.md', () => {
  const page = read('docs/metrics.md');
  const declared = new Set<string>();
  for (const ws of ['core', 'exporter', 'worker']) {
    for (const file of sourceFiles(path.join(REPO_ROOT, ws, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/name: '(ops_[a-z0-9_]+)'/g)) declared.add(m[1]!);
    }
  }
  expect(declared.size).toBeGreaterThan(20);
  const missing = [...declared].filter((n) => !page.includes(`\`${n}\``));
  expect(missing).toEqual([]);
});

it('documents every path of the OpenAPI document in docs/api.md', () => {
  const page = read('docs/api.md');
  const paths = Object.keys((parse(read('exporter/openapi.yaml')) as { paths: object }).paths);
  expect(paths.length).toBeGreaterThan(20);
  // A path counts only where it ends (not as the start of a longer one: /api/ops/chaos in /api/ops/chaos/restore).
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const missing = paths.filter((p) => !new RegExp(`${escape(p)}(?![\\w/{}-])`).test(page));
  expect(missing).toEqual([]);
});

it('links only to files of the repository, and to headings that exist', () => {
  const broken: string[] = [];
  for (const file of docFiles) {
    const text = read(file);
    if (/shared\/|\/work\//.test(text)) broken.push(`${file}: names a path outside the repository`);
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^https?:/.test(target)) {
        broken.push(`${file}: ${target} (outside the repository)`);
        continue;
      }
      const [rel, anchor] = target.split('#') as [string, string | undefined];
      const resolved =
        rel === '' ? path.join(REPO_ROOT, file) : path.resolve(REPO_ROOT, path.dirname(file), rel);
      if (path.relative(REPO_ROOT, resolved).startsWith('..') || !existsSync(resolved)) {
        broken.push(`${file}: ${target} (no such file in the repository)`);
        continue;
      }
      if (anchor !== undefined && !anchors(readFileSync(resolved, 'utf8')).has(anchor))
        broken.push(`${file}: ${target} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});

it('reaches every page of docs/ from the README, following links', () => {
  const reached = new Set(['README.md']);
  const queue = ['README.md'];
  while (queue.length) {
    const file = queue.shift()!;
    for (const m of read(file).matchAll(/\]\(([^)#\s]+\.md)(#[^)]*)?\)/g)) {
      const target = path.relative(REPO_ROOT, path.resolve(REPO_ROOT, path.dirname(file), m[1]!));
      if (docFiles.includes(target) && !reached.has(target)) {
        reached.add(target);
        queue.push(target);
      }
    }
  }
  expect(docFiles.filter((f) => !reached.has(f))).toEqual([]);
});

describe('the README a newcomer reads', () => {
  const readme = read('README.md');

  it('fits on a few screens', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(100);
  });

  it('has a Quick start of two commands: npm start and npm test', () => {
    const quick = /## Quick start\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = quick
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm start', 'npm test']);
  });

  it('installs in one apt-get line every Debian package npm test installs (scripts/preflight.mjs)', () => {
    const preflight = read('scripts/preflight.mjs');
    const needed = [...new Set([...preflight.matchAll(/apt: '([\w-]+)'/g)].map((m) => m[1]!))];
    expect(needed.length).toBeGreaterThanOrEqual(5);
    const lines = readme.split('\n').filter((l) => /apt-get install/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('--no-install-recommends');
    const named = lines[0]!.split(/\s+/);
    expect(needed.filter((p) => !named.includes(p))).toEqual([]);
  });
});
