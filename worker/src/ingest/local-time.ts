/** `YYYY-MM-DDTHH:MM:SS` of an instant as seen from a fixed UTC offset. */
export function localTimeAtOffset(epochSeconds: number, offsetSeconds: number): string {
  return new Date((epochSeconds + offsetSeconds) * 1000).toISOString().slice(0, 19);
}

/** `YYYY-MM-DDTHH:MM:SS` of an instant in an IANA zone; undefined when the zone is unknown. */
export function localTimeInZone(instant: Date, timeZone: string): string | undefined {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(instant);
  } catch {
    return undefined;
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}
