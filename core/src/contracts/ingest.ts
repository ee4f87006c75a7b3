import type { Provider } from './providers.js';
import type { StravaEvent } from '../providers/strava.js';
import type { GarminActivity, GarminPing } from '../providers/garmin.js';
import type { AppleWorkout } from '../providers/apple-health.js';

/** Consumer group of the `ingest` stream; every worker replica joins it. */
export const INGEST_GROUP = 'ingest-workers';

/** Field of each stream entry holding the JSON envelope. */
export const INGEST_FIELD = 'e';

/** How long a delivery's identity is remembered for deduplication. */
export const DEDUP_TTL_SECONDS = 24 * 60 * 60;

interface EnvelopeBase<P extends Provider> {
  provider: P;
  /** Provider-level identity of the event, the deduplication key. */
  eventId: string;
  /** When the exporter accepted it (ISO 8601). */
  receivedAt: string;
}

/**
 * One unit of work on the ingest stream: the exporter appends one per Strava event, per Garmin entry and per
 * Apple workout, already validated, so the worker never re-validates provider input.
 */
export type IngestEnvelope =
  | (EnvelopeBase<'strava'> & { kind: 'strava_event'; body: StravaEvent })
  | (EnvelopeBase<'garmin'> & { kind: 'garmin_activity'; body: GarminActivity })
  | (EnvelopeBase<'garmin'> & { kind: 'garmin_ping'; body: GarminPing })
  | (EnvelopeBase<'apple_health'> & { kind: 'apple_workout'; body: AppleWorkout });

export type IngestKind = IngestEnvelope['kind'];
