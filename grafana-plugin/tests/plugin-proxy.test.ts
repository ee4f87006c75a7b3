import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import pluginJson from '../src/plugin.json';
import type { OrgRole } from '../src/api/proxy-routes';
import { createPluginProxy, type SignedInUser } from './plugin-proxy';

// The stand-in itself, against an upstream that echoes what it received: what reaches the exporter is exactly
// what Grafana would send.

interface Echo {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const TOKEN = 'op-token-0123456789abcdef';
let upstream: Server;
let proxyServer: Server;
let base: string;
let user: SignedInUser | undefined;
let proxy: ReturnType<typeof createPluginProxy>;

/** The exporter's stream: headers and one event at once, then nothing until the test ends it. */
let streamSeen: { headers: IncomingMessage['headers']; closed: boolean; end(): void } | undefined;
function stream(req: IncomingMessage, res: ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' });
  res.write(
    'retry: 5000\n\nevent: throughput\ndata: {"at":"2026-11-26T12:00:05.000Z","byProvider":{"strava":1}}\n\n',
  );
  const seen = { headers: req.headers, closed: false, end: () => res.end() };
  req.on('close', () => (seen.closed = true));
  streamSeen = seen;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/api/ops/throughput/stream') {
      stream(req, res);
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const echo: Echo = { method: req.method!, url: req.url!, headers: req.headers, body };
      res.writeHead(req.url!.includes('teapot') ? 418 : 200, {
        'content-type': 'application/json',
        'set-cookie': 'upstream=1',
        'x-upstream': 'yes',
      });
      res.end(JSON.stringify(echo));
    });
  });
  const upstreamPort = await listen(upstream);
  proxy = createPluginProxy({
    plugin: pluginJson,
    jsonData: { exporterUrl: `http://127.0.0.1:${upstreamPort}` },
    secureJsonData: { operatorToken: TOKEN },
    sendUserHeader: true,
    user: () => user,
  });
  proxyServer = createServer((req, res) => {
    if (!proxy.handle(req, res)) {
      res.writeHead(299).end('not the proxy');
    }
  });
  base = `http://127.0.0.1:${await listen(proxyServer)}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxyServer?.close(resolve));
  await new Promise((resolve) => upstream?.close(resolve));
});

function as(login: string, role: OrgRole) {
  user = { login, role };
}

async function call(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  const res = await fetch(`${base}${path}`, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, json };
}

const APP = `/api/plugin-proxy/${pluginJson.id}`;

describe('the stand-in for Grafana’s plugin proxy', () => {
  it('forwards to the route URL with the operator token and the signed-in login, never the browser’s', async () => {
    as('grace@example.org', 'Editor');
    const res = await call('POST', `${APP}/api/ops/incidents/42/acknowledge?x=1`, {
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer from-the-browser',
        'x-grafana-user': 'mallory',
        cookie: 'grafana_session=abc',
      },
      body: '{"a":1}',
    });
    expect(res.status).toBe(200);
    const echo = res.json as Echo;
    expect(echo.method).toBe('POST');
    expect(echo.url).toBe('/api/ops/incidents/42/acknowledge?x=1');
    expect(echo.body).toBe('{"a":1}');
    expect(echo.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(echo.headers['x-grafana-user']).toBe('grace@example.org');
    expect(echo.headers.cookie).toBeUndefined();
    expect(echo.headers['content-type']).toBe('application/json');
    // The upstream's answer comes back, its cookies dropped.
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('enforces reqRole from plugin.json: a Viewer reads but cannot acknowledge, an Editor cannot set chaos', async () => {
    as('vic', 'Viewer');
    expect((await call('GET', `${APP}/api/ops/incidents?state=open`)).json.url).toBe(
      '/api/ops/incidents?state=open',
    );
    const denied = await call('POST', `${APP}/api/ops/incidents/1/acknowledge`);
    expect(denied).toMatchObject({ status: 403, json: { message: 'plugin proxy route access denied' } });
    expect((await call('POST', `${APP}/api/ops/nudge`)).status).toBe(403);
    as('ed', 'Editor');
    expect((await call('POST', `${APP}/api/ops/nudge`)).status).toBe(200);
    expect((await call('PUT', `${APP}/api/ops/chaos/outage`)).status).toBe(403);
    expect((await call('POST', `${APP}/api/ops/chaos/restore`)).status).toBe(403);
    as('root', 'Admin');
    expect((await call('PUT', `${APP}/api/ops/chaos/outage`)).json.url).toBe('/api/ops/chaos/outage');
    expect((await call('DELETE', `${APP}/api/ops/chaos/latency`)).json.url).toBe('/api/ops/chaos/latency');
    expect((await call('POST', `${APP}/api/ops/chaos/restore`)).json.url).toBe('/api/ops/chaos/restore');
  });

  it('answers as Grafana does for no route, another plugin, a signed-out browser and a dead target', async () => {
    as('root', 'Admin');
    expect(await call('GET', `${APP}/metrics`)).toMatchObject({
      status: 404,
      json: { message: 'plugin route match not found' },
    });
    expect((await call('POST', `${APP}/api/alertmanager`)).status).toBe(404);
    expect((await call('GET', '/api/plugin-proxy/other-app/api/ops/chaos')).status).toBe(404);
    expect((await call('GET', '/index.html')).status).toBe(299);
    user = undefined;
    expect((await call('GET', `${APP}/api/ops/chaos`)).status).toBe(401);

    const dead = createPluginProxy({
      plugin: pluginJson,
      jsonData: { exporterUrl: 'http://127.0.0.1:1' },
      secureJsonData: {},
      sendUserHeader: true,
      user: () => ({ login: 'a', role: 'Admin' }),
    });
    const server = createServer((req, res) => void dead.handle(req, res));
    const port = await listen(server);
    try {
      const res = await fetch(`http://127.0.0.1:${port}${APP}/api/ops/chaos`);
      expect(res.status).toBe(502);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(proxy.log.some((entry) => entry.status === 403)).toBe(true);
  });

  it('leaves X-Grafana-User out without send_user_header, and sends <no value> for a token never set', async () => {
    const port = (upstream.address() as AddressInfo).port;
    const bare = createPluginProxy({
      plugin: pluginJson,
      jsonData: { exporterUrl: `http://127.0.0.1:${port}` },
      secureJsonData: {},
      sendUserHeader: false,
      user: () => ({ login: 'a', role: 'Admin' }),
    });
    const server = createServer((req, res) => void bare.handle(req, res));
    const proxyPort = await listen(server);
    try {
      const res = await fetch(`http://127.0.0.1:${proxyPort}${APP}/api/ops/chaos`, {
        headers: { 'x-grafana-user': 'mallory' },
      });
      const echo = (await res.json()) as Echo;
      expect(echo.headers['x-grafana-user']).toBeUndefined();
      expect(echo.headers.authorization).toBe('Bearer <no value>');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('passes text/event-stream through unbuffered: the first event arrives while the upstream stream is open', async () => {
    as('vic', 'Viewer');
    const abort = new AbortController();
    const res = await fetch(`${base}${APP}/api/ops/throughput/stream`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('content-length')).toBeNull();
    const reader = res.body!.getReader();
    const first = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event within 2 s')), 2000)),
    ]);
    expect(new TextDecoder().decode(first.value)).toContain('event: throughput\ndata: {"at":');
    expect(streamSeen!.closed).toBe(false);
    expect(streamSeen!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(streamSeen!.headers['x-grafana-user']).toBe('vic');
    // The browser closes its EventSource: the upstream request is ended too, no stream is left open.
    abort.abort();
    await reader.cancel().catch(() => undefined);
    const deadline = Date.now() + 2000;
    while (!streamSeen!.closed && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(streamSeen!.closed).toBe(true);
  });

  it('a signed-out browser and an unreachable exporter get 401 and 502 for the stream too', async () => {
    user = undefined;
    expect((await fetch(`${base}${APP}/api/ops/throughput/stream`)).status).toBe(401);
    as('vic', 'Viewer');
    proxy.faults.unreachable = true;
    try {
      expect((await fetch(`${base}${APP}/api/ops/throughput/stream`)).status).toBe(502);
    } finally {
      proxy.faults.unreachable = false;
    }
  });
});
