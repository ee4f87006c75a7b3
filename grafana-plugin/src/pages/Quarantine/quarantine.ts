import type { QuarantinedActivity } from '../../api/ops-client';

/** `1,609.3 km`, `842 m`: what an operator compares with the limit in the reason. */
export function formatDistance(meters: number): string {
  if (meters < 1000) {
    return `${Math.round(meters)} m`;
  }
  return `${(meters / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} km`;
}

/** `2h 05m`, `14m 30s`; `—` without a moving time. */
export function formatMovingTime(seconds: number | null): string {
  if (seconds === null) {
    return '—';
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`;
}

/** Average speed in km/h, one decimal; `—` without a moving time. */
export function formatSpeed(activity: Pick<QuarantinedActivity, 'distanceM' | 'movingTimeS'>): string {
  if (!activity.movingTimeS) {
    return '—';
  }
  return `${((activity.distanceM / activity.movingTimeS) * 3.6).toFixed(1)} km/h`;
}

/** What a decision did, in words: `Approved #12 (Ada): +1,609.3 km counted`. */
export function decisionText(
  activity: Pick<QuarantinedActivity, 'id' | 'userName'>,
  review: 'approved' | 'rejected',
  deltaM: number,
): string {
  return review === 'approved'
    ? `Approved #${activity.id} (${activity.userName}): +${formatDistance(deltaM)} counted`
    : `Rejected #${activity.id} (${activity.userName}): left out of every total`;
}
