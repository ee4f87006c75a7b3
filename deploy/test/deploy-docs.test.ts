// docs/deploy.md stays true to the manifests: the Secret keys it tells an operator to create, the environment
// Grafana's provisioning reads, and the resource figures it quotes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Mapping, readYaml, record, ROOT } from './files.js';
import { named, render, workloads } from './kubernetes-model.js';

const doc = readFileSync(path.join(ROOT, 'docs', 'deploy.md'), 'utf8');

/** The `--from-literal=KEY=` keys of the `kubectl create secret generic <name>` command in the doc. */
function documentedKeys(secret: string): string[] {
  const command =
    new RegExp(`create secret generic ${secret} \\\\\\n((?:.*\\\\\\n)*.*)`).exec(doc)?.[1] ?? '';
  return [...command.matchAll(/--from-literal=([A-Z_]+)=/g)].map((m) => m[1]!).sort();
}

/** The keys of the Secret `ops-cockpit` the base's exporter and worker read, optional or not. */
function secretKeys(optional: boolean): string[] {
  const objects = render('production');
  const keys = workloads(objects).flatMap((w) =>
    w.containers.flatMap((c) =>
      ((c.env ?? []) as Mapping[]).flatMap((e) => {
        const ref = (e.valueFrom as Mapping | undefined)?.secretKeyRef as Mapping | undefined;
        return ref?.name === 'ops-cockpit' && (ref.optional === true) === optional ? [String(ref.key)] : [];
      }),
    ),
  );
  return [...new Set(keys)].sort();
}

/** The backquoted names after `label` in the doc, up to the next full stop. */
function listed(label: string): string[] {
  const start = doc.indexOf(label);
  if (start === -1) throw new Error(`docs/deploy.md has no "${label}"`);
  const sentence = doc.slice(
    start + label.length,
    doc.indexOf('.', doc.indexOf('`', start + label.length + 1)),
  );
  return [...sentence.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!).sort();
}

describe('docs/deploy.md', () => {
  it("lists exactly the production Secret's required and optional keys", () => {
    expect(listed('Required keys:')).toEqual(secretKeys(false));
    // The example command creates every required key.
    expect(documentedKeys('ops-cockpit')).toEqual(secretKeys(false));
    const optional = doc.slice(doc.indexOf('Required keys:'));
    const optionalKeys = [
      ...optional
        .slice(optional.indexOf('Optional'), optional.indexOf('Other settings'))
        .matchAll(/`([A-Z_]+)`/g),
    ];
    expect(optionalKeys.map((m) => m[1]!).sort()).toEqual(secretKeys(true));
  });

  it('gives Grafana every variable its Ops Cockpit provisioning reads, from the values or the documented Secret', () => {
    const objects = render('demo');
    const provisioning = ['ops-cockpit-grafana-datasource', 'ops-cockpit-grafana-app']
      .flatMap((name) => Object.values(record(named(objects, 'ConfigMap', name)?.data, name)))
      .join('\n');
    const read = [...new Set([...provisioning.matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]!))].sort();
    const grafana = record(
      record(readYaml('deploy/kubernetes/kube-prometheus-stack-values.yaml'), 'values').grafana,
      'grafana',
    );
    expect(grafana.envFromSecret).toBe('ops-cockpit-grafana');
    const given = [
      ...Object.keys(record(grafana.env, 'grafana.env')),
      ...documentedKeys('ops-cockpit-grafana'),
    ];
    expect(read.filter((v) => !given.includes(v))).toEqual([]);
    expect(read.length).toBeGreaterThan(4);
  });

  it('quotes the resources the exporter and worker Deployments request and limit', () => {
    for (const name of ['ops-cockpit-exporter', 'ops-cockpit-worker']) {
      const container = workloads(render('production')).find((w) => w.name === name)!.containers[0]!;
      const resources = record(container.resources, 'resources');
      const [requests, limits] = [record(resources.requests, 'requests'), record(resources.limits, 'limits')];
      for (const what of ['cpu', 'memory']) {
        expect(doc).toContain(`${String(requests[what])} / ${String(limits[what])}`);
      }
    }
  });
});
