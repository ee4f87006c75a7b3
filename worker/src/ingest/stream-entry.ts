import { isProvider, type IngestEnvelope } from '@ops-cockpit/core';

/** The value of `name` in a stream entry's flat field list. */
export function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** The envelope a stream entry carries, or undefined when it is not one (it is dead-lettered as unparseable). */
export function parseEnvelope(raw: string | undefined): IngestEnvelope | undefined {
  if (!raw) return undefined;
  try {
    const env = JSON.parse(raw) as IngestEnvelope;
    return isProvider(env.provider) && typeof env.kind === 'string' && env.body ? env : undefined;
  } catch {
    return undefined;
  }
}
