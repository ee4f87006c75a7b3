import type { z } from 'zod';
import type { FieldError } from './problem.js';

type Issue = z.core.$ZodIssue;

/** `activities.0.summaryId`, as config errors name variables; the body itself is `(root)`. */
function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/**
 * One entry per bad field (an unknown key of a strict object is one too). A union (Garmin's ping-or-summary entries) reports the branch that came closest,
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
    // A strict object's stray key is named itself (a typo like `chanel`), not as the object holding it.
    if (issue.code === 'unrecognized_keys') {
      out.push(...issue.keys.map((key) => ({ field: fieldName([...path, key]), message: 'unknown field' })));
      continue;
    }
    out.push({ field: fieldName(path), message: issue.message });
  }
  return out;
}
