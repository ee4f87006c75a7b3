// Validation of rendered Kubernetes objects against the Kubernetes and Prometheus Operator OpenAPI schemas
// (npm kubernetes-models, @kubernetes-models/prometheus-operator). One entry per apiVersion/kind the manifests
// use: an object of any other kind is a problem, not silently passed.
import type { Mapping } from './files.js';

interface Validating {
  validate(): void;
}
type ModelClass = new (data: never) => Validating;

const MODELS: Record<string, () => Promise<ModelClass>> = {
  'v1/Namespace': async () => (await import('kubernetes-models/v1/Namespace')).Namespace,
  'v1/ConfigMap': async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap,
  'v1/Secret': async () => (await import('kubernetes-models/v1/Secret')).Secret,
  'v1/Service': async () => (await import('kubernetes-models/v1/Service')).Service,
  'apps/v1/Deployment': async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment,
  'apps/v1/StatefulSet': async () => (await import('kubernetes-models/apps/v1/StatefulSet')).StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': async () =>
    (await import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler')).HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': async () =>
    (await import('kubernetes-models/policy/v1/PodDisruptionBudget')).PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': async () =>
    (await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy')).NetworkPolicy,
  'networking.k8s.io/v1/Ingress': async () =>
    (await import('kubernetes-models/networking.k8s.io/v1/Ingress')).Ingress,
  'monitoring.coreos.com/v1/ServiceMonitor': async () =>
    (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'))
      .ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': async () =>
    (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'))
      .PrometheusRule,
  'monitoring.coreos.com/v1alpha1/AlertmanagerConfig': async () =>
    (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig'))
      .AlertmanagerConfig,
};

/** `Kind/name` of an object, for messages. */
export function describe(object: Mapping): string {
  const metadata = (object.metadata ?? {}) as Mapping;
  return `${String(object.kind)}/${String(metadata.name)}`;
}

/**
 * kustomize folds long base64 values of a Secret over several lines; the API server's decoder (Go's
 * encoding/base64) skips the line breaks, the schema's "byte" format does not. Compared as the server reads them.
 */
function asServerReads(object: Mapping): Mapping {
  if (object.kind !== 'Secret' || typeof object.data !== 'object' || object.data === null) return object;
  const data = Object.entries(object.data as Record<string, string>).map(([k, v]) => [
    k,
    v.replace(/[\r\n]/g, ''),
  ]);
  return { ...object, data: Object.fromEntries(data) };
}

/** Why each object fails its schema (one line per object), or an empty list. */
export async function schemaProblems(objects: Mapping[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    const load = MODELS[`${String(object.apiVersion)}/${String(object.kind)}`];
    if (load === undefined) {
      problems.push(`${describe(object)}: no schema for ${String(object.apiVersion)} ${String(object.kind)}`);
      continue;
    }
    const Model = await load();
    try {
      new Model(asServerReads(object) as never).validate();
    } catch (err) {
      problems.push(`${describe(object)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return problems;
}
