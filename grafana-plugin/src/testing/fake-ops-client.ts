import {
  OpsApiError,
  type ChaosFault,
  type ChaosMode,
  type ChaosState,
  type FaultInput,
  type Incident,
  type IncidentStateFilter,
  type OpsClient,
  type QuarantinedActivity,
  type QuietUser,
  type QuietUsersPage,
  type ReviewAction,
} from '../api/ops-client';
import { PROXY_ROUTES } from '../constants';
import type { OpsDeps } from '../components/ops/ops-context';
import type { OrgRole } from '../api/proxy-routes';
import { incidentState } from '../pages/Incidents/incidents';
import { fakeStreams } from './fake-event-source';

/**
 * An in-memory OpsClient for the pages' jest tests: it keeps the exporter's rules that the pages rely on (newest
 * first, the first acknowledgement stands, restore clears all), records every call, and fails a call on demand.
 * The real exporter behind the real proxy is exercised by the Chromium tests.
 */
export class FakeOpsClient implements OpsClient {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  chaosState: ChaosState = { enabled: true, faults: [] };
  incidentList: Incident[] = [];
  users: QuietUser[] = [];
  nextCursor: string | null = null;
  morePage: QuietUser[] = [];
  held: QuarantinedActivity[] = [];
  /** The next call of this method fails with this error (once). */
  private failures = new Map<keyof OpsClient, OpsApiError>();

  constructor(
    private readonly clock: () => number,
    private readonly actor = 'grace',
  ) {}

  failNext(method: keyof OpsClient, error: OpsApiError) {
    this.failures.set(method, error);
  }

  private record(method: keyof OpsClient, args: unknown[]) {
    this.calls.push({ method, args });
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
  }

  async chaos() {
    this.record('chaos', []);
    return JSON.parse(JSON.stringify(this.chaosState)) as ChaosState;
  }

  async setFault(mode: ChaosMode, input: FaultInput) {
    this.record('setFault', [mode, input]);
    const fault: ChaosFault = {
      mode,
      target: input.target,
      providers: input.providers ?? ['strava', 'garmin', 'apple_health', 'polar'],
      probability: input.probability ?? 100,
      delayMs: input.delayMs ?? 0,
      jitterMs: input.jitterMs ?? 0,
      expiresAt: new Date(this.clock() + (input.ttlSeconds ?? 300) * 1000).toISOString(),
      setBy: this.actor,
    };
    this.chaosState.faults = [...this.chaosState.faults.filter((f) => f.mode !== mode), fault];
    return fault;
  }

  async clearFault(mode: ChaosMode) {
    this.record('clearFault', [mode]);
    const cleared = this.chaosState.faults.find((f) => f.mode === mode) ?? null;
    this.chaosState.faults = this.chaosState.faults.filter((f) => f.mode !== mode);
    return { cleared };
  }

  async restoreCalm() {
    this.record('restoreCalm', []);
    const cleared = this.chaosState.faults;
    this.chaosState.faults = [];
    return { cleared };
  }

  async incidents(state: IncidentStateFilter, limit: number) {
    this.record('incidents', [state, limit]);
    return this.incidentList
      .filter((i) => state === 'all' || incidentState(i) === state)
      .sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))
      .slice(0, limit)
      .map((i) => ({ ...i }));
  }

  async acknowledge(id: number) {
    this.record('acknowledge', [id]);
    const incident = this.incidentList.find((i) => i.id === id);
    if (!incident) {
      throw new OpsApiError(404, 'Not found', `no incident ${id}`, [], undefined);
    }
    if (!incident.acknowledgedAt) {
      incident.acknowledgedAt = new Date(this.clock()).toISOString();
      incident.acknowledgedBy = this.actor;
    }
    return { ...incident };
  }

  async quietUsers(opts: { days?: number; limit?: number; cursor?: string }): Promise<QuietUsersPage> {
    this.record('quietUsers', [opts]);
    if (opts.cursor) {
      return { users: this.morePage.map((u) => ({ ...u })), nextCursor: null };
    }
    return { users: this.users.map((u) => ({ ...u })), nextCursor: this.nextCursor };
  }

  async nudge(userId: string, idempotencyKey: string) {
    this.record('nudge', [userId, idempotencyKey]);
    const user = this.users.find((u) => u.id === userId);
    if (!user) {
      throw new OpsApiError(404, 'Not found', `no user ${userId}`, [], undefined);
    }
    const at = new Date(this.clock());
    user.lastNudgeAt = at.toISOString();
    user.cooldownUntil = new Date(at.getTime() + 24 * 3600_000).toISOString();
    return { nudgeId: `nudge-${userId}` };
  }

  async quarantine(limit: number) {
    this.record('quarantine', [limit]);
    return { total: this.held.length, activities: this.held.slice(0, limit).map((a) => ({ ...a })) };
  }

  async review(id: number, action: ReviewAction) {
    this.record('review', [id, action]);
    const activity = this.held.find((a) => a.id === id);
    if (!activity) {
      throw new OpsApiError(
        409,
        'Conflict',
        `activity ${id} is not awaiting review (approved)`,
        [],
        undefined,
      );
    }
    this.held = this.held.filter((a) => a.id !== id);
    return {
      id,
      review: action === 'approve' ? ('approved' as const) : ('rejected' as const),
      deltaM: action === 'approve' ? activity.distanceM : 0,
      reviewedBy: this.actor,
    };
  }
}

export function heldActivity(
  id: number,
  distanceM: number,
  movingTimeS: number | null,
  extra: Partial<QuarantinedActivity> = {},
): QuarantinedActivity {
  return {
    id,
    provider: 'garmin',
    externalId: `ext-${id}`,
    userId: `user-${id}`,
    userName: `User ${id}`,
    type: 'RUNNING',
    category: 'run',
    distanceM,
    movingTimeS,
    startDate: '2026-11-26T07:00:00.000Z',
    reason: 'run: distance 1609.344 km over 350 km',
    heldSince: '2026-11-26T08:00:00.000Z',
    ...extra,
  };
}

export function incident(
  id: number,
  minutesAgo: number,
  now: number,
  extra: Partial<Incident> = {},
): Incident {
  return {
    id,
    message: `incident ${id}`,
    level: 'warn',
    source: 'alertmanager',
    fingerprint: `fp${id}`,
    startedAt: new Date(now - minutesAgo * 60_000).toISOString(),
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    ...extra,
  };
}

export function quietUser(
  id: string,
  name: string,
  daysInactive: number,
  extra: Partial<QuietUser> = {},
): QuietUser {
  return {
    id,
    name,
    crew: null,
    daysInactive,
    lastActivityAt: null,
    lastNudgeAt: null,
    cooldownUntil: null,
    ...extra,
  };
}

/** Page dependencies around a fake client; the role decides which controls show, as the proxy's routes say. */
export function fakeDeps(
  client: OpsClient,
  role: OrgRole,
  now: () => number,
  openStream: OpsDeps['openStream'] = fakeStreams().open,
): OpsDeps {
  let n = 0;
  return {
    client,
    role,
    routes: PROXY_ROUTES,
    now,
    newId: () => `key-${++n}`,
    pollMs: { chaos: 1000, incidents: 1000, quiet: 1000, quarantine: 1000 },
    openStream,
  };
}
