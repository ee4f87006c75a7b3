import net from 'node:net';
import { streamLength } from './webhooks-support.js';
import { startExporterProcess, type ExporterProcess } from './process-support.js';

/**
 * The real exporter process with short client deadlines set through its environment: slow clients are cut off
 * by the deadline while everyone else is served as usual.
 */

const HEADERS_MS = 1_000;
const REQUEST_MS = 2_000;
const KEEP_ALIVE_MS = 500;
const OPERATOR = 'ada-operator-token-0123456789';

let exporter: ExporterProcess;
let port: number;

beforeAll(async () => {
  exporter = await startExporterProcess('slowcl', {
    OPS_OPERATOR_TOKENS: `ada:${OPERATOR}`,
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
  });
  port = exporter.port;
});

afterAll(async () => {
  await exporter?.close();
});

interface Cut {
  /** The status line the server sent before closing, if any. */
  status: string | undefined;
  /** From the first byte sent to the close. */
  ms: number;
  /** Bytes the client managed to send before it was cut off. */
  sent: number;
}

/**
 * Opens a raw connection, sends `head` at once, then dribbles `drip` one byte every 100 ms (cycling) until the
 * server closes the connection; gives up after 15 s.
 */
function dribble(head: string, drip: string): Promise<Cut> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let response = '';
    let sent = 0;
    let dripped = 0;
    let timer: NodeJS.Timeout | undefined;
    const started = Date.now();
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`not cut off after 15 s (sent ${sent} bytes)`));
    }, 15_000);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (response += d));
    socket.on('error', () => undefined); // a reset is a cut-off too
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ status: /^HTTP\/1\.1 (\d{3})/.exec(response)?.[1], ms: Date.now() - started, sent });
    });
    socket.on('connect', () => {
      socket.write(head);
      sent += head.length;
      timer = setInterval(() => {
        if (socket.destroyed || socket.writableEnded) return;
        socket.write(drip[dripped % drip.length]!);
        dripped += 1;
        sent += 1;
      }, 100);
    });
  });
}

/** Normal requests made while `slow` is pending: every one must be answered as usual. */
async function othersDuring(slow: Promise<unknown>): Promise<number[]> {
  const statuses: number[] = [];
  let done = false;
  void slow.finally(() => (done = true));
  while (!done) {
    statuses.push((await fetch(`http://127.0.0.1:${port}/healthz`)).status);
    await new Promise((r) => setTimeout(r, 50));
  }
  return statuses;
}

describe('slow clients', () => {
  it('cuts off clients that dribble their headers at HTTP_HEADERS_TIMEOUT_MS, serving everyone else', async () => {
    const slow = Promise.all(
      Array.from({ length: 20 }, () => dribble('GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: yes\r\n')),
    );
    const others = await othersDuring(slow);
    for (const cut of await slow) {
      expect([undefined, '408']).toContain(cut.status);
      // The deadline cut it, not something earlier, and not the 10 s default: the setting is applied.
      expect(cut.ms).toBeGreaterThanOrEqual(HEADERS_MS - 100);
      expect(cut.ms).toBeLessThan(8_000);
    }
    expect(others.length).toBeGreaterThanOrEqual(5);
    expect(new Set(others)).toEqual(new Set([200]));
  });

  it('cuts off a webhook body that dribbles in at HTTP_REQUEST_TIMEOUT_MS, appending nothing', async () => {
    const before = await streamLength(exporter.redis.redis, exporter.redis.prefix);
    const head =
      'POST /api/webhooks/strava HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      'Content-Length: 1000\r\n\r\n{"object_type":"activity",';
    const slow = dribble(head, ' ');
    const others = await othersDuring(slow);
    const cut = await slow;
    expect([undefined, '408']).toContain(cut.status);
    expect(cut.ms).toBeGreaterThanOrEqual(REQUEST_MS - 100);
    expect(cut.ms).toBeLessThan(8_000);
    expect(cut.sent).toBeLessThan(head.length + 1000);
    expect(new Set(others)).toEqual(new Set([200]));
    expect(await streamLength(exporter.redis.redis, exporter.redis.prefix)).toBe(before);
  });

  it('cuts off an API body that dribbles in, the same way', async () => {
    const head =
      `POST /api/ops/nudge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${OPERATOR}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"userId":';
    const cut = await dribble(head, ' ');
    expect([undefined, '408']).toContain(cut.status);
    expect(cut.ms).toBeGreaterThanOrEqual(REQUEST_MS - 100);
    expect(cut.ms).toBeLessThan(8_000);
  });

  it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let response = '';
    socket.setEncoding('utf8').on('data', (d: string) => (response += d));
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const answeredAt = await new Promise<number>((resolve) => {
      const poll = setInterval(() => {
        if (response.includes('{"status":"ok"}')) {
          clearInterval(poll);
          resolve(Date.now());
        }
      }, 5);
    });
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response).toMatch(/keep-alive/i);
    const idleMs = (await closed) - answeredAt;
    expect(idleMs).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 100);
    expect(idleMs).toBeLessThan(4_000);
  });
});
