// The settings a deployment gives each process that runs project code, checked against that process's own
// config schema (the one its main.ts validates at start), for compose and Kubernetes alike.
import { ConfigError, exporterEnvSchema, loadEnv, workerEnvSchema } from '@ops-cockpit/core';
import { simulatorProcessEnvSchema } from '../../simulator/src/env.js';

export type Service = 'exporter' | 'worker' | 'simulator';

interface EnvSchema {
  shape: Record<string, unknown>;
  safeParse(env: Record<string, string | undefined>): unknown;
}

/** Each service's schema, exactly as its entry point loads it. */
export const SERVICE_SCHEMAS: Record<Service, EnvSchema & Parameters<typeof loadEnv>[0]> = {
  exporter: exporterEnvSchema,
  worker: workerEnvSchema,
  simulator: simulatorProcessEnvSchema,
};

export const SERVICES = Object.keys(SERVICE_SCHEMAS) as Service[];

/** Settings whose default only works on a developer's machine (it names 127.0.0.1): a deployment must set them. */
export function loopbackDefaults(service: Service): string[] {
  const defaults = loadEnv(SERVICE_SCHEMAS[service], {}) as Record<string, unknown>;
  return Object.entries(defaults)
    .filter(([, value]) => typeof value === 'string' && value.includes('127.0.0.1'))
    .map(([key]) => key)
    .sort();
}

/**
 * Why `env` would not start `service`, or an empty list: a variable its schema does not know (a typo is
 * otherwise silently ignored), a value its schema refuses (the message the process would print), a
 * loopback default left in place. `opaque` names variables set from somewhere the test cannot read (a Secret
 * the operator creates): counted as set, their values not checked.
 */
export function envProblems(service: Service, env: Record<string, string>, opaque: string[] = []): string[] {
  const schema = SERVICE_SCHEMAS[service];
  const known = new Set(Object.keys(schema.shape));
  const problems = [...Object.keys(env), ...opaque]
    .filter((key) => !known.has(key))
    .map((key) => `${service}: ${key} is not a setting of ${service}`);
  const checked = Object.fromEntries(Object.entries(env).filter(([key]) => !opaque.includes(key)));
  try {
    loadEnv(schema, checked);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map((line) => `${service}: ${line}`));
  }
  for (const key of loopbackDefaults(service)) {
    if (!(key in env) && !opaque.includes(key))
      problems.push(`${service}: ${key} is unset (its default is loopback)`);
  }
  return problems;
}

/** Settings that name an address for a person's browser, not one a process connects to. */
const BROWSER_URLS = new Set(['RUNBOOK_BASE_URL']);

/**
 * The host names in the URL-valued settings of `env` (database, Redis, SMTP, HTTP), by variable; not the
 * addresses meant for a browser.
 */
export function urlHosts(env: Record<string, string>): Array<{ key: string; host: string }> {
  return Object.entries(env).flatMap(([key, value]) => {
    if (BROWSER_URLS.has(key) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return [];
    return [{ key, host: new URL(value).hostname }];
  });
}
