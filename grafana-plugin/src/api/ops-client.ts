/**
 * The exporter's operator endpoints, reached through Grafana's plugin proxy (`/api/plugin-proxy/<app id>/…`),
 * which adds the operator token and the signed-in user: the browser never holds the token. `fetch` is passed in,
 * so the pages run the same code in Grafana, in the browser tests and (with a fake) in jest.
 */

export const CHAOS_MODES = ['outage', 'rate_limit', 'latency', 'duplicates'] as const;
export type ChaosMode = (typeof CHAOS_MODES)[number];
export const CHAOS_TARGETS = ['ingest', 'provider'] as const;
export type ChaosTarget = (typeof CHAOS_TARGETS)[number];
export const PROVIDERS = ['strava', 'garmin', 'apple_health', 'polar'] as const;
export type Provider = (typeof PROVIDERS)[number];

export interface ChaosFault {
  mode: ChaosMode;
  target: ChaosTarget;
  providers: Provider[];
  probability: number;
  delayMs: number;
  jitterMs: number;
  expiresAt: string;
  setBy: string;
}

export interface ChaosState {
  enabled: boolean;
  faults: ChaosFault[];
}

export interface FaultInput {
  target: ChaosTarget;
  providers?: Provider[];
  probability?: number;
  delayMs?: number;
  jitterMs?: number;
  ttlSeconds?: number;
}

export const INCIDENT_LEVELS = ['critical', 'error', 'warn'] as const;
export type IncidentLevel = (typeof INCIDENT_LEVELS)[number];
export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved', 'all'] as const;
export type IncidentStateFilter = (typeof INCIDENT_STATES)[number];

export interface Incident {
  id: number;
  message: string;
  level: IncidentLevel;
  source: string;
  fingerprint: string;
  startedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
}

export interface QuietUser {
  id: string;
  name: string;
  crew: string | null;
  daysInactive: number;
  lastActivityAt: string | null;
  lastNudgeAt: string | null;
  cooldownUntil: string | null;
}

export interface QuietUsersPage {
  users: QuietUser[];
  nextCursor: string | null;
}

/** An activity held as impossible for its kind (GET /api/ops/quarantine). */
export interface QuarantinedActivity {
  id: number;
  provider: Provider;
  externalId: string;
  userId: string;
  userName: string;
  type: string;
  category: 'run' | 'ride' | 'swim' | 'walk' | 'other';
  distanceM: number;
  movingTimeS: number | null;
  startDate: string;
  reason: string;
  heldSince: string;
}

export interface QuarantineQueue {
  total: number;
  activities: QuarantinedActivity[];
}

export type ReviewAction = 'approve' | 'reject';

export interface ReviewDecision {
  id: number;
  review: 'approved' | 'rejected';
  /** What the challenge total moved, in metres. */
  deltaM: number;
  reviewedBy: string;
}

export interface FieldError {
  field: string;
  message: string;
}

/**
 * A refused or failed call. `status` 0 means no answer at all. The exporter answers problem+json (`title`,
 * `detail`, `errors`); Grafana's proxy answers `{"message"}` (403 for a role that may not, 502 when the
 * exporter is unreachable); both end up here.
 */
export class OpsApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly fieldErrors: FieldError[],
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'OpsApiError';
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Reads any error answer into an OpsApiError, whoever wrote it. */
export function errorFromAnswer(
  status: number,
  statusText: string,
  body: unknown,
  retryAfter: string | null,
) {
  const b = record(body);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const title = str(b.title) ?? str(b.message) ?? `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  const errors = Array.isArray(b.errors)
    ? b.errors.map(record).map((e) => ({ field: String(e.field ?? ''), message: String(e.message ?? '') }))
    : [];
  const retry = typeof b.retryAfterSeconds === 'number' ? b.retryAfterSeconds : Number(retryAfter ?? NaN);
  const roleHint =
    status === 403 && str(b.message)?.includes('plugin proxy route access denied')
      ? 'your Grafana role may not do this'
      : undefined;
  return new OpsApiError(
    status,
    title,
    str(b.detail) ?? roleHint,
    errors,
    Number.isFinite(retry) ? retry : undefined,
  );
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface OpsClient {
  chaos(): Promise<ChaosState>;
  setFault(mode: ChaosMode, input: FaultInput): Promise<ChaosFault>;
  clearFault(mode: ChaosMode): Promise<{ cleared: ChaosFault | null }>;
  restoreCalm(): Promise<{ cleared: ChaosFault[] }>;
  incidents(state: IncidentStateFilter, limit: number): Promise<Incident[]>;
  acknowledge(id: number): Promise<Incident>;
  quietUsers(opts: { days?: number; limit?: number; cursor?: string }): Promise<QuietUsersPage>;
  nudge(userId: string, idempotencyKey: string): Promise<{ nudgeId: string }>;
  quarantine(limit: number): Promise<QuarantineQueue>;
  review(id: number, action: ReviewAction): Promise<ReviewDecision>;
}

/** `baseUrl`: Grafana's sub path (if any) + `/api/plugin-proxy/<app id>`. */
export function createOpsClient(opts: { baseUrl: string; fetch: FetchLike }): OpsClient {
  const base = opts.baseUrl.replace(/\/$/, '');

  async function call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) {
    let res: Response;
    try {
      res = await opts.fetch(`${base}/${path}`, {
        method,
        credentials: 'same-origin',
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new OpsApiError(0, 'Grafana did not answer', (err as Error).message, [], undefined);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = { detail: text.slice(0, 200) };
    }
    if (!res.ok) {
      throw errorFromAnswer(res.status, res.statusText, parsed, res.headers.get('retry-after'));
    }
    return parsed as T;
  }

  return {
    chaos: () => call<ChaosState>('GET', 'api/ops/chaos'),
    setFault: (mode, input) => call<ChaosFault>('PUT', `api/ops/chaos/${encodeURIComponent(mode)}`, input),
    clearFault: (mode) => call('DELETE', `api/ops/chaos/${encodeURIComponent(mode)}`),
    restoreCalm: () => call('POST', 'api/ops/chaos/restore'),
    incidents: async (state, limit) =>
      (await call<{ incidents: Incident[] }>('GET', `api/ops/incidents?state=${state}&limit=${limit}`))
        .incidents,
    acknowledge: (id) => call<Incident>('POST', `api/ops/incidents/${id}/acknowledge`),
    quietUsers: ({ days, limit, cursor }) => {
      const q = new URLSearchParams();
      if (days !== undefined) {
        q.set('days', String(days));
      }
      if (limit !== undefined) {
        q.set('limit', String(limit));
      }
      if (cursor) {
        q.set('cursor', cursor);
      }
      const query = q.toString();
      return call<QuietUsersPage>('GET', `api/ops/quiet-users${query ? `?${query}` : ''}`);
    },
    nudge: (userId, idempotencyKey) =>
      call<{ nudgeId: string }>(
        'POST',
        'api/ops/nudge',
        { userId, channel: 'email' },
        { 'Idempotency-Key': idempotencyKey },
      ),
    quarantine: (limit) => call<QuarantineQueue>('GET', `api/ops/quarantine?limit=${limit}`),
    review: (id, action) => call<ReviewDecision>('POST', `api/ops/quarantine/${id}/${action}`),
  };
}
