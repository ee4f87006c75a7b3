import http from 'node:http';

export interface StreamEvent<T> {
  data: T;
  /** When the test read it, epoch ms. */
  readAt: number;
}

/**
 * A server-sent event stream (GET `url`), read until `signal` aborts or the stream ends: the data of every frame
 * of type `event` so far, parsed as JSON, in order; `done` resolves at the end. A refused or cut connection (the
 * server died) only ends the reading: what came before it is kept.
 */
export function readEventStream<T>(
  url: string,
  event: string,
  signal: AbortSignal,
): { events: StreamEvent<T>[]; done: Promise<void> } {
  const events: StreamEvent<T>[] = [];
  const frame = new RegExp(`^event: ${event}\\ndata: (.*)$`, 'm');
  const done = new Promise<void>((resolve) => {
    const req = http.get(url, (res) => {
      let buf = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        buf += chunk;
        const frames = buf.split('\n\n');
        buf = frames.pop() ?? '';
        for (const f of frames) {
          const data = frame.exec(f);
          if (data) events.push({ data: JSON.parse(data[1]!) as T, readAt: Date.now() });
        }
      });
      res.on('close', () => resolve());
    });
    req.on('error', () => resolve());
    if (signal.aborted) req.destroy();
    signal.addEventListener('abort', () => {
      req.destroy();
      resolve();
    });
  });
  return { events, done };
}
