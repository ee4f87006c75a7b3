// deploy/kubernetes as the deploy tests read it: each overlay rendered once with `kubectl kustomize` (offline),
// and the questions the checks ask of the rendered objects (which pods a selector picks, what a container's
// environment resolves to through its ConfigMaps and Secrets).
import path from 'node:path';
import { expectSuccess, isRecord, list, type Mapping, record, ROOT, text, yamlDocuments } from './files.js';

export const OVERLAYS = ['demo', 'production'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** The Secret the production overlay expects the operator to create; it is not rendered there. */
export const OPERATOR_SECRET = 'ops-cockpit';

const rendered = new Map<Overlay, Mapping[]>();

export function render(overlay: Overlay): Mapping[] {
  let objects = rendered.get(overlay);
  if (objects === undefined) {
    const dir = path.join(ROOT, 'deploy', 'kubernetes', 'overlays', overlay);
    objects = yamlDocuments(expectSuccess('kubectl', ['kustomize', dir]), `overlays/${overlay}`);
    rendered.set(overlay, objects);
  }
  return objects;
}

export const metadataOf = (object: Mapping): Mapping => record(object.metadata, 'metadata');
export const nameOf = (object: Mapping): string => text(metadataOf(object).name, 'metadata.name');
export const labelsOf = (object: Mapping): Record<string, string> =>
  (metadataOf(object).labels ?? {}) as Record<string, string>;

export function ofKind(objects: Mapping[], kind: string): Mapping[] {
  return objects.filter((o) => o.kind === kind);
}

export function named(objects: Mapping[], kind: string, name: string): Mapping | undefined {
  return ofKind(objects, kind).find((o) => nameOf(o) === name);
}

export interface Workload {
  object: Mapping;
  name: string;
  podLabels: Record<string, string>;
  pod: Mapping;
  containers: Mapping[];
}

/** Deployments and StatefulSets with their pod template. */
export function workloads(objects: Mapping[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((object) => {
      const template = record(record(object.spec, 'spec').template, `${nameOf(object)} template`);
      const pod = record(template.spec, `${nameOf(object)} pod spec`);
      return {
        object,
        name: nameOf(object),
        podLabels: labelsOf(template),
        pod,
        containers: list(pod.containers, `${nameOf(object)} containers`).map((c) => record(c, 'container')),
      };
    });
}

/** Whether `labels` satisfy a label selector's matchLabels and matchExpressions (In, NotIn, Exists). */
export function selects(selector: Mapping, labels: Record<string, string>): boolean {
  const matchLabels = (selector.matchLabels ?? {}) as Record<string, string>;
  const expressions = (selector.matchExpressions ?? []) as Array<{
    key: string;
    operator: string;
    values?: string[];
  }>;
  return (
    Object.entries(matchLabels).every(([k, v]) => labels[k] === v) &&
    expressions.every(({ key, operator, values = [] }) => {
      if (operator === 'In') return values.includes(labels[key] ?? '');
      if (operator === 'NotIn') return !values.includes(labels[key] ?? '');
      if (operator === 'Exists') return key in labels;
      throw new Error(`unsupported selector operator ${operator}`);
    })
  );
}

/** A Service's pods: the workloads whose pod labels its selector matches. */
export function podsOf(service: Mapping, objects: Mapping[]): Workload[] {
  const selector = record(record(service.spec, 'spec').selector, `${nameOf(service)} selector`);
  return workloads(objects).filter((w) => selects({ matchLabels: selector }, w.podLabels));
}

/** Whether a container declares `port` (a name or a number). */
export function containerHasPort(container: Mapping, port: unknown): boolean {
  return ((container.ports ?? []) as Mapping[]).some((p) => p.name === port || p.containerPort === port);
}

function decode(secret: Mapping, key: string): string | undefined {
  const data = (secret.data ?? {}) as Record<string, string>;
  const plain = (secret.stringData ?? {}) as Record<string, string>;
  if (key in plain) return plain[key];
  return key in data ? Buffer.from(data[key]!, 'base64').toString('utf8') : undefined;
}

export interface ResolvedEnv {
  /** Variables whose value the rendered objects give. */
  env: Record<string, string>;
  /** Variables from the operator's Secret, which is not rendered: set, value unknown. */
  opaque: string[];
  /** What cannot be resolved: a ConfigMap or Secret (or a key of one) that is missing. */
  problems: string[];
}

/** A container's environment as the kubelet would build it from the rendered ConfigMaps and Secrets. */
export function resolveEnv(container: Mapping, objects: Mapping[]): ResolvedEnv {
  const result: ResolvedEnv = { env: {}, opaque: [], problems: [] };
  const where = `container ${String(container.name)}`;
  for (const from of (container.envFrom ?? []) as Mapping[]) {
    const ref = record(from.configMapRef, `${where} envFrom (only configMapRef is used)`);
    const configMap = named(objects, 'ConfigMap', text(ref.name, 'configMapRef.name'));
    if (configMap === undefined)
      result.problems.push(`${where}: ConfigMap ${String(ref.name)} is not rendered`);
    else Object.assign(result.env, configMap.data ?? {});
  }
  for (const variable of (container.env ?? []) as Mapping[]) {
    const name = text(variable.name, `${where} env name`);
    if (typeof variable.value === 'string') {
      result.env[name] = variable.value;
      continue;
    }
    const from = record(variable.valueFrom, `${where} ${name}.valueFrom`);
    const ref = record(
      from.secretKeyRef ?? from.configMapKeyRef,
      `${where} ${name} (a secretKeyRef or configMapKeyRef)`,
    );
    const kind = isRecord(from.secretKeyRef) ? 'Secret' : 'ConfigMap';
    const source = named(objects, kind, text(ref.name, `${name} ref name`));
    const key = text(ref.key, `${name} ref key`);
    if (source === undefined) {
      if (kind === 'Secret' && ref.name === OPERATOR_SECRET) {
        // An optional key the operator may leave out counts as unset.
        if (ref.optional !== true) result.opaque.push(name);
      } else {
        result.problems.push(`${where}: ${kind} ${String(ref.name)} (for ${name}) is not rendered`);
      }
      continue;
    }
    const value =
      kind === 'Secret' ? decode(source, key) : ((source.data ?? {}) as Record<string, string>)[key];
    if (value !== undefined) result.env[name] = value;
    else if (ref.optional !== true)
      result.problems.push(`${where}: ${kind} ${String(ref.name)} has no key ${key}`);
  }
  return result;
}
