/**
 * The HTTP statuses a probe counts as success, from PROBE_EXPECTED_STATUSES (`200-299,304`: codes and ranges,
 * comma-separated). The config schema checks the shape; this checks what a pattern cannot (range order, 100-599).
 */
export type StatusSet = (status: number) => boolean;

export function parseExpectedStatuses(spec: string): StatusSet {
  const ranges = spec.split(',').map((part): [number, number] => {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(part.trim());
    if (!m) throw new Error(`expected statuses: "${part}" is not a code or a range like 200-299`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 100 || to > 599 || from > to) {
      throw new Error(`expected statuses: "${part}" is not a range within 100-599`);
    }
    return [from, to];
  });
  return (status) => ranges.some(([from, to]) => status >= from && status <= to);
}
