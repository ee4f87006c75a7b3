import type { Provider } from './providers.js';
import type { StravaEvent } from '../providers/strava.js';
import type { GarminActivity, GarminPing } from '../providers/garmin.js';
import type { AppleWorkout } from '../providers/apple-health.js';
import type { PolarExerciseNotice } from '../providers/polar.js';

/** Consumer group of the `ingest` stream; every worker replica joins it. */
export const INGEST_GROUP = 'ingest-workers';

/** Field of each stream entry holding the JSON envelope. */
export const INGEST_FIELD = 'e';

/** Default of INGEST_DEDUP_SECONDS: how long a delivery's identity is remembered for deduplication. */
export const DEDUP_TTL_SECONDS = 24 * 60 * 60;

/**
 * The extension point of the ingest stream: per provider, the kinds of entry its webhook appends and the body of
 * each kind, already validated by the exporter. A new provider adds one member here; the envelope union, the
 * exporter's and the worker's adapters follow from it.
 */
export interface IngestBodies {
  strava: { strava_event: StravaEvent };
  /** `garmin_activity` carries a summary inline; `garmin_ping` a callback URL the worker fetches. */
  garmin: { garmin_activity: GarminActivity; garmin_ping: GarminPing };
  apple_health: { apple_workout: AppleWorkout };
  /** An EXERCISE notice without its `url`: the worker fetches the exercise from POLAR_API_URL only. */
  polar: { polar_exercise: PolarExerciseNotice };
}

interface EnvelopeBase<P extends Provider> {
  provider: P;
  /** Provider-level identity of the event, the deduplication key. */
  eventId: string;
  /** When the exporter accepted it (ISO 8601). */
  receivedAt: string;
}

/** One kind of entry of provider P (indexing IngestBodies by every Provider: a provider missing there fails here). */
type EnvelopeOf<P extends Provider> = {
  [K in keyof IngestBodies[P]]: EnvelopeBase<P> & { kind: K; body: IngestBodies[P][K] };
}[keyof IngestBodies[P]];

/**
 * One unit of work on the ingest stream: the exporter appends one per Strava event, per Garmin entry and per
 * Apple workout, already validated, so the worker never re-validates provider input. `IngestEnvelope<'garmin'>`
 * is Garmin's alone.
 */
export type IngestEnvelope<P extends Provider = Provider> = { [Q in P]: EnvelopeOf<Q> }[P];

export type IngestKind = IngestEnvelope['kind'];
