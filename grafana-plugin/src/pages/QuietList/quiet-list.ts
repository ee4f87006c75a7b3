import type { QuietUser } from '../../api/ops-client';
import { formatAge } from '../Incidents/incidents';

/** Milliseconds of cooldown left for a user at `nowMs`; 0 when a nudge may be sent. */
export function cooldownLeftMs(user: QuietUser, nowMs: number): number {
  return user.cooldownUntil ? Math.max(0, Date.parse(user.cooldownUntil) - nowMs) : 0;
}

/** `23h 59m`, `4m 05s`, `12s`: precise enough to know when to come back. */
export function formatCooldown(ms: number): string {
  const s = Math.ceil(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) {
    return `${h}h ${String(m).padStart(2, '0')}m`;
  }
  return m > 0 ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function lastNudgeText(user: QuietUser, nowMs: number): string {
  return user.lastNudgeAt ? `${formatAge(user.lastNudgeAt, nowMs)} ago` : 'never';
}

/** A refused nudge still tells when it may be sent: the cooldown a 409 names is applied to the card. */
export function withCooldown(user: QuietUser, retryAfterSeconds: number, nowMs: number): QuietUser {
  return { ...user, cooldownUntil: new Date(nowMs + retryAfterSeconds * 1000).toISOString() };
}

/** Pages appended by "Load more" never show a user twice (a user can move between pages while browsing). */
export function appendPage(users: readonly QuietUser[], page: readonly QuietUser[]): QuietUser[] {
  const seen = new Set(users.map((u) => u.id));
  return [...users, ...page.filter((u) => !seen.has(u.id))];
}
