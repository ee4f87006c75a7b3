// The benchmark's table: each figure beside its target, PASS or MISS, and informational rows with no target.

const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const num = (n) => (Number.isFinite(n) ? fmt.format(n) : String(n));
export const ms = (n) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : 'n/a');
export const mb = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a');

/** A row; `pass` undefined means informational (no target). */
export function row(figure, measured, target = '', pass = undefined) {
  return { figure, measured, target, verdict: pass === undefined ? '' : pass ? 'PASS' : 'MISS' };
}

export function renderTable(rows) {
  const head = { figure: 'figure', measured: 'measured', target: 'target', verdict: 'verdict' };
  const cols = ['figure', 'measured', 'target', 'verdict'];
  const width = Object.fromEntries(
    cols.map((c) => [c, Math.max(...[head, ...rows].map((r) => r[c].length))]),
  );
  const line = (r) => `| ${cols.map((c) => r[c].padEnd(width[c])).join(' | ')} |`;
  const rule = `|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`;
  return [line(head), rule, ...rows.map(line)].join('\n');
}
