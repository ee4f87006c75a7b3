import type { IncomingHttpHeaders } from 'node:http';
import type { Provider, Secret } from '@ops-cockpit/core';
import type { Delivery } from './delivery.js';
import type { LinkedAccounts } from './linked-accounts.js';
import type { RejectReason } from '../metrics.js';

/** The webhook settings, each read by the adapter it concerns (validated by core's config). */
export interface WebhookSettings {
  /** STRAVA_VERIFY_TOKEN; unset answers every handshake 403. */
  stravaVerifyToken: Secret | undefined;
  /** STRAVA_SUBSCRIPTION_ID; 0 accepts events of any subscription. */
  stravaSubscriptionId: number;
  /** APPLE_HEALTH_WEBHOOK_SECRET; unset refuses Apple Health deliveries (403). */
  appleHealthSecret: Secret | undefined;
  /** POLAR_WEBHOOK_SECRET, Polar's `signature_secret_key`; unset refuses exercises (403), not the creation PING. */
  polarSecret: Secret | undefined;
  /** GARMIN_WEBHOOK_TOKEN, STRAVA_WEBHOOK_TOKEN: the `?token=` of the callback URL registered with each. */
  garminWebhookToken: Secret | undefined;
  stravaWebhookToken: Secret | undefined;
  /** WEBHOOK_TOKENS_REQUIRED: false (the local demo only) lets a provider whose token is unset through. */
  webhookTokensRequired: boolean;
  /** INGEST_STREAM_MAXLEN, the approximate trim of the ingest stream. */
  ingestStreamMaxlen: number;
  /** INGEST_DEDUP_SECONDS, the life of an accepted event's dedup marker. */
  ingestDedupSeconds: number;
  /** INGEST_MIN_REPLICAS and INGEST_REPLICA_TIMEOUT_MS: replicas to confirm an append before its 2xx. */
  ingestMinReplicas: number;
  ingestReplicaTimeoutMs: number;
}

/** What an adapter reads besides the request: built once per handler, passed by reference (no per-request cost). */
export interface WebhookContext {
  settings: WebhookSettings;
  /** The linked accounts of every provider whose adapter sets `linkedAccounts` (it does not sign its calls). */
  linkedAccounts: LinkedAccounts;
}

/**
 * One provider's webhook, as the lean receiving path runs it: the handler does the generic work (method, Spike
 * Lab, media type, body limit, JSON, append, counters, answer) and asks the adapter only what is the provider's.
 * A plain object of functions, so the hot path allocates nothing for it.
 */
export interface WebhookAdapter<P extends Provider = Provider> {
  readonly provider: P;
  /** Where it is served, `/api/webhooks/<name>`. */
  readonly path: string;
  /** Methods served: POST carries deliveries; GET only with a `handshake`. */
  readonly methods: readonly ('GET' | 'POST')[];
  /** Unsigned deliveries are trusted only for users linked to this provider (see linked-accounts.ts). */
  readonly linkedAccounts?: true;
  /** Every (object_type, aspect_type) an accepted event can be counted under: pre-set to 0 so rates start at once. */
  readonly eventLabels: readonly (readonly [objectType: string, aspectType: string])[];
  /** The `reason` label values its deliveries may drop entries for, pre-set to 0 likewise. */
  readonly rejectReasons: readonly RejectReason[];
  /** A GET on the path (Strava's subscription check): the JSON body of the 200; throws HttpProblem otherwise. */
  handshake?(query: URLSearchParams, ctx: WebhookContext): unknown;
  /**
   * For a provider that signs nothing: the secret its callback URL carries as `?token=`, and the variable that
   * sets it. Checked, in constant time, before anything else of a POST.
   */
  urlToken?(ctx: WebhookContext): { secret: Secret | undefined; variable: string };
  /** Why every delivery is refused (403) before its body is read (a signing secret unset), or undefined. */
  refusal?(ctx: WebhookContext): string | undefined;
  /** Checks the raw body against its signature, before it is parsed; throws HttpProblem (401) when it fails. */
  verify?(headers: IncomingHttpHeaders, body: Buffer, nowMs: number, ctx: WebhookContext): void;
  /**
   * The parsed body as envelopes to append (validated, with event ids for deduplication) and the entries dropped.
   * Throws HttpProblem: 422 naming the bad fields, 503 when it cannot decide yet. A promise only when it must wait.
   */
  deliver(body: unknown, receivedAt: string, ctx: WebhookContext): Delivery | Promise<Delivery>;
  /** The JSON text of the 200 for a delivery of `appended` new and `duplicates` repeated entries. */
  accepted(appended: number, duplicates: number): string;
}

/** The answer most providers take: how many entries were appended and how many were repeats. */
export function countedAnswer(appended: number, duplicates: number): string {
  return `{"accepted":${appended},"duplicates":${duplicates}}`;
}
