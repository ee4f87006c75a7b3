// deploy/kubernetes, checked offline: each overlay rendered once by `kubectl kustomize`, every object validated
// against the Kubernetes and Prometheus Operator schemas, and the cross-checks no schema makes (settings the
// processes accept, selectors that select, ports that exist, figures from the benchmark). No cluster runs here.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadEnv } from '@ops-cockpit/core';
import { expectSuccess, isRecord, list, type Mapping, readYaml, record, ROOT, text } from './files.js';
import {
  containerHasPort,
  labelsOf,
  named,
  nameOf,
  ofKind,
  OVERLAYS,
  podsOf,
  render,
  resolveEnv,
  selects,
  workloads,
} from './kubernetes-model.js';
import { describe as describeObject, schemaProblems } from './kubernetes-schemas.js';
import { envProblems, type Service, SERVICE_SCHEMAS, urlHosts } from './service-env.js';

/** Which container runs which project process. */
const PROJECT_CONTAINERS: Record<string, Service> = {
  exporter: 'exporter',
  worker: 'worker',
  simulator: 'simulator',
};

/** The setting each process listens on: its container must open that port. */
const LISTEN_PORT: Record<Service, string> = {
  exporter: 'PORT',
  worker: 'WORKER_METRICS_PORT',
  simulator: 'SIMULATOR_PORT',
};

/**
 * Figures the resources are sized from. Exporter: bench/RESULTS.md (9 runs): CPU cores at 2,000 webhooks/s and at
 * saturation, peak resident set. Worker: bench/RESULTS.md CPU rows; peak resident set from bench/worker-drain.mjs
 * (docs/deploy.md says how it was taken).
 */
const MEASURED: Record<'exporter' | 'worker', { cpuAt2000: number; cpuMax: number; peakRssBytes: number }> = {
  exporter: { cpuAt2000: 0.36, cpuMax: 0.63, peakRssBytes: 146e6 },
  worker: { cpuAt2000: 0.16, cpuMax: 0.43, peakRssBytes: 175e6 },
};

/** A Kubernetes quantity ('500m', '1', '160Mi') as a number (cores or bytes). */
function quantity(value: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi)?$/.exec(String(value));
  if (m === null) throw new Error(`unsupported quantity ${String(value)}`);
  const scale = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, '': 1 }[m[2] ?? '']!;
  return Number(m[1]) * scale;
}

const probePath = (probe: unknown): unknown => record(record(probe, 'probe').httpGet, 'httpGet').path;

describe.each(OVERLAYS)('overlays/%s', (overlay) => {
  const objects = () => render(overlay);

  it('renders with kubectl kustomize, and every object passes its Kubernetes or Prometheus Operator schema', async () => {
    expect(objects().length).toBeGreaterThan(10);
    expect(await schemaProblems(objects())).toEqual([]);
  });

  it('runs every container non-root on a read-only root filesystem, with requests and limits', () => {
    for (const { name, pod, containers } of workloads(objects())) {
      const podSecurity = record(pod.securityContext, `${name} securityContext`);
      expect({ name, nonRoot: podSecurity.runAsNonRoot, seccomp: podSecurity.seccompProfile }).toEqual({
        name,
        nonRoot: true,
        seccomp: { type: 'RuntimeDefault' },
      });
      for (const container of containers) {
        const security = record(container.securityContext, `${name} container securityContext`);
        expect({ name, ...security }).toMatchObject({
          name,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        const resources = record(container.resources, `${name} resources`);
        for (const what of ['cpu', 'memory']) {
          const request = quantity(record(resources.requests, 'requests')[what]);
          expect(request).toBeLessThanOrEqual(quantity(record(resources.limits, 'limits')[what]));
        }
      }
    }
  });

  it('gives each project process settings its own config schema accepts, from objects that exist', () => {
    let checked = 0;
    for (const { name, containers } of workloads(objects())) {
      for (const container of containers) {
        const service = PROJECT_CONTAINERS[String(container.name)];
        if (service === undefined) continue;
        const { env, opaque, problems } = resolveEnv(container, objects());
        expect({ workload: name, problems: [...problems, ...envProblems(service, env, opaque)] }).toEqual({
          workload: name,
          problems: [],
        });
        const listens = (loadEnv(SERVICE_SCHEMAS[service], env) as Mapping)[LISTEN_PORT[service]];
        expect({ workload: name, opened: containerHasPort(container, listens) }).toEqual({
          workload: name,
          opened: true,
        });
        // Hosts of in-cluster URLs are Services of the overlay.
        for (const { key, host } of urlHosts(env)) {
          const service = host.replace(/\.ops-cockpit(\.svc(\.cluster\.local)?)?$/, '');
          if (!service.includes('.') && named(objects(), 'Service', service) === undefined) {
            throw new Error(`${name}: ${key} names ${host}, which is no Service of overlays/${overlay}`);
          }
        }
        checked += 1;
      }
    }
    expect(checked).toBe(overlay === 'demo' ? 3 : 2);
  });

  it('probes exporter and worker on /readyz and /healthz, on ports their containers open', () => {
    for (const { name, containers } of workloads(objects())) {
      for (const container of containers) {
        for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
          const httpGet = isRecord(container[probe]) ? (container[probe] as Mapping).httpGet : undefined;
          if (isRecord(httpGet) && !containerHasPort(container, httpGet.port)) {
            throw new Error(`${name}: ${probe} port ${String(httpGet.port)} is not a port of the container`);
          }
        }
        if (!['exporter', 'worker'].includes(String(container.name))) continue;
        expect([name, probePath(container.readinessProbe), probePath(container.livenessProbe)]).toEqual([
          name,
          '/readyz',
          '/healthz',
        ]);
      }
    }
  });

  it('lets exporter and worker drain: termination grace beyond preStop plus SHUTDOWN_TIMEOUT_SECONDS', () => {
    for (const { name, pod, containers } of workloads(objects())) {
      const container = containers.find((c) => c.name === 'exporter' || c.name === 'worker');
      if (container === undefined) continue;
      const service = container.name as 'exporter' | 'worker';
      const settings = loadEnv(SERVICE_SCHEMAS[service], resolveEnv(container, objects()).env) as Mapping;
      const preStop = ((container.lifecycle as Mapping | undefined)?.preStop as Mapping | undefined)?.exec as
        Mapping | undefined;
      const preStopSeconds = preStop ? Number(list(preStop.command, 'preStop').at(-1)) : 0;
      const grace = Number(pod.terminationGracePeriodSeconds);
      expect({ name, fits: grace > preStopSeconds + Number(settings.SHUTDOWN_TIMEOUT_SECONDS) }).toEqual({
        name,
        fits: true,
      });
      if (service === 'exporter') {
        // The endpoints drop a terminating pod before it stops listening; readiness waits out READY_TIMEOUT_MS.
        expect(preStopSeconds).toBeGreaterThan(0);
        const readiness = record(container.readinessProbe, 'readinessProbe');
        expect(Number(readiness.timeoutSeconds) * 1000).toBeGreaterThan(Number(settings.READY_TIMEOUT_MS));
      }
      // Sized from the measurements: requests cover 2,000 events/s and the peak resident set, limits the peak CPU.
      const resources = record(container.resources, 'resources');
      const requests = record(resources.requests, 'requests');
      const limits = record(resources.limits, 'limits');
      expect(quantity(requests.cpu)).toBeGreaterThanOrEqual(MEASURED[service].cpuAt2000);
      expect(quantity(limits.cpu)).toBeGreaterThanOrEqual(MEASURED[service].cpuMax);
      expect(quantity(requests.memory)).toBeGreaterThanOrEqual(MEASURED[service].peakRssBytes);
    }
  });

  it('selects pods with every Service, and targets ports the pods open', () => {
    for (const service of ofKind(objects(), 'Service')) {
      const pods = podsOf(service, objects());
      if (pods.length === 0) throw new Error(`Service ${nameOf(service)} selects no pod`);
      for (const port of list(record(service.spec, 'spec').ports, 'ports').map((p) => record(p, 'port'))) {
        const served = pods.every((w) =>
          w.containers.some((c) => containerHasPort(c, port.targetPort ?? port.port)),
        );
        if (!served)
          throw new Error(`Service ${nameOf(service)}: port ${String(port.targetPort)} is on no container`);
      }
    }
  });

  it('scrapes exporter and worker through ServiceMonitors, under the job names the rules query', () => {
    const jobs = ofKind(objects(), 'ServiceMonitor').flatMap((monitor) => {
      const spec = record(monitor.spec, 'spec');
      const services = ofKind(objects(), 'Service').filter((s) =>
        selects(record(spec.selector, 'selector'), labelsOf(s)),
      );
      expect([nameOf(monitor), services.length]).toEqual([nameOf(monitor), 1]);
      const service = services[0]!;
      const portNames = list(record(service.spec, 'spec').ports, 'ports').map((p) => record(p, 'port').name);
      for (const endpoint of list(spec.endpoints, 'endpoints').map((e) => record(e, 'endpoint'))) {
        expect(portNames).toContain(endpoint.port);
        expect(endpoint.path).toBe('/metrics');
      }
      return [labelsOf(service)[text(spec.jobLabel, 'jobLabel')]];
    });
    const queried = [
      ...readFileSync(path.join(ROOT, 'rules', 'ops-cockpit.yml'), 'utf8').matchAll(/job="(\w+)"/g),
    ];
    expect(jobs.sort()).toEqual([...new Set(queried.map((m) => m[1]))].sort());
  });

  it('carries the rules, the dashboard and the app settings exactly as their source files say', () => {
    const namespace = text(
      record(readYaml('deploy/kubernetes/base/kustomization.yaml'), 'base').namespace,
      'ns',
    );
    const rule = named(objects(), 'PrometheusRule', 'ops-cockpit');
    const source = list(record(readYaml('rules/ops-cockpit.yml'), 'rules').groups, 'groups').map((g) => {
      const group = record(g, 'group');
      const rules = list(group.rules, 'rules').map((r) => record(r, 'rule'));
      return {
        ...group,
        rules: rules.map((r) =>
          r.alert === undefined ? r : { ...r, labels: { ...record(r.labels, 'labels'), namespace } },
        ),
      };
    });
    expect(record(rule?.spec, 'PrometheusRule spec').groups).toEqual(source);

    const data = (name: string) => record(named(objects(), 'ConfigMap', name)?.data, `${name} data`);
    const dashboard = data('ops-cockpit-dashboard')['ops-cockpit.json'];
    expect(JSON.parse(text(dashboard, 'dashboard'))).toEqual(
      JSON.parse(readFileSync(path.join(ROOT, 'dashboards', 'ops-cockpit.json'), 'utf8')),
    );
    expect(data('ops-cockpit-grafana-app')['ops-cockpit-app.yaml']).toBe(
      readFileSync(path.join(ROOT, 'provisioning', 'plugins', 'apps.yaml'), 'utf8'),
    );
    expect(labelsOf(named(objects(), 'ConfigMap', 'ops-cockpit-dashboard')!).grafana_dashboard).toBe('1');
    expect(
      labelsOf(named(objects(), 'ConfigMap', 'ops-cockpit-grafana-datasource')!).grafana_datasource,
    ).toBe('1');
    expect(labelsOf(named(objects(), 'ConfigMap', 'ops-cockpit-grafana-app')!).grafana_plugin).toBe('1');
  });

  it('routes alerts to the exporter with the token the exporter expects', () => {
    const config = record(
      named(objects(), 'AlertmanagerConfig', 'ops-cockpit')?.spec,
      'AlertmanagerConfig spec',
    );
    const receiver = list(config.receivers, 'receivers')
      .map((r) => record(r, 'receiver'))
      .find((r) => r.name === record(config.route, 'route').receiver);
    const webhook = record(list(receiver?.webhookConfigs, 'webhookConfigs')[0], 'webhook');
    const url = new URL(text(webhook.url, 'url'));
    expect(url.pathname).toBe('/api/alertmanager');
    const exporterService = named(objects(), 'Service', url.hostname);
    expect(exporterService).toBeDefined();
    const credentials = record(
      record(record(webhook.httpConfig, 'httpConfig').authorization, 'auth').credentials,
      'c',
    );
    const exporter = workloads(objects()).find((w) => w.name === 'ops-cockpit-exporter')!;
    const tokenRef = list(exporter.containers[0]!.env, 'env')
      .map((e) => record(e, 'env'))
      .find((e) => e.name === 'ALERTMANAGER_TOKEN');
    expect(record(record(tokenRef?.valueFrom, 'valueFrom').secretKeyRef, 'ref')).toEqual({
      name: credentials.name,
      key: credentials.key,
    });
  });
});

describe('overlays/production', () => {
  const objects = () => render('production');

  it('autoscales the exporter on CPU, keeps one exporter and one worker through disruptions', () => {
    const [hpa] = ofKind(objects(), 'HorizontalPodAutoscaler');
    const target = record(record(hpa?.spec, 'hpa spec').scaleTargetRef, 'scaleTargetRef');
    const exporter = named(objects(), String(target.kind), String(target.name));
    expect(exporter && nameOf(exporter)).toBe('ops-cockpit-exporter');
    // The HPA owns the replica count; the Deployment must not fight it on every apply.
    expect(record(exporter!.spec, 'spec').replicas).toBeUndefined();
    const budgets = ofKind(objects(), 'PodDisruptionBudget').map((pdb) =>
      workloads(objects())
        .filter((w) => selects(record(record(pdb.spec, 'spec').selector, 'selector'), w.podLabels))
        .map((w) => w.name),
    );
    expect(budgets.sort()).toEqual([['ops-cockpit-exporter'], ['ops-cockpit-worker']]);
  });

  it('bounds Postgres connections: HPA maximum x exporter pool + workers x worker pool stays under 90', () => {
    const pool = (workload: string) => {
      const w = workloads(objects()).find((x) => x.name === workload)!;
      const env = resolveEnv(w.containers[0]!, objects()).env;
      return Number(env.DATABASE_POOL_MAX);
    };
    const maxExporters = Number(
      record(ofKind(objects(), 'HorizontalPodAutoscaler')[0]?.spec, 'hpa').maxReplicas,
    );
    const workers = Number(
      record(named(objects(), 'Deployment', 'ops-cockpit-worker')?.spec, 'worker').replicas,
    );
    expect(maxExporters * pool('ops-cockpit-exporter') + workers * pool('ops-cockpit-worker')).toBeLessThan(
      90,
    );
  });

  it('lets only the ingress and the monitoring namespace reach the exporter, only Prometheus the worker', () => {
    const policies = ofKind(objects(), 'NetworkPolicy');
    expect(policies.some((p) => JSON.stringify(record(p.spec, 'spec').podSelector) === '{}')).toBe(true);
    for (const policy of policies) {
      const spec = record(policy.spec, 'spec');
      const pods = workloads(objects()).filter((w) =>
        selects(record(spec.podSelector, 'podSelector'), w.podLabels),
      );
      for (const rule of (spec.ingress ?? []) as Mapping[]) {
        for (const port of list(rule.ports, 'ports').map((p) => record(p, 'port'))) {
          const open = pods.every((w) => w.containers.some((c) => containerHasPort(c, port.port)));
          if (!open)
            throw new Error(`${describeObject(policy)}: port ${String(port.port)} is on no selected pod`);
        }
      }
    }
    const ingress = ofKind(objects(), 'Ingress').flatMap((i) =>
      list(record(i.spec, 'spec').rules, 'rules').flatMap((r) =>
        list(record(record(r, 'rule').http, 'http').paths, 'paths').map((p) => record(p, 'path')),
      ),
    );
    expect(ingress.map((p) => p.path).sort()).toEqual(['/api/ops/', '/api/webhooks/']);
    for (const p of ingress) {
      const backend = record(record(p.backend, 'backend').service, 'service');
      const service = named(objects(), 'Service', text(backend.name, 'backend name'));
      const ports = list(record(service?.spec, 'spec').ports, 'ports').map((x) => record(x, 'port').name);
      expect(ports).toContain(record(backend.port, 'port').name);
    }
  });
});

describe('the checks themselves, versions and the generator', () => {
  it('reports an object its schema refuses and a kind it has no schema for', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'broken' },
      spec: {
        selector: {},
        template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 'http' }] }] } },
      },
    };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray' } };
    expect(await schemaProblems([deployment, pod])).toEqual([
      expect.stringMatching(/^Deployment\/broken: .*containerPort must be integer/),
      'Pod/stray: no schema for v1 Pod',
    ]);
  });

  it('tags the images with the product version and installs the plugin release of its own version', () => {
    const product = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
    const images = list(
      record(readYaml('deploy/kubernetes/base/kustomization.yaml'), 'base').images,
      'images',
    );
    expect(images.map((i) => record(i, 'image').newTag)).toEqual(images.map(() => product));
    const plugin = JSON.parse(
      readFileSync(path.join(ROOT, 'grafana-plugin', 'package.json'), 'utf8'),
    ).version;
    const values = record(readYaml('deploy/kubernetes/kube-prometheus-stack-values.yaml'), 'values');
    const [url] = list(record(values.grafana, 'grafana').plugins, 'plugins').map((p) => text(p, 'plugin'));
    expect(url).toMatch(new RegExp(`/v${plugin}/ops-cockpit-app-${plugin}\\.zip;ops-cockpit-app$`));
  });

  it('has generated files up to date (node scripts/generate-kubernetes.mjs --check)', () => {
    expectSuccess(process.execPath, [path.join(ROOT, 'scripts', 'generate-kubernetes.mjs'), '--check']);
  });
});
