import type { Logger } from 'pino';

/**
 * Steps run phase by phase: `intake` stops accepting work (HTTP servers, queue workers) and lets in-flight
 * work finish, then `resources` closes what that work used (pools, connections). Within a phase, in the order
 * added.
 */
export type ShutdownPhase = 'intake' | 'resources';
const PHASES: readonly ShutdownPhase[] = ['intake', 'resources'];

type Step = { name: string; phase: ShutdownPhase; run: () => Promise<void> | void };

/**
 * Ordered, idempotent shutdown; a second call returns the same promise. If the steps take longer than `timeoutMs` the promise resolves with code 1 so
 * the caller can exit anyway rather than hang past the orchestrator's kill deadline.
 */
export class Shutdown {
  readonly #steps: Step[] = [];
  #running: Promise<number> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  add(name: string, phase: ShutdownPhase, run: Step['run']): this {
    this.#steps.push({ name, phase, run });
    return this;
  }

  get started(): boolean {
    return this.#running !== undefined;
  }

  run(reason: string): Promise<number> {
    this.#running ??= this.#runSteps(reason);
    return this.#running;
  }

  async #runSteps(reason: string): Promise<number> {
    this.logger.info({ reason }, 'shutting down');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        this.logger.error({ timeoutMs: this.timeoutMs }, 'shutdown timed out');
        resolve(1);
      }, this.timeoutMs);
      timer.unref();
    });
    const steps = (async () => {
      let code = 0;
      const ordered = PHASES.flatMap((phase) => this.#steps.filter((s) => s.phase === phase));
      for (const step of ordered) {
        try {
          await step.run();
        } catch (err) {
          code = 1;
          this.logger.error({ step: step.name, err: (err as Error).message }, 'shutdown step failed');
        }
      }
      return code;
    })();
    const code = await Promise.race([steps, deadline]);
    clearTimeout(timer);
    this.logger.info({ code }, 'shutdown complete');
    return code;
  }
}

/** SIGTERM and SIGINT run the shutdown once, then exit with its code; a second signal exits at once. */
export function exitOnSignals(shutdown: Shutdown, proc: NodeJS.Process = process): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.started) proc.exit(130);
    void shutdown.run(signal).then((code) => proc.exit(code));
  };
  proc.on('SIGTERM', onSignal);
  proc.on('SIGINT', onSignal);
}
