import type { Provider } from './providers.js';

/** Consumer group of the `ingest` stream; every worker replica joins it. */
export const INGEST_GROUP = 'ingest-workers';

/**
 * One accepted webhook delivery as appended to the ingest stream. `body` is the provider's JSON exactly as
 * received (already validated), so the worker can re-derive anything it needs.
 */
export interface IngestEnvelope {
  provider: Provider;
  /** Provider-level identity of the event, used for deduplication. */
  eventId: string;
  /** When the exporter accepted it (ISO 8601). */
  receivedAt: string;
  body: unknown;
}
