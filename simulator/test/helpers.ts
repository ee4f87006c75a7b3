import type { AddressInfo } from 'node:net';
import { listen, urlOf } from '@ops-cockpit/core';
import { silentLogger } from '@ops-cockpit/core/testing';
import { FaultControl, World, createSimulatorServer, demoRoster } from '../src/index.js';

export interface RunningSimulator {
  url: string;
  world: World;
  faults: FaultControl;
  clock: { now: number };
  close(): Promise<void>;
}

/** The simulator's server on a free loopback port, with a clock the test can move. */
export async function startSimulator(opts: { random?: () => number } = {}): Promise<RunningSimulator> {
  const world = new World({ roster: demoRoster(10), tokenTtlSeconds: 3_600 });
  const faults = new FaultControl();
  const clock = { now: Date.now() };
  const server = createSimulatorServer({
    world,
    faults,
    logger: silentLogger,
    now: () => clock.now,
    ...(opts.random ? { random: opts.random } : {}),
  });
  const address: AddressInfo = await listen(server, '127.0.0.1', 0);
  return {
    url: urlOf(address),
    world,
    faults,
    clock,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}
