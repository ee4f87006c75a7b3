import type { ChaosMode, ChaosTarget, Pool } from '@ops-cockpit/core';

export type ChaosAction = 'set' | 'clear' | 'restore';

export interface ChaosEvent {
  action: ChaosAction;
  mode: ChaosMode | null;
  target: ChaosTarget | null;
  parameters: Record<string, unknown>;
  actor: string;
}

/** One `chaos_events` audit row per change: who, what, with which parameters (created_at is the when). */
export async function insertChaosEvent(pool: Pool, event: ChaosEvent): Promise<void> {
  await pool.query(
    'INSERT INTO chaos_events (action, mode, target, parameters, actor) VALUES ($1, $2, $3, $4, $5)',
    [event.action, event.mode, event.target, JSON.stringify(event.parameters), event.actor],
  );
}
