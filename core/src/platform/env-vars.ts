import { z } from 'zod';
import { parseWindowFigures, type WindowFigures } from '../contracts/rate-budget.js';

/**
 * Zod schemas for single environment variables. Each takes the raw string (or undefined), treats an empty
 * string as unset so `VAR=` in a compose file falls back to the default, and fails with a message of the form
 * `expected …, got "…"` that config.ts prefixes with the variable name.
 */

type Raw = string | undefined;

function unset(raw: Raw): raw is undefined | '' {
  return raw === undefined || raw.trim() === '';
}

function shown(raw: string): string {
  return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);
}

export function intVar(def: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): number => {
      if (unset(raw)) return def;
      const text = raw.trim();
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer ${min}-${max}, got ${shown(raw)}` });
        return z.NEVER;
      }
      return n;
    });
}

export function numberVar(def: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): number => {
      if (unset(raw)) return def;
      const n = Number(raw.trim());
      if (!Number.isFinite(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected a number ${min}-${max}, got ${shown(raw)}` });
        return z.NEVER;
      }
      return n;
    });
}

/**
 * Days to keep something: 0 (keep forever) or a whole number from `floor.days` to `max`. Below the floor the
 * message says why the floor is there, so whoever set a shorter retention learns what it would break.
 */
export function retentionDaysVar(def: number, floor: { days: number; because?: string }, max: number) {
  const why = floor.because ? ` (${floor.because})` : '';
  return intVar(def, 0, max).superRefine((days, ctx) => {
    if (days !== 0 && days < floor.days) {
      ctx.addIssue({
        code: 'custom',
        message: `expected 0 (keep forever) or ${floor.days}-${max} days${why}, got ${days}`,
      });
    }
  });
}

export function boolVar(def: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): boolean => {
      if (unset(raw)) return def;
      const text = raw.trim().toLowerCase();
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false, got ${shown(raw)}` });
      return z.NEVER;
    });
}

export function enumVar<const T extends readonly [string, ...string[]]>(def: T[number], values: T) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): T[number] => {
      if (unset(raw)) return def;
      const text = raw.trim();
      if ((values as readonly string[]).includes(text)) return text as T[number];
      ctx.addIssue({ code: 'custom', message: `expected one of ${values.join(', ')}, got ${shown(raw)}` });
      return z.NEVER;
    });
}

/**
 * A URL with one of the given protocols. `secret` hides the value in the message, since connection URLs may
 * carry a password.
 */
export function urlVar(
  def: string | undefined,
  protocols: readonly string[],
  opts: { secret?: boolean } = {},
) {
  const expected = `a ${protocols.map((p) => `${p}//`).join(' or ')} URL`;
  return z
    .string()
    .optional()
    .transform((raw, ctx): string | undefined => {
      if (unset(raw)) return def;
      const text = raw.trim();
      let ok: boolean;
      try {
        ok = protocols.includes(new URL(text).protocol);
      } catch {
        ok = false;
      }
      if (!ok) {
        const got = opts.secret ? 'a value that does not parse (hidden: it may hold a password)' : shown(raw);
        ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${got}` });
        return z.NEVER;
      }
      return text;
    });
}

export function patternVar(
  def: string,
  pattern: RegExp,
  description: string,
  opts: { secret?: boolean } = {},
) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): string => {
      if (unset(raw)) return def;
      const text = raw.trim();
      if (pattern.test(text)) return text;
      const got = opts.secret ? `a value that does not match (hidden: it holds secrets)` : shown(raw);
      ctx.addIssue({ code: 'custom', message: `expected ${description}, got ${got}` });
      return z.NEVER;
    });
}

/** An optional free-form string; `required` turns an unset value into an error. */
export function stringVar(opts: { required?: boolean; minLength?: number } = {}) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): string | undefined => {
      if (unset(raw)) {
        if (opts.required) {
          ctx.addIssue({ code: 'custom', message: 'required but not set' });
          return z.NEVER;
        }
        return undefined;
      }
      if (opts.minLength !== undefined && raw.length < opts.minLength) {
        ctx.addIssue({
          code: 'custom',
          message: `expected at least ${opts.minLength} characters, got ${raw.length}`,
        });
        return z.NEVER;
      }
      return raw;
    });
}

/** `scheme://host[:port]` over http or https, written as URL writes its origin (no path, no trailing slash). */
function isExactOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return ['http:', 'https:'].includes(url.protocol) && url.origin === text;
  } catch {
    return false;
  }
}

/**
 * A comma-separated list of exact web origins (`scheme://host[:port]`, no path), as browsers send them in
 * `Origin`. Empty (the default) is an empty list. A wildcard is refused on purpose: CORS here is an allow-list.
 */
export function originListVar() {
  return z
    .string()
    .optional()
    .transform((raw, ctx): string[] => {
      if (unset(raw)) return [];
      const origins = raw.split(',').map((part) => part.trim());
      const bad = origins.find((origin) => !isExactOrigin(origin));
      if (bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected comma-separated origins like https://app.example.com (no path or trailing slash), got ${shown(bad)}`,
        });
        return z.NEVER;
      }
      return [...new Set(origins)];
    });
}

const HOST_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * A comma-separated allow-list of outbound hosts. Each entry is a bare host name (`apis.garmin.com`: https on
 * 443, and only at public addresses) or an exact origin (`http://simulator:9400`: that scheme, host and port, at
 * whatever address it resolves to, because the operator named it). Empty is an empty list.
 */
export function hostListVar(def: string) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): string[] => {
      const text = unset(raw) ? def : raw;
      const entries = text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
      const bad = entries.find((entry) =>
        entry.includes('://') ? !isExactOrigin(entry) : !HOST_NAME.test(entry),
      );
      if (bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected host names like api.example.com or origins like https://api.example.com:8443, got ${shown(bad)}`,
        });
        return z.NEVER;
      }
      return [...new Set(entries.map((e) => (e.includes('://') ? e : e.toLowerCase())))];
    });
}

/**
 * Redis Cluster seed nodes, `host:port,host:port,…` (IPv6 in brackets: `[::1]:7000`); unset or empty: none (one
 * Redis at REDIS_URL).
 */
export function redisNodesVar() {
  return z
    .string()
    .optional()
    .transform((raw, ctx): { host: string; port: number }[] => {
      if (unset(raw)) return [];
      const nodes: { host: string; port: number }[] = [];
      for (const part of raw.split(',').map((p) => p.trim())) {
        const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253}):(\d{1,5})$/.exec(part);
        const port = Number(m?.[2]);
        if (!m || port < 1 || port > 65535) {
          ctx.addIssue({ code: 'custom', message: `expected host:port,host:port,…, got ${shown(part)}` });
          return z.NEVER;
        }
        nodes.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port });
      }
      return nodes;
    });
}

/**
 * A rate limit per 15-minute and daily window, `<15-minute>,<daily>` (Strava's header format), or `off`; `def`
 * when unset (undefined: not limited).
 */
export function windowLimitsVar(def: WindowFigures | undefined) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): WindowFigures | undefined => {
      if (unset(raw)) return def;
      if (raw.trim() === 'off') return undefined;
      const figures = parseWindowFigures(raw);
      if (figures && figures['15m'] >= 1 && figures.day >= figures['15m']) return figures;
      ctx.addIssue({
        code: 'custom',
        message: `expected "<15-minute>,<daily>" (whole numbers, daily at least the 15-minute one) or off, got ${shown(raw)}`,
      });
      return z.NEVER;
    });
}
