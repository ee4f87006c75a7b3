import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/**
 * What a PromQL expression refers to, read from the syntax tree of Prometheus's own grammar (the one its web UI
 * uses), so `sum by (le)`, label matchers, quoted names and nested calls are found exactly, not by pattern.
 */

/** One vector or range selector: `name{label="v"}` or `{__name__="name", label="v"}`. */
export interface SelectorReference {
  /** The metric name, or undefined when the selector names none (matches by labels only). */
  metric: string | undefined;
  /** Label names the selector matches on, `__name__` left out. */
  labels: string[];
}

/** Labels named by `by (…)`, `without (…)`, `on (…)`, `ignoring (…)` or `group_left/right (…)`. */
export interface GroupingReference {
  clause: string;
  labels: string[];
  /** The selectors inside the aggregation or binary expression the clause applies to. */
  selectors: SelectorReference[];
}

export interface PromqlReferences {
  selectors: SelectorReference[];
  groupings: GroupingReference[];
  /** Parse errors as `offset N: "text"`; empty when the expression is valid PromQL. */
  errors: string[];
}

/** A string literal's value (PromQL accepts "…", '…' and `…`; escapes are left as they are). */
function literal(text: string): string {
  return text.slice(1, -1);
}

function selectorOf(node: SyntaxNode, source: string): SelectorReference {
  const text = (n: SyntaxNode) => source.slice(n.from, n.to);
  let metric: string | undefined;
  const labels: string[] = [];
  const identifier = node.getChild('Identifier');
  if (identifier) metric = text(identifier);
  const matchers = node.getChild('LabelMatchers');
  for (let child = matchers?.firstChild ?? null; child; child = child.nextSibling) {
    if (child.name === 'QuotedLabelName') {
      // `{"metric.name"}`: a bare quoted string in braces is the metric name.
      metric = literal(text(child));
    } else if (child.name === 'UnquotedLabelMatcher' || child.name === 'QuotedLabelMatcher') {
      const nameNode = child.getChild('LabelName') ?? child.getChild('QuotedLabelName');
      if (!nameNode) continue;
      const name = nameNode.name === 'QuotedLabelName' ? literal(text(nameNode)) : text(nameNode);
      const op = child.getChild('MatchOp');
      const value = child.getChild('StringLiteral');
      if (name === '__name__' && op && text(op) === '=' && value) metric = literal(text(value));
      else if (name !== '__name__') labels.push(name);
    }
  }
  return { metric, labels };
}

function selectorsWithin(node: SyntaxNode, source: string): SelectorReference[] {
  if (node.name === 'VectorSelector') return [selectorOf(node, source)];
  const found: SelectorReference[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling)
    found.push(...selectorsWithin(child, source));
  return found;
}

function labelNames(node: SyntaxNode | null, source: string): string[] {
  const names: string[] = [];
  for (let child = node?.firstChild ?? null; child; child = child.nextSibling) {
    if (child.name === 'LabelName') names.push(source.slice(child.from, child.to));
    if (child.name === 'QuotedLabelName') names.push(literal(source.slice(child.from, child.to)));
  }
  return names;
}

export function promqlReferences(expr: string): PromqlReferences {
  const tree = parser.parse(expr);
  const result: PromqlReferences = { selectors: [], groupings: [], errors: [] };
  tree.iterate({
    enter: (ref) => {
      const node = ref.node;
      if (ref.type.isError) {
        result.errors.push(`offset ${ref.from}: "${expr.slice(Math.max(0, ref.from - 20), ref.to + 20)}"`);
      } else if (ref.name === 'VectorSelector') {
        result.selectors.push(selectorOf(node, expr));
      } else if (ref.name === 'AggregateModifier') {
        // `sum by (a) (x)` or `sum (x) by (a)`: the modifier's parent is the aggregation.
        const aggregation = node.parent!;
        result.groupings.push({
          clause: expr.slice(ref.from, ref.to),
          labels: labelNames(node.getChild('GroupingLabels'), expr),
          selectors: selectorsWithin(aggregation, expr),
        });
      } else if (ref.name === 'MatchingModifierClause') {
        const binary = node.parent!;
        const labels = node.getChildren('GroupingLabels').flatMap((grouping) => labelNames(grouping, expr));
        result.groupings.push({
          clause: expr.slice(ref.from, ref.to),
          labels,
          selectors: selectorsWithin(binary, expr),
        });
      }
    },
  });
  return result;
}
