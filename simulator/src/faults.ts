import { z } from 'zod';
import type { Provider } from '@ops-cockpit/core';
import { FAULT_TARGETS } from './providers/registry.js';

/**
 * Run-time faults of the simulated provider APIs, set through the control endpoint so tests and demos can make
 * a provider slow or down: added latency, and a share of requests failing with a chosen status.
 */

/** A provider whose fake API the faults apply to (providers/registry.ts: FAULT_TARGETS, those with an API). */
export type FaultTarget = Provider;

/** Unknown keys are refused, so a typo (`latency`) is an error rather than a silent no-op. */
export const faultSettingsSchema = z.strictObject({
  /** Added before every answer, errors included. */
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  /** Added between an answer's headers and its body: the time to first byte stays, the transfer grows. */
  bodyDelayMs: z.number().int().min(0).max(60_000).default(0),
  /** Share of requests answered with `errorStatus`: 0 never, 1 always. */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.union([z.literal(500), z.literal(503), z.literal(429)]).default(503),
  /** Sent as `Retry-After` on injected errors when set. */
  retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
});
export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export const CALM: FaultSettings = Object.freeze({
  latencyMs: 0,
  bodyDelayMs: 0,
  errorRate: 0,
  errorStatus: 503,
});

export interface FieldError {
  field: string;
  message: string;
}

/** Parses a control body; on failure, one entry per bad or unknown field. */
export function parseFaultSettings(
  body: unknown,
): { ok: true; settings: FaultSettings } | { ok: false; errors: FieldError[] } {
  const result = faultSettingsSchema.safeParse(body);
  if (result.success) return { ok: true, settings: result.data };
  const errors = result.error.issues.flatMap((issue): FieldError[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: key, message: 'unknown field' }));
    }
    return [{ field: issue.path.join('.') || '(body)', message: issue.message }];
  });
  return { ok: false, errors };
}

export type FaultDecision =
  | { delayMs: number; bodyDelayMs: number; error?: undefined }
  | { delayMs: number; bodyDelayMs: number; error: { status: 500 | 503 | 429; retryAfterSeconds?: number } };

/** What to do with one request. `random` is a [0, 1) source: errorRate 1 always fails, 0 never does. */
export function decideFault(settings: FaultSettings, random: () => number): FaultDecision {
  const delayMs = settings.latencyMs;
  const { bodyDelayMs } = settings;
  if (settings.errorRate > 0 && random() < settings.errorRate) {
    return {
      delayMs,
      bodyDelayMs,
      error: {
        status: settings.errorStatus,
        ...(settings.retryAfterSeconds !== undefined
          ? { retryAfterSeconds: settings.retryAfterSeconds }
          : {}),
      },
    };
  }
  return { delayMs, bodyDelayMs };
}

/** The current settings of every target; `reset()` brings all back to calm. */
export class FaultControl {
  readonly #settings = new Map<FaultTarget, FaultSettings>();

  /** `targets`: the providers faults may be set for, those with a fake API. */
  constructor(readonly targets: readonly FaultTarget[] = FAULT_TARGETS) {}

  isTarget(value: string): value is FaultTarget {
    return (this.targets as readonly string[]).includes(value);
  }

  get(target: FaultTarget): FaultSettings {
    return this.#settings.get(target) ?? CALM;
  }

  /** What `settings` leaves out stays calm. */
  set(target: FaultTarget, settings: Partial<FaultSettings>): void {
    this.#settings.set(target, { ...CALM, ...settings });
  }

  reset(): void {
    this.#settings.clear();
  }

  snapshot(): Partial<Record<FaultTarget, FaultSettings>> {
    return Object.fromEntries(this.targets.map((t) => [t, this.get(t)]));
  }
}
