/**
 * Wall-clock arithmetic in IANA zones with Intl alone: providers report both the UTC instant and the local time
 * an activity started, and the heatmap's shape lives in local time.
 */

export interface WallClock {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function wallClockAt(timeZone: string, utcMs: number): WallClock {
  const parts = formatterFor(timeZone).formatToParts(new Date(utcMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

function wallClockAsUtcMs(w: WallClock): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** Local time minus UTC, in seconds, at an instant (e.g. -28800 for Los Angeles in winter). */
export function offsetSecondsAt(timeZone: string, utcMs: number): number {
  const wholeSecond = Math.floor(utcMs / 1000) * 1000;
  return (wallClockAsUtcMs(wallClockAt(timeZone, wholeSecond)) - wholeSecond) / 1000;
}

/**
 * The instant a wall-clock time names in a zone. In a spring-forward gap the time does not exist and this
 * lands an hour off, which demo data can live with.
 */
export function wallClockToUtcMs(timeZone: string, w: WallClock): number {
  const naive = wallClockAsUtcMs(w);
  let utc = naive - offsetSecondsAt(timeZone, naive) * 1000;
  // A second pass settles the offset when the first guess fell on the other side of a DST change.
  utc = naive - offsetSecondsAt(timeZone, utc) * 1000;
  return utc;
}

function pad(n: number, width = 2): string {
  return String(Math.abs(n)).padStart(width, '0');
}

/** `YYYY-MM-DDTHH:MM:SS` of an instant seen from a fixed offset. */
export function localIso(utcMs: number, offsetSeconds: number): string {
  return new Date(Math.floor(utcMs / 1000) * 1000 + offsetSeconds * 1000).toISOString().slice(0, 19);
}

/** `+HH:MM` / `-HH:MM`. */
export function offsetLabel(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const minutes = Math.abs(offsetSeconds) / 60;
  return `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** RFC 3339 with the local offset, as HealthKit-based clients write it: `2026-11-20T07:15:00-08:00`. */
export function isoWithOffset(utcMs: number, offsetSeconds: number): string {
  return `${localIso(utcMs, offsetSeconds)}${offsetLabel(offsetSeconds)}`;
}

/** Strava's `timezone` field: `(GMT-08:00) America/Los_Angeles`. */
export function stravaTimezone(timeZone: string, utcMs: number): string {
  return `(GMT${offsetLabel(offsetSecondsAt(timeZone, utcMs))}) ${timeZone}`;
}
