// What the deploy tests share: the repository root, YAML reading with typed narrowing, and running the real
// validators (docker-compose, promtool, amtool, kubectl) from PATH.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');

const INSTALL_HINTS: Record<string, string> = {
  'docker-compose': 'apt-get install -y --no-install-recommends docker-compose',
  promtool: 'apt-get install -y --no-install-recommends prometheus',
  amtool: 'apt-get install -y --no-install-recommends prometheus-alertmanager',
  kubectl: 'kubectl 1.27 or later (kustomize v5): https://kubernetes.io/docs/tasks/tools/',
};

export interface RunResult {
  status: number | null;
  stdout: string;
  output: string;
}

/**
 * Runs a validator from PATH (with `env`, or this process's environment); a missing binary fails the test
 * with how to install it (never a skip).
 */
export function run(command: string, args: string[], cwd: string = ROOT, env?: NodeJS.ProcessEnv): RunResult {
  const result = spawnSync(command, args, {
    cwd,
    env: env ?? process.env,
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`${command} is not on PATH; install it with: ${INSTALL_HINTS[command] ?? command}`);
    }
    throw result.error;
  }
  return { status: result.status, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

/** Runs a validator that must succeed; returns its standard output. */
export function expectSuccess(
  command: string,
  args: string[],
  cwd?: string,
  env?: NodeJS.ProcessEnv,
): string {
  const { status, stdout, output } = run(command, args, cwd, env);
  if (status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${String(status)}:\n${output}`);
  }
  return stdout;
}

export type Mapping = Record<string, unknown>;

export function isRecord(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown, what: string): Mapping {
  if (!isRecord(value)) throw new Error(`${what} should be a mapping, got ${JSON.stringify(value)}`);
  return value;
}

export function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} should be a list, got ${JSON.stringify(value)}`);
  return value;
}

export function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} should be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Parses a repository file; merge keys on, as Compose resolves `<<: *anchor`. */
export function readYaml(relative: string): unknown {
  return parse(readFileSync(path.join(ROOT, relative), 'utf8'), { merge: true });
}

/** Every document of a multi-document YAML stream (kubectl kustomize's output), as mappings. */
export function yamlDocuments(source: string, what: string): Mapping[] {
  return parseAllDocuments(source).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${what} document ${i}: ${doc.errors[0]?.message}`);
    return record(doc.toJS(), `${what} document ${i}`);
  });
}
