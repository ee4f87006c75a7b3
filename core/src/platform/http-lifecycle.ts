import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** Servers shutting down: every response they still write carries `Connection: close`. */
const draining = new WeakSet<Server>();

/**
 * Listens and resolves with the bound address (port 0 picks a free one), or rejects on EADDRINUSE etc. From
 * here on, a request the server receives while closeServer drains it is answered with `Connection: close`.
 */
export function listen(
  server: Server,
  host: string,
  port: number,
  /** The setting that chose `port`: a taken port is reported with the setting to change. */
  setting?: string,
): Promise<AddressInfo> {
  // Ahead of the app's handler, so even an answer it writes at once carries the header.
  server.prependListener('request', (_req, res) => {
    if (draining.has(server)) res.shouldKeepAlive = false;
  });
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' && setting
          ? new Error(
              `${host}:${port} is already in use (another process listens there): set ${setting} to a free port, e.g. ${setting}=${port === 65535 ? port - 1 : port + 1}`,
            )
          : err,
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Stops accepting connections and waits for in-flight requests to finish. Open keep-alive connections are not
 * closed at once: for `drainMs` a request already on its way over one is still served, with `Connection:
 * close`, so the client's next request opens a new connection (refused here: it goes elsewhere or is retried)
 * instead of being lost with a socket closed under it. Then idle connections are closed as they go idle;
 * whatever is still open at `timeoutMs` is cut. Safe to call twice.
 */
export function closeServer(
  server: Server,
  timeoutMs: number,
  drainMs = Math.min(1_000, timeoutMs / 2),
): Promise<void> {
  if (!server.listening) return Promise.resolve();
  draining.add(server);
  return new Promise((resolve) => {
    let sweep: NodeJS.Timeout | undefined;
    const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
    force.unref();
    const drained = setTimeout(() => {
      // http.Server#close closes idle connections and stops its timeout checks; the listener is closed already.
      server.close();
      sweep = setInterval(() => server.closeIdleConnections(), 100);
    }, drainMs);
    drained.unref();
    // net.Server#close, not http.Server#close: stop listening, but leave idle keep-alive connections open.
    net.Server.prototype.close.call(server, () => {
      clearTimeout(drained);
      clearInterval(sweep);
      clearTimeout(force);
      resolve();
    });
  });
}

export function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
