import type { IngestEnvelope } from '@ops-cockpit/core';
import type { RejectReason } from '../metrics.js';

/** One envelope to append, with the labels it is counted under in `ops_webhook_events_total`. */
export interface DeliveryItem {
  envelope: IngestEnvelope;
  objectType: string;
  aspectType: string;
}

/** What a valid delivery turns into: the envelopes to append and how many entries were dropped, and why. */
export interface Delivery {
  items: DeliveryItem[];
  /** Entries dropped from the delivery (an unlinked user; an event of another subscription). */
  rejected?: { reason: RejectReason; count: number };
  /**
   * The detail of the 403 when no item is left to append. Without it an empty delivery is acknowledged (200)
   * and appends nothing, as for a provider's ping that carries no data.
   */
  refusal?: string;
}
