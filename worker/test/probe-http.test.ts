import http from 'node:http';
import net from 'node:net';
import { freePort } from '@ops-cockpit/core/testing';
import { startSimulator, type RunningSimulator } from '../../simulator/test/helpers.js';
import { httpProbe } from '../src/probes/http-probe.js';
import { phasesOf } from '../src/probes/outcome.js';

let sim: RunningSimulator;
let token: string;
const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

/** A server on a free loopback port, closed (its connections cut) after the file. */
async function serve<S extends net.Server>(server: S): Promise<number> {
  servers.push(server);
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  sim = await startSimulator();
  token = sim.world.issueToken(sim.world.roster[0]!.stravaAthleteId, Date.now()).accessToken;
});
afterEach(() => sim.faults.reset());
afterAll(async () => {
  await sim?.close();
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const athlete = () => new URL('/api/v3/athlete', sim.url);
const probe = (url: URL, headers: Record<string, string> = {}, timeoutMs = 5_000) =>
  httpProbe({ url, headers, timeoutMs });

describe('http probe against the simulator', () => {
  it('measures time to first byte within tolerance of the injected latency', async () => {
    sim.faults.set('strava', { latencyMs: 300, errorRate: 0, errorStatus: 503 });
    const result = await probe(athlete(), { Authorization: `Bearer ${token}` });
    expect(result).toMatchObject({ kind: 'answered', status: 200 });
    const { firstByte, end } = result.marks;
    expect(firstByte).toBeGreaterThanOrEqual(300);
    expect(firstByte).toBeLessThan(600);
    const phases = phasesOf(result.marks);
    expect(phases.ttfb).toBeGreaterThanOrEqual(295);
    expect(phases.tls).toBe(0);
    expect(phases.total).toBe(end);
    expect(phases.dns + phases.connect + phases.tls + phases.ttfb).toBeLessThanOrEqual(phases.total);
  });

  it('tells the first byte from the end when the body comes after the headers', async () => {
    sim.faults.set('strava', { bodyDelayMs: 300 });
    const result = await probe(athlete(), { Authorization: `Bearer ${token}` });
    expect(result).toMatchObject({ kind: 'answered', status: 200 });
    const phases = phasesOf(result.marks);
    expect(phases.ttfb).toBeLessThan(150);
    expect(phases.total).toBeGreaterThanOrEqual(295);
    expect(result.marks.end - result.marks.firstByte!).toBeGreaterThanOrEqual(250);
  });

  it('resolves a host name, timing the lookup', async () => {
    const url = athlete();
    url.hostname = 'localhost';
    const result = await probe(url, { Authorization: `Bearer ${token}` });
    // localhost may resolve to ::1 first while the simulator listens on 127.0.0.1; either way DNS ran.
    expect(result.marks.lookup).toBeDefined();
  });

  it('reports the status of 401, 500 and 429 answers with Retry-After', async () => {
    expect(await probe(athlete())).toMatchObject({ kind: 'answered', status: 401 });
    sim.faults.set('strava', { latencyMs: 0, errorRate: 1, errorStatus: 500 });
    expect(await probe(athlete())).toMatchObject({ kind: 'answered', status: 500 });
    sim.faults.set('strava', { latencyMs: 0, errorRate: 1, errorStatus: 429, retryAfterSeconds: 7 });
    expect(await probe(athlete())).toMatchObject({ kind: 'answered', status: 429, retryAfter: '7' });
  });
});

describe('http probe failures', () => {
  it('connect: nothing listens on the port', async () => {
    const port = await freePort();
    const result = await probe(new URL(`http://127.0.0.1:${port}/`));
    expect(result).toMatchObject({ kind: 'failed', reason: 'connect' });
    expect(result.marks.connect).toBeUndefined();
  });

  it('timeout: a server accepts and never answers', async () => {
    const port = await serve(net.createServer(() => undefined));
    const started = Date.now();
    const result = await probe(new URL(`http://127.0.0.1:${port}/`), {}, 300);
    expect(result).toMatchObject({ kind: 'failed', reason: 'timeout' });
    expect(result.marks.connect).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('timeout: the headers come but the body never ends', async () => {
    const port = await serve(
      http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('partial');
      }),
    );
    const result = await probe(new URL(`http://127.0.0.1:${port}/`), {}, 300);
    expect(result).toMatchObject({ kind: 'failed', reason: 'timeout', status: 200 });
    expect(result.marks.firstByte).toBeDefined();
  });

  it('dns: a name under .invalid never resolves', async () => {
    const result = await probe(new URL('http://nonexistent.invalid/'));
    expect(result).toMatchObject({ kind: 'failed', reason: 'dns' });
  });

  it('tls: https to a plain-HTTP server fails the handshake', async () => {
    const port = await serve(http.createServer((_req, res) => res.end('plain')));
    const result = await probe(new URL(`https://127.0.0.1:${port}/`));
    expect(result).toMatchObject({ kind: 'failed', reason: 'tls' });
    expect(result.marks.connect).toBeDefined();
    expect(result.marks.secureConnect).toBeUndefined();
  });

  it('connect: the server hangs up without answering', async () => {
    const port = await serve(net.createServer((socket) => socket.destroy()));
    const result = await probe(new URL(`http://127.0.0.1:${port}/`));
    expect(result).toMatchObject({ kind: 'failed', reason: 'connect' });
  });
});
