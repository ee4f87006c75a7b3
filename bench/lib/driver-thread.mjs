// Runs a latency-measuring client in a worker thread: its own V8 isolate and heap, so a garbage collection of
// the bench process (which holds hundreds of thousands of acknowledged ids and stream entries) cannot stall it
// and show up as server latency.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openLoad, sequentialGets } from './open-load.mjs';

const tasks = {
  /** Open model over `requests` (`{ path, body }` each); `answers[i]` is `[status, body]` or null on error. */
  async open({ requests, ...options }) {
    const answers = new Array(requests.length).fill(null);
    const result = await openLoad({
      ...options,
      request: (i) => requests[i],
      onAnswer: (i, status, body) => {
        answers[i] = [status, body.toString('utf8')];
      },
    });
    return { ...result, answers };
  },
  gets: ({ url, count }) => sequentialGets(url, count),
};

/** Runs `tasks[task](args)` in a fresh worker thread and resolves with its result. */
export function inThread(task, args) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { task, args } });
    let answered = false;
    worker.once('message', (result) => {
      answered = true;
      resolve(result);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`bench driver thread (${task}) exited with ${code} before answering`));
    });
  });
}

if (!isMainThread && workerData?.task) {
  parentPort.postMessage(await tasks[workerData.task](workerData.args));
}
