// Checks the repository-level deployment files (docker-compose.yml, Dockerfiles, prometheus.yml, rules/,
// alertmanager/, Grafana provisioning) with the real validators: docker-compose, promtool and amtool. It lives
// in the exporter project only because that is where jest looks.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { serviceNodeArgs } from '@ops-cockpit/core';
import { loadDashboard, PLUGIN_PANEL, queryPanels } from './dashboard-model.js';

const ROOT = path.resolve(__dirname, '..', '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const BUILT_SERVICES = ['exporter', 'worker', 'simulator'] as const;
// Built by the plugin's own build, so only its parent has to be in the repository.
const BUILD_OUTPUT_MOUNTS = new Set(['./grafana-plugin/dist']);

const INSTALL_HINTS: Record<string, string> = {
  'docker-compose': 'apt-get install -y --no-install-recommends docker-compose',
  promtool: 'apt-get install -y --no-install-recommends prometheus',
  amtool: 'apt-get install -y --no-install-recommends prometheus-alertmanager',
};

interface RunResult {
  status: number | null;
  output: string;
}

/** Runs a validator from PATH; a missing binary fails the test with how to install it (never a skip). */
function run(command: string, args: string[], cwd: string = ROOT): RunResult {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new Error(`${command} is not on PATH; install it with: ${INSTALL_HINTS[command] ?? command}`);
    }
    throw result.error;
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function expectSuccess(command: string, args: string[], cwd?: string): string {
  const { status, output } = run(command, args, cwd);
  if (status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${String(status)}:\n${output}`);
  }
  return output;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${what} should be a mapping, got ${JSON.stringify(value)}`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} should be a list, got ${JSON.stringify(value)}`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} should be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Parses a repository file; merge keys on, as Compose resolves `<<: *anchor`. */
function readYaml(relative: string): unknown {
  return parse(readFileSync(path.join(ROOT, relative), 'utf8'), { merge: true });
}

function composeServices(): Record<string, Record<string, unknown>> {
  const services = record(record(readYaml('docker-compose.yml'), 'docker-compose.yml').services, 'services');
  return Object.fromEntries(
    Object.entries(services).map(([name, service]) => [name, record(service, `service ${name}`)]),
  );
}

interface BindMount {
  host: string;
  container: string;
}

/** The short-syntax bind mounts (`./host:/container[:ro]`) of a service; named volumes are left out. */
function bindMounts(service: Record<string, unknown>, name: string): BindMount[] {
  return (service.volumes === undefined ? [] : list(service.volumes, `${name}.volumes`))
    .map((entry) => text(entry, `${name}.volumes entry`))
    .filter((entry) => entry.startsWith('./'))
    .map((entry) => {
      const [host = '', container = ''] = entry.split(':');
      return { host, container };
    });
}

/** Instructions of the last stage of a Dockerfile (after its last FROM), continuation lines joined. */
function finalStage(dockerfile: string): string[] {
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const lastFrom = instructions.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true);
  return lastFrom === -1 ? [] : instructions.slice(lastFrom);
}

describe('docker-compose.yml', () => {
  it('passes docker-compose config', () => {
    expectSuccess('docker-compose', ['-f', COMPOSE_FILE, 'config', '--quiet']);
  });

  it('fails docker-compose config when a depends_on names an unknown service (the check can fail)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-config-'));
    try {
      const broken = readFileSync(COMPOSE_FILE, 'utf8').replace(
        /^ {6}exporter:\n {8}condition: service_healthy$/m,
        '      no-such-service:\n        condition: service_healthy',
      );
      expect(broken).toContain('no-such-service');
      const brokenFile = path.join(dir, 'docker-compose.yml');
      writeFileSync(brokenFile, broken);
      // Same project directory, so relative build contexts and mounts resolve as in the real file.
      const { status, output } = run('docker-compose', [
        '-f',
        brokenFile,
        '--project-directory',
        ROOT,
        'config',
        '--quiet',
      ]);
      expect(status).not.toBe(0);
      expect(output).toContain('no-such-service');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bind-mounts only paths that exist in the repository', () => {
    const mounts = Object.entries(composeServices()).flatMap(([name, service]) => bindMounts(service, name));
    expect(mounts.length).toBeGreaterThan(0);
    for (const { host } of mounts) {
      const checked = BUILD_OUTPUT_MOUNTS.has(host) ? path.dirname(host) : host;
      if (!existsSync(path.join(ROOT, checked))) throw new Error(`mounted path ${checked} does not exist`);
    }
  });

  it('gives every service a healthcheck and waits only for healthy dependencies', () => {
    for (const [name, service] of Object.entries(composeServices())) {
      const healthcheck = record(service.healthcheck, `${name}.healthcheck`);
      expect(list(healthcheck.test, `${name}.healthcheck.test`).length).toBeGreaterThan(0);
      if (service.depends_on === undefined) continue;
      for (const [dependency, settings] of Object.entries(record(service.depends_on, `${name}.depends_on`))) {
        expect({ service: name, dependency, condition: record(settings, dependency).condition }).toEqual({
          service: name,
          dependency,
          condition: 'service_healthy',
        });
      }
    }
  });

  it('builds exporter, worker and simulator from multi-stage Dockerfiles that run as a non-root user', () => {
    const services = composeServices();
    for (const name of BUILT_SERVICES) {
      const build = record(services[name]?.build, `${name}.build`);
      expect(build.context).toBe('.');
      const dockerfile = text(build.dockerfile, `${name}.build.dockerfile`);
      const source = readFileSync(path.join(ROOT, dockerfile), 'utf8');
      expect(source.match(/^FROM\s/gim)?.length ?? 0).toBeGreaterThanOrEqual(2);

      const stage = finalStage(source);
      const users = stage.filter((line) => /^USER\s/i.test(line));
      const user = users.at(-1)?.split(/\s+/)[1]?.split(':')[0];
      if (user === undefined) throw new Error(`${dockerfile}: the final stage has no USER line`);
      expect(['root', '0']).not.toContain(user);
      // Exec form, with the node flags `npm start` and the tests use (core/src/platform/node-flags.ts).
      const cmd = /^CMD\s+(\[.*\])$/.exec(stage.at(-1) ?? '');
      if (cmd === null) throw new Error(`${dockerfile}: the final instruction is not an exec-form CMD`);
      expect(JSON.parse(cmd[1]!)).toEqual(['node', ...serviceNodeArgs(name, `${name}/dist/main.js`)]);
    }
  });

  it('mounts the Alertmanager token file that alertmanager.yml reads', () => {
    const alertmanager = composeServices().alertmanager;
    if (alertmanager === undefined) throw new Error('no alertmanager service');
    const config = record(readYaml('alertmanager/alertmanager.yml'), 'alertmanager.yml');
    const files = list(config.receivers, 'receivers').flatMap((receiver) =>
      list(record(receiver, 'receiver').webhook_configs ?? [], 'webhook_configs').map((webhook) => {
        const http = record(record(webhook, 'webhook').http_config, 'http_config');
        return text(record(http.authorization, 'authorization').credentials_file, 'credentials_file');
      }),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const mount = bindMounts(alertmanager, 'alertmanager').find((m) => file.startsWith(`${m.container}/`));
      if (mount === undefined) throw new Error(`${file} is not under any bind mount of alertmanager`);
      const host = path.join(ROOT, mount.host, file.slice(mount.container.length));
      expect(statSync(host).isFile()).toBe(true);
      expect(readFileSync(host, 'utf8').trim()).toMatch(/^\S+$/);
    }
  });
});

describe('Prometheus and Alertmanager configuration', () => {
  it('passes promtool check config, which also loads the rule files', () => {
    expect(expectSuccess('promtool', ['check', 'config', 'prometheus.yml'])).toContain('SUCCESS');
  });

  it('passes promtool check rules for every rule file', () => {
    const files = readdirSync(path.join(ROOT, 'rules'))
      .filter((file) => file.endsWith('.yml'))
      .map((file) => path.join('rules', file));
    expect(files.length).toBeGreaterThan(0);
    expectSuccess('promtool', ['check', 'rules', ...files]);
  });

  it('scrapes and alerts only hosts that are compose services', () => {
    const services = composeServices();
    const config = record(readYaml('prometheus.yml'), 'prometheus.yml');
    const targets = list(config.scrape_configs, 'scrape_configs').flatMap((job) =>
      list(record(job, 'scrape config').static_configs, 'static_configs').flatMap((sc) =>
        list(record(sc, 'static config').targets, 'targets').map((t) => text(t, 'target')),
      ),
    );
    expect(targets).toEqual(expect.arrayContaining(['exporter:8080', 'worker:9465']));
    for (const target of targets) {
      const host = target.split(':')[0] ?? '';
      if (host !== 'localhost' && !(host in services)) throw new Error(`${target} is not a compose service`);
    }
  });

  it('passes amtool check-config', () => {
    expect(expectSuccess('amtool', ['check-config', 'alertmanager/alertmanager.yml'])).toContain('SUCCESS');
  });
});

describe('Grafana provisioning', () => {
  it('provisions Prometheus, Alertmanager and Postgres datasources and a file dashboard provider', () => {
    const datasources = list(
      record(readYaml('provisioning/datasources/datasources.yml'), 'datasources.yml').datasources,
      'datasources',
    ).map((ds) => record(ds, 'datasource'));
    expect(datasources.map((ds) => [ds.type, ds.uid])).toEqual([
      ['prometheus', 'prometheus'],
      ['alertmanager', 'alertmanager'],
      ['grafana-postgresql-datasource', 'postgres'],
    ]);

    const providers = list(
      record(readYaml('provisioning/dashboards/dashboards.yml'), 'dashboards.yml').providers,
      'providers',
    ).map((p) => record(p, 'provider'));
    expect(providers.map((p) => [p.type, record(p.options, 'options').path])).toEqual([
      ['file', '/var/lib/grafana/dashboards'],
    ]);
  });

  it('enables the Ops Cockpit app with the exporter URL and operator token from the environment', () => {
    const apps = list(record(readYaml('provisioning/plugins/apps.yaml'), 'apps.yaml').apps, 'apps').map((a) =>
      record(a, 'app'),
    );
    expect(apps.map((a) => [a.type, a.disabled])).toEqual([['ops-cockpit-app', false]]);
    const app = apps[0]!;
    expect(record(app.jsonData, 'jsonData')).toEqual({ exporterUrl: '${OPS_EXPORTER_URL}' });
    expect(record(app.secureJsonData, 'secureJsonData')).toEqual({
      operatorToken: '${OPS_GRAFANA_OPERATOR_TOKEN}',
    });

    // docker-compose gives Grafana both variables, and the exporter the same token as an operator's.
    const services = composeServices();
    const env = (name: string) => record(services[name]!.environment, `${name} environment`);
    const grafana = env('grafana');
    expect(grafana.OPS_EXPORTER_URL).toBe('http://exporter:8080');
    const token = String(grafana.OPS_GRAFANA_OPERATOR_TOKEN);
    expect(token).toMatch(/^\$\{OPS_GRAFANA_OPERATOR_TOKEN:-.{16,}\}$/);
    expect(String(env('exporter').OPS_OPERATOR_TOKENS)).toBe(`grafana:${token}`);
    expect(grafana.GF_DATAPROXY_SEND_USER_HEADER).toBe('true');
    expect(String(grafana.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).split(',')).toEqual([
      'ops-cockpit-app',
      'ops-cockpit-panel',
    ]);
    const volumes = list(services.grafana!.volumes, 'grafana volumes');
    expect(volumes).toContain('./grafana-plugin/dist:/var/lib/grafana/plugins/ops-cockpit-app:ro');
    expect(volumes).toContain('./provisioning:/etc/grafana/provisioning:ro');
  });

  it('has Grafana load the provisioning, the Ops Cockpit dashboard (also as home) and the panel plugin', () => {
    const grafana = composeServices().grafana;
    if (grafana === undefined) throw new Error('no grafana service');
    const mounts = bindMounts(grafana, 'grafana');
    /** The repository path a container path of the grafana service comes from, through its bind mounts. */
    const hostPath = (container: string): string => {
      const mount = mounts.find((m) => container === m.container || container.startsWith(`${m.container}/`));
      if (mount === undefined) throw new Error(`${container} is under no bind mount of grafana`);
      return path.join(ROOT, mount.host, container.slice(mount.container.length));
    };
    expect(hostPath('/etc/grafana/provisioning/datasources/datasources.yml')).toBe(
      path.join(ROOT, 'provisioning', 'datasources', 'datasources.yml'),
    );
    expect(statSync(hostPath('/etc/grafana/provisioning/dashboards/dashboards.yml')).isFile()).toBe(true);

    const [provider] = list(
      record(readYaml('provisioning/dashboards/dashboards.yml'), 'dashboards.yml').providers,
      'providers',
    ).map((p) => record(p, 'provider'));
    const folder = text(record(provider?.options, 'options').path, 'options.path');
    expect(readdirSync(hostPath(folder))).toContain('ops-cockpit.json');
    const environment = record(grafana.environment, 'grafana.environment');
    const home = text(environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH, 'home dashboard path');
    expect(hostPath(home)).toBe(path.join(ROOT, 'dashboards', 'ops-cockpit.json'));

    // Every panel type that is no Grafana core panel is the plugin: allowed unsigned and mounted as a plugin.
    const core = new Set(['row', 'stat', 'timeseries', 'table', 'state-timeline']);
    const pluginTypes = [...new Set(queryPanels(loadDashboard()).map((p) => p.type))].filter(
      (t) => !core.has(t),
    );
    expect(pluginTypes).toEqual([PLUGIN_PANEL]);
    const unsigned = text(environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS, 'unsigned plugins').split(
      ',',
    );
    expect(unsigned).toContain(PLUGIN_PANEL);
    const pluginMount = mounts.find((m) => m.container.startsWith('/var/lib/grafana/plugins/'));
    expect(pluginMount?.host).toBe('./grafana-plugin/dist');
  });
});
