import http from 'node:http';
import { closeServer, listen, urlOf } from './http-lifecycle.js';

function get(url: string, agent: http.Agent): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection }));
      })
      .on('error', reject);
  });
}

describe('closeServer', () => {
  it('finishes in-flight requests, serves their connection one more request with Connection: close, then refuses', async () => {
    let received: () => void;
    const slowArrived = new Promise<void>((r) => (received = r));
    const server = http.createServer((req, res) => {
      if (req.url === '/slow') received();
      setTimeout(() => res.end('ok'), req.url === '/slow' ? 300 : 0);
    });
    const url = urlOf(await listen(server, '127.0.0.1', 0));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const slow = get(`${url}/slow`, agent);
      await slowArrived;
      const closed = closeServer(server, 5_000, 1_000);
      expect((await slow).status).toBe(200); // in flight when the shutdown began
      // The client reuses that connection at once: served, and told to go away.
      expect(await get(`${url}/`, agent)).toEqual({ status: 200, connection: 'close' });
      // A new connection is refused, never accepted and then cut.
      await expect(get(`${url}/`, agent)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await closed;
    } finally {
      agent.destroy();
    }
  });

  it('serves a request arriving over an idle keep-alive connection during the drain', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    const url = urlOf(await listen(server, '127.0.0.1', 0));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await get(`${url}/`, agent); // leaves an idle keep-alive connection in the agent
      const closed = closeServer(server, 5_000, 500);
      expect(await get(`${url}/`, agent)).toEqual({ status: 200, connection: 'close' });
      await closed;
      expect(server.listening).toBe(false);
    } finally {
      agent.destroy();
    }
  });
});

describe('listen', () => {
  it('names the setting to change when the port is taken', async () => {
    const first = http.createServer();
    const { port } = await listen(first, '127.0.0.1', 0);
    try {
      await expect(listen(http.createServer(), '127.0.0.1', port, 'PORT')).rejects.toThrow(
        `127.0.0.1:${port} is already in use (another process listens there): set PORT to a free port, e.g. PORT=${port + 1}`,
      );
      // Without a setting the system's own error stands.
      await expect(listen(http.createServer(), '127.0.0.1', port)).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await closeServer(first, 100);
    }
  });
});
