import { familyOf, type Exposition } from './metrics-exposition.js';
import { promqlReferences } from './promql-references.js';

/** Labels Prometheus adds to every scraped series (the target's). */
export const TARGET_LABELS = ['job', 'instance'] as const;

/**
 * The series a query may use: every sample name in the processes' real `/metrics` output with its label names
 * (plus the target labels), and series Prometheus makes itself (`up`, `ALERTS`, recording rules) with the label
 * names it reports for them.
 */
export interface MetricCatalog {
  exposition: Exposition;
  synthesized: Map<string, Set<string>>;
}

/** The label names of a series name, or why it cannot be queried. */
function labelsOf(catalog: MetricCatalog, name: string): Set<string> | string {
  const scraped = catalog.exposition.series.get(name);
  if (scraped) return new Set([...scraped, ...TARGET_LABELS]);
  const made = catalog.synthesized.get(name);
  if (made) return made;
  const type = catalog.exposition.types.get(name);
  if (type === 'histogram')
    return `${name} is a histogram: query ${name}_bucket, ${name}_sum or ${name}_count`;
  const family = familyOf(catalog.exposition, name);
  if (family)
    return `${name} is declared in /metrics (${family}) but has no samples, so its labels are unknown`;
  return `${name} is in no /metrics output nor among the series Prometheus makes`;
}

/** Everything in `expr` that names a series or label the catalog does not have; empty when all exist. */
export function referenceProblems(expr: string, catalog: MetricCatalog): string[] {
  const refs = promqlReferences(expr);
  const problems = refs.errors.map((e) => `not valid PromQL at ${e}`);
  for (const selector of refs.selectors) {
    if (selector.metric === undefined) {
      problems.push(`a selector names no metric (labels ${selector.labels.join(', ')})`);
      continue;
    }
    const labels = labelsOf(catalog, selector.metric);
    if (typeof labels === 'string') {
      problems.push(labels);
      continue;
    }
    for (const label of selector.labels) {
      if (!labels.has(label)) problems.push(`${selector.metric} has no label "${label}"`);
    }
  }
  for (const grouping of refs.groupings) {
    const available = new Set<string>();
    for (const selector of grouping.selectors) {
      const labels = selector.metric === undefined ? undefined : labelsOf(catalog, selector.metric);
      if (labels instanceof Set) for (const label of labels) available.add(label);
    }
    for (const label of grouping.labels) {
      if (!available.has(label)) {
        const metrics = grouping.selectors.map((s) => s.metric).join(', ');
        problems.push(`${grouping.clause}: label "${label}" is on none of ${metrics}`);
      }
    }
  }
  return problems;
}
