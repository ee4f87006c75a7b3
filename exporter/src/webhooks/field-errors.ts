import type { z } from 'zod';
import type { FieldError } from '../problem.js';

type Issue = z.core.$ZodIssue;

/** `activities.0.summaryId`, as config errors name variables; the body itself is `(root)`. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/**
 * One entry per bad field. A union (Garmin's ping-or-summary entries) reports the branch that came closest,
 * i.e. with the fewest issues, so the client reads "summaryId is required" rather than "invalid input".
 */
export function fieldErrors(issues: readonly Issue[], base: readonly PropertyKey[] = []): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = issue.errors.reduce((best, branch) => (branch.length < best.length ? branch : best));
      out.push(...fieldErrors(closest, path));
      continue;
    }
    out.push({ field: fieldName(path), message: issue.message });
  }
  return out;
}
