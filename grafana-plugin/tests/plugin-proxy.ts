import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

import {
  findRoute,
  interpolate,
  joinUrlPath,
  requiredRole,
  roleIncludes,
  type OrgRole,
  type ProxyRoute,
} from '../src/api/proxy-routes';

/**
 * A stand-in for Grafana's plugin proxy (`/api/plugin-proxy/<app id>/…`), so the browser tests' clicks reach the
 * real exporter the way they would through Grafana: the route is chosen from the app's plugin.json as Grafana
 * chooses it (first route whose method and path match, see src/api/proxy-routes.ts), its `reqRole` is enforced
 * against the signed-in user's org role, its URL and headers are filled from jsonData/secureJsonData, cookies are
 * dropped and, with `[dataproxy] send_user_header`, X-Grafana-User carries the user's login — never a value the
 * browser sent. Grafana's own answers are reproduced: 401 signed out, 404 for no route, 403 for a role that may
 * not, 502 when the target does not answer.
 */

export interface SignedInUser {
  login: string;
  role: OrgRole;
}

export interface PluginProxyOptions {
  plugin: { id: string; routes: readonly ProxyRoute[] };
  jsonData: Record<string, unknown>;
  secureJsonData: Record<string, string>;
  /** Grafana's `[dataproxy] send_user_header`. */
  sendUserHeader: boolean;
  /** Who is signed in, asked per request; undefined is a signed-out browser. */
  user: () => SignedInUser | undefined;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  status: number;
}

/**
 * Switches for the tests, standing for what happens behind Grafana: `unreachable` answers every new request 502
 * (Grafana's answer while the exporter is down) and `cutStreams()` ends the streams under way; `hold` keeps event
 * streams open but forwards nothing more (a stuck hop), until it is set back.
 */
export interface ProxyFaults {
  unreachable: boolean;
  hold: boolean;
  cutStreams(): void;
}

const PROXY_PATH = /^\/api\/plugin-proxy\/([\w-]+)\/?/;

// Hop-by-hop headers (RFC 9110 7.6.1) are not forwarded, as Go's ReverseProxy drops them.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function grafanaError(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ message }));
}

/**
 * A request handler for the proxy path; answers false for any other path so the caller serves it. `log` lists
 * every request the proxy answered, for the tests to check what went through.
 */
export function createPluginProxy(options: PluginProxyOptions) {
  const log: ProxiedRequest[] = [];
  const streams = new Set<ServerResponse>();
  const faults: ProxyFaults = {
    unreachable: false,
    hold: false,
    cutStreams: () => streams.forEach((res) => res.destroy()),
  };

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const prefix = PROXY_PATH.exec(url.pathname);
    if (!prefix) {
      return false;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const proxyPath = url.pathname.slice(prefix[0].length);
    const answer = (status: number, message: string) => {
      log.push({ method, path: proxyPath, status });
      grafanaError(res, status, message);
      return true;
    };
    const user = options.user();
    if (!user) {
      return answer(401, 'Unauthorized');
    }
    if (prefix[1] !== options.plugin.id) {
      return answer(404, 'Plugin not found, no installed plugin with that id');
    }
    const match = findRoute(options.plugin.routes, method, proxyPath);
    if (!match) {
      return answer(404, 'plugin route match not found');
    }
    if (!roleIncludes(user.role, requiredRole(match.route))) {
      return answer(403, 'plugin proxy route access denied');
    }

    const data = { JsonData: options.jsonData, SecureJsonData: options.secureJsonData };
    let target: URL;
    try {
      target = new URL(interpolate(match.route.url, data));
    } catch (err) {
      return answer(500, `Could not interpolate plugin route url: ${(err as Error).message}`);
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'cookie' && name !== 'host') {
        headers[name] = value;
      }
    }
    // Grafana deletes whatever the browser sent here before setting the signed-in login.
    delete headers['x-grafana-user'];
    if (options.sendUserHeader) {
      headers['x-grafana-user'] = user.login;
    }
    for (const header of match.route.headers ?? []) {
      headers[header.name.toLowerCase()] = interpolate(header.content, data);
    }
    const forwarded = req.socket.remoteAddress ?? '127.0.0.1';
    headers['x-forwarded-for'] = headers['x-forwarded-for']
      ? `${headers['x-forwarded-for']}, ${forwarded}`
      : forwarded;

    if (faults.unreachable) {
      log.push({ method, path: proxyPath, status: 502 });
      res.writeHead(502).end();
      return true;
    }
    const upstream = httpRequest(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method,
        path: `${joinUrlPath(target.pathname, match.rest)}${url.search}`,
        headers: { ...headers, host: target.host },
      },
      (upstreamRes) => {
        log.push({ method, path: proxyPath, status: upstreamRes.statusCode ?? 0 });
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(upstreamRes.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'set-cookie') {
            out[name] = value;
          }
        }
        res.writeHead(upstreamRes.statusCode ?? 502, out);
        // Go's ReverseProxy flushes text/event-stream at once (every write of the body); Node's pipe writes
        // each chunk as it arrives, so the stand-in passes streams through unbuffered as well.
        if (String(upstreamRes.headers['content-type']).startsWith('text/event-stream')) {
          streams.add(res);
          res.on('close', () => streams.delete(res));
          upstreamRes.on('data', (chunk: Buffer) => faults.hold || res.write(chunk));
          upstreamRes.on('end', () => res.end());
        } else {
          upstreamRes.pipe(res);
        }
      },
    );
    // The browser went away (an EventSource closed): the upstream request ends too, as Go's proxy cancels it.
    res.on('close', () => upstream.destroy());
    upstream.on('error', () => {
      // Go's ReverseProxy answers 502 with an empty body when the target cannot be reached.
      if (!res.headersSent) {
        log.push({ method, path: proxyPath, status: 502 });
        res.writeHead(502).end();
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
    return true;
  }

  return { handle, log, faults };
}
