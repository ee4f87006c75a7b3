// docker-compose.yml, checked offline with the real docker-compose (1.29, `config` only: no Docker engine runs
// on the development machines) and the services' own config schemas: what `docker compose up --build` would
// start, each project process with settings it accepts, every host it is pointed at a service of the file.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serviceNodeArgs } from '@ops-cockpit/core';
import { demoRoster } from '../../simulator/src/roster.js';
import { World } from '../../simulator/src/world.js';
import {
  bindMounts,
  COMPOSE_FILE,
  composeServices,
  environmentOf,
  finalStage,
  resolvedServices,
} from './compose-model.js';
import { expectSuccess, list, readYaml, record, ROOT, run, text } from './files.js';
import { envProblems, SERVICES, urlHosts } from './service-env.js';

describe('docker-compose.yml', () => {
  it('passes docker-compose config', () => {
    expectSuccess('docker-compose', ['-f', COMPOSE_FILE, 'config', '--quiet']);
  });

  it('fails docker-compose config when a depends_on names an unknown service (the check can fail)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'deploy-compose-'));
    try {
      const broken = readFileSync(COMPOSE_FILE, 'utf8').replace(
        /^ {6}exporter:\n {8}condition: service_healthy$/m,
        '      no-such-service:\n        condition: service_healthy',
      );
      expect(broken).toContain('no-such-service');
      const brokenFile = path.join(dir, 'docker-compose.yml');
      writeFileSync(brokenFile, broken);
      // Same project directory, so relative build contexts and mounts resolve as in the real file.
      const args = ['-f', brokenFile, '--project-directory', ROOT, 'config', '--quiet'];
      const { status, output } = run('docker-compose', args);
      expect(status).not.toBe(0);
      expect(output).toContain('no-such-service');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives exporter, worker and simulator settings their own config schema accepts, and nothing else', () => {
    const services = resolvedServices();
    for (const name of SERVICES) {
      const service = services[name];
      if (service === undefined) throw new Error(`no ${name} service`);
      expect(envProblems(name, environmentOf(service, name))).toEqual([]);
    }
  });

  it('the schema check fails a typo, a bad value and a loopback default left in place', () => {
    const worker = environmentOf(resolvedServices().worker!, 'worker');
    const { DATABASE_URL: _unset, ...rest } = worker;
    expect(envProblems('worker', { ...rest, SMTP_URL: 'mailpit:1025', STRAVA_PROBE_TOKN: 'x' })).toEqual([
      'worker: STRAVA_PROBE_TOKN is not a setting of worker',
      expect.stringMatching(/^worker: SMTP_URL: expected a smtp:\/\/ or smtps:\/\/ URL/),
      'worker: DATABASE_URL is unset (its default is loopback)',
    ]);
  });

  it('points every URL setting of the project services at a service of the file', () => {
    const services = resolvedServices();
    const targets = [...SERVICES, 'grafana'].flatMap((name) =>
      urlHosts(environmentOf(services[name]!, name)).map(({ key, host }) => ({
        from: `${name}.${key}`,
        host,
      })),
    );
    expect(targets.map((t) => t.from)).toEqual(
      expect.arrayContaining(['worker.SMTP_URL', 'worker.STRAVA_API_URL', 'simulator.EXPORTER_URL']),
    );
    for (const { from, host } of targets) {
      if (!(host in services)) throw new Error(`${from} names ${host}, which is no compose service`);
    }
  });

  it('probes the simulator with a Strava token it accepts, and sends nudges to the mail catcher', () => {
    const worker = environmentOf(resolvedServices().worker!, 'worker');
    expect(new URL(worker.STRAVA_API_URL!).hostname).toBe('simulator');
    const world = new World({ roster: demoRoster() });
    expect(world.authenticate(`Bearer ${worker.STRAVA_PROBE_TOKEN}`, Date.now())).toMatchObject({ ok: true });
    expect(world.authenticate('Bearer sat.1001.1.2.forged', Date.now())).toMatchObject({ ok: false });
    expect(worker.SMTP_URL).toBe('smtp://mailpit:1025');
    expect(record(composeServices().mailpit?.healthcheck, 'mailpit.healthcheck').test).toBeDefined();
  });

  it('bind-mounts only paths that exist in the repository (nothing needs building on the host first)', () => {
    const mounts = Object.entries(composeServices()).flatMap(([name, service]) => bindMounts(service, name));
    expect(mounts.length).toBeGreaterThan(0);
    for (const { host } of mounts) {
      if (!existsSync(path.join(ROOT, host))) throw new Error(`mounted path ${host} does not exist`);
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
    for (const name of SERVICES) {
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
      // Exec form, with the node flags `npm start` and the tests use (core/src/node-flags.ts).
      const cmd = /^CMD\s+(\[.*\])$/.exec(stage.at(-1) ?? '');
      if (cmd === null) throw new Error(`${dockerfile}: the final instruction is not an exec-form CMD`);
      expect(JSON.parse(cmd[1]!)).toEqual(['node', ...serviceNodeArgs(name, `${name}/dist/main.js`)]);
    }
  });

  it("builds Grafana with the plugin's release build installed as ops-cockpit-app, outside the data volume", () => {
    const grafana = composeServices().grafana!;
    const build = record(grafana.build, 'grafana.build');
    const context = path.join(ROOT, text(build.context, 'grafana.build.context'));
    const source = readFileSync(
      path.join(context, text(build.dockerfile, 'grafana.build.dockerfile')),
      'utf8',
    );
    expect(source).toMatch(/^RUN npm ci$/m);
    expect(source).toMatch(/^RUN npm run package$/m);
    const stage = finalStage(source);
    const pluginsPath = /^ENV GF_PATHS_PLUGINS=(\S+)$/.exec(
      stage.find((l) => l.startsWith('ENV ')) ?? '',
    )?.[1];
    expect(pluginsPath).toBeDefined();
    expect(pluginsPath!.startsWith('/var/lib/grafana')).toBe(false);
    expect(stage).toContain('COPY --from=build /plugin/dist ${GF_PATHS_PLUGINS}/ops-cockpit-app');
    // The host's node_modules and build output never enter the image.
    const ignored = readFileSync(path.join(context, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist']));
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
      // The exporter expects the same token (ALERTMANAGER_TOKEN) that Alertmanager presents.
      const exporter = environmentOf(resolvedServices().exporter!, 'exporter');
      expect(readFileSync(host, 'utf8').trim()).toBe(exporter.ALERTMANAGER_TOKEN);
    }
  });
});
