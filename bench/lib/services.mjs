// The processes under test: the bare reference server, and the real simulator, exporter and worker, each a
// child process on loopback with its own ports, stopped (SIGTERM, then SIGKILL) when the benchmark ends.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnService } from '@ops-cockpit/core/dist/testing/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Polls `url` until it answers 2xx; fails early with the child's stderr if the child exits. */
export async function waitForHttp(url, { timeoutMs = 30_000, exited, stderr = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  exited?.then(() => {
    gone = true;
  });
  let last = '';
  while (Date.now() < deadline) {
    if (gone) throw new Error(`process exited before ${url} answered: ${stderr().slice(-2000)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
      last = `status ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms (${last}): ${stderr().slice(-2000)}`);
}

export async function startBareServer() {
  const child = spawn(process.execPath, [path.join(here, 'bare-server.mjs'), '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
    child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim())));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A built service (exporter, worker, simulator) as `npm start` runs it; `readyPath` is polled on `port`. */
export async function startService(name, env, port, readyPath) {
  const service = spawnService(name, env);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}${readyPath}`, { exited: service.exited, stderr: service.stderr });
  return {
    name,
    pid: service.child.pid,
    url,
    stderr: service.stderr,
    async stop() {
      const killer = setTimeout(() => service.child.kill('SIGKILL'), 15_000);
      const result = await service.stop('SIGTERM');
      clearTimeout(killer);
      return result;
    },
  };
}
