// Prometheus, Alertmanager and Grafana provisioning as docker-compose runs them, checked with the real
// validators (promtool, amtool) and against the compose services they name.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadDashboard, PLUGIN_PANEL, queryPanels } from '../../exporter/test/dashboard-model.js';
import { bindMounts, composeServices } from './compose-model.js';
import { expectSuccess, list, readYaml, record, ROOT, text } from './files.js';

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
    // Grafana reaches each of them by a compose service name (Postgres's url is host:port, without a scheme).
    const services = composeServices();
    for (const ds of datasources) {
      const host = new URL(String(ds.url).includes('://') ? String(ds.url) : `tcp://${String(ds.url)}`)
        .hostname;
      if (!(host in services))
        throw new Error(`datasource ${String(ds.uid)} names ${host}, no compose service`);
    }

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
    expect(volumes).toContain('./provisioning:/etc/grafana/provisioning:ro');
  });

  it('has Grafana load the provisioning, the Ops Cockpit dashboard (also as home) and allow the panel plugin', () => {
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
    const core = new Set(['row', 'stat', 'timeseries', 'table', 'state-timeline', 'bargauge']);
    const pluginTypes = [...new Set(queryPanels(loadDashboard()).map((p) => p.type))].filter(
      (t) => !core.has(t),
    );
    expect(pluginTypes).toEqual([PLUGIN_PANEL]);
    const unsigned = text(environment.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS, 'unsigned plugins').split(
      ',',
    );
    expect(unsigned).toContain(PLUGIN_PANEL);
  });
});
