import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { baseEnvSchema, exporterEnvSchema, workerEnvSchema } from '@ops-cockpit/core';
import { REPO_ROOT } from '@ops-cockpit/core/testing';
import { seedEnvSchema, simulatorProcessEnvSchema } from '../src/env.js';

/**
 * The README is the operator's reference: every environment variable any process validates, and every ops_
 * metric any process declares, must be in it. (Lives in the simulator project only because it sees all schemas.)
 */

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 4);
  return readme.slice(start, end === -1 ? undefined : end);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [full] : [];
  });
}

it('documents every environment variable in the Configuration table', () => {
  const table = section('Configuration');
  const schemas = [
    baseEnvSchema,
    exporterEnvSchema,
    workerEnvSchema,
    simulatorProcessEnvSchema,
    seedEnvSchema,
  ];
  const names = new Set(schemas.flatMap((s) => Object.keys(s.shape)));
  const missing = [...names].filter((n) => !table.includes(`\`${n}\``));
  expect(missing).toEqual([]);
});

it('documents every ops_ metric the exporter, worker and core declare in the Metrics table', () => {
  const table = section('Metrics');
  const declared = new Set<string>();
  for (const ws of ['core', 'exporter', 'worker']) {
    for (const file of sourceFiles(path.join(REPO_ROOT, ws, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/name: '(ops_[a-z0-9_]+)'/g)) declared.add(m[1]!);
    }
  }
  expect(declared.size).toBeGreaterThan(20);
  const missing = [...declared].filter((n) => !table.includes(`\`${n}\``));
  expect(missing).toEqual([]);
});
