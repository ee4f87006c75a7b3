import { spawn, type ChildProcess } from 'node:child_process';

/** A Debian binary (prometheus, prometheus-alertmanager) run by a test on loopback. */
export interface Binary {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a binary from PATH; a missing one fails with how to install it. */
export function startBinary(command: string, args: string[]): Binary {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.on('error', (err) => {
    output += `\n${command} failed to start: ${err.message} (apt-get install -y --no-install-recommends prometheus prometheus-alertmanager)`;
  });
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
