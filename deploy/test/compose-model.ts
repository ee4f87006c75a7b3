// docker-compose.yml as the deploy tests read it: the file as written, and as `docker-compose config` resolves it
// (anchors merged, `${VAR:-default}` filled in from an empty environment, so the defaults are what is checked).
import path from 'node:path';
import { parse } from 'yaml';
import { expectSuccess, list, type Mapping, readYaml, record, ROOT, text } from './files.js';

export const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

function servicesOf(document: unknown, what: string): Record<string, Mapping> {
  const services = record(record(document, what).services, `${what} services`);
  return Object.fromEntries(
    Object.entries(services).map(([name, service]) => [name, record(service, `service ${name}`)]),
  );
}

/** The services as written in docker-compose.yml (merge keys applied). */
export function composeServices(): Record<string, Mapping> {
  return servicesOf(readYaml('docker-compose.yml'), 'docker-compose.yml');
}

let resolved: Record<string, Mapping> | undefined;

/** The services as `docker-compose config` prints them, with an environment that sets nothing. */
export function resolvedServices(): Record<string, Mapping> {
  if (resolved === undefined) {
    const stdout = expectSuccess('docker-compose', ['-f', COMPOSE_FILE, 'config'], ROOT, {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
    });
    resolved = servicesOf(parse(stdout), 'docker-compose config');
  }
  return resolved;
}

/** A resolved service's environment as strings (compose writes `'8080'` and `"false"` alike). */
export function environmentOf(service: Mapping, name: string): Record<string, string> {
  const env = service.environment === undefined ? {} : record(service.environment, `${name}.environment`);
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

export interface BindMount {
  host: string;
  container: string;
}

/** The short-syntax bind mounts (`./host:/container[:ro]`) of a service as written; named volumes left out. */
export function bindMounts(service: Mapping, name: string): BindMount[] {
  return (service.volumes === undefined ? [] : list(service.volumes, `${name}.volumes`))
    .map((entry) => text(entry, `${name}.volumes entry`))
    .filter((entry) => entry.startsWith('./'))
    .map((entry) => {
      const [host = '', container = ''] = entry.split(':');
      return { host, container };
    });
}

/** Instructions of the last stage of a Dockerfile (after its last FROM), continuation lines joined. */
export function finalStage(dockerfile: string): string[] {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = instructions.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true);
  return lastFrom === -1 ? [] : instructions.slice(lastFrom);
}
