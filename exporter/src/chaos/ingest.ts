import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosDecision, ChaosFlags } from '@ops-cockpit/core';
import type { Counter } from 'prom-client';
import { HttpProblem } from '../http/problem.js';
import type { WebhookAdapter } from '../webhooks/adapter.js';

/** An injected 503 or 429, with the Retry-After the fault asks for. */
export class InjectedFault extends HttpProblem {
  constructor(
    readonly retryAfterSeconds: number,
    type: 'dependency-unavailable' | 'rate-limited',
  ) {
    super(
      type,
      `injected by Spike Lab (${type === 'rate-limited' ? 'rate_limit' : 'outage'}); retry later`,
      {},
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}

/** The webhook path's receiving step (a POST on a provider's path); `duplicate` appends the delivery twice. */
export type ReceiveDelivery = (
  adapter: WebhookAdapter,
  req: IncomingMessage,
  res: ServerResponse,
  duplicate: boolean,
) => Promise<number | undefined>;

/**
 * Spike Lab's one seam into ingestion: wraps the receiving step so target `ingest` applies to every provider
 * alike, before the body is read (an outage answers as a down service would). From memory: with no fault hitting
 * the request (the normal case) the step runs at once, with no extra turn; without chaos deps it is the step itself.
 */
export function withIngestChaos(
  chaos: { flags: ChaosFlags; injected: Counter<'mode' | 'provider'> } | undefined,
  receive: ReceiveDelivery,
): (adapter: WebhookAdapter, req: IncomingMessage, res: ServerResponse) => Promise<number | undefined> {
  if (!chaos) return (adapter, req, res) => receive(adapter, req, res, false);
  return (adapter, req, res) => {
    const { provider } = adapter;
    const decision: ChaosDecision = chaos.flags.decide('ingest', provider);
    if (decision.injected.length === 0) return receive(adapter, req, res, false);
    for (const mode of decision.injected) chaos.injected.inc({ mode, provider });
    return applyDecision(decision).then((duplicate) => receive(adapter, req, res, duplicate));
  };
}

async function applyDecision(decision: ChaosDecision): Promise<boolean> {
  if (decision.delayMs > 0) await sleep(decision.delayMs);
  if (decision.abort) {
    const type = decision.abort.mode === 'outage' ? 'dependency-unavailable' : 'rate-limited';
    throw new InjectedFault(decision.abort.retryAfterSeconds, type);
  }
  return decision.duplicate;
}
