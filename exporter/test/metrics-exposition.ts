/**
 * The series names and label names a Prometheus text exposition (a real `/metrics` answer) holds. Only what
 * the dashboard check needs: `# TYPE` lines and sample lines; label values may hold escaped quotes and commas.
 */

export interface Exposition {
  /** Family name → type, from `# TYPE` lines (a histogram `x` has samples `x_bucket`, `x_sum`, `x_count`). */
  types: Map<string, string>;
  /** Sample name → every label name seen on its samples. */
  series: Map<string, Set<string>>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+\S+(?:\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** One sample line: its name and label values (escapes kept as written). */
export interface Sample {
  name: string;
  labels: Record<string, string>;
}

export function parseSample(line: string): Sample {
  const match = SAMPLE.exec(line);
  if (!match) throw new Error(`not an exposition sample line: ${line}`);
  const [, name = '', labelText = ''] = match;
  const labels: Record<string, string> = {};
  for (const [, label, value] of labelText.matchAll(LABEL)) labels[label!] = value!;
  return { name, labels };
}

/** Every sample of an exposition, comments left out. */
export function samplesOf(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map(parseSample);
}

export function parseExposition(text: string): Exposition {
  const result: Exposition = { types: new Map(), series: new Map() };
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (name && type) result.types.set(name, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSample(line);
    const labels = result.series.get(sample.name) ?? new Set<string>();
    for (const label of Object.keys(sample.labels)) labels.add(label);
    result.series.set(sample.name, labels);
  }
  return result;
}

/** Several processes' expositions as one: Prometheus sees them all. */
export function mergeExpositions(expositions: Exposition[]): Exposition {
  const merged: Exposition = { types: new Map(), series: new Map() };
  for (const { types, series } of expositions) {
    for (const [name, type] of types) merged.types.set(name, type);
    for (const [name, labels] of series) {
      merged.series.set(name, new Set([...(merged.series.get(name) ?? []), ...labels]));
    }
  }
  return merged;
}

/** The family a sample name belongs to: `x_bucket` → histogram `x`; a plain name → itself. */
export function familyOf(exposition: Exposition, sample: string): string | undefined {
  if (exposition.types.has(sample)) return sample;
  const match = /^(.*)_(bucket|sum|count)$/.exec(sample);
  const family = match?.[1];
  const type = family === undefined ? undefined : exposition.types.get(family);
  if (type === 'histogram' || (type === 'summary' && match?.[2] !== 'bucket')) return family;
  return undefined;
}
