import { readFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import pluginJson from '../src/plugin.json';
import { createPluginProxy, type ProxyFaults, type SignedInUser } from './plugin-proxy';
import { ROOTS, pluginRoot } from './harness-page';
import { CONTENT_TYPES, inside, resolvePath } from './server';

/**
 * The part of Grafana the app's browser tests need, on loopback: the app page at /a/<app id>/… with the
 * signed-in user in window.grafanaBootData, the built plugins under /public/plugins/<id>/ (the nested panel under
 * its own id, from dist/panels/…), Inter for GlobalStyles, and the plugin proxy in front of the real exporter.
 */
export interface GrafanaStandIn {
  url: string;
  /** Signs a user in (or out, with undefined): the next page load and every proxied call use them. */
  signIn(user: SignedInUser | undefined): void;
  proxyLog: ReturnType<typeof createPluginProxy>['log'];
  /** What happens behind Grafana's proxy: the exporter unreachable, a stream held silent. */
  proxyFaults: ProxyFaults;
  /** Paths asked for that had no file. */
  missing: string[];
  close(): Promise<void>;
}

export interface StandInOptions {
  exporterUrl: string;
  operatorToken: string;
  /** Plugin id → the folder Grafana serves it from. */
  plugins: Record<string, string>;
  theme?: 'dark' | 'light';
  /** Grafana's shared packages the page runs on: 12.4 with React 18 (the build's own), or 13 with React 19. */
  sharedSet?: '12' | '13';
}

const APP_PAGE = path.join(ROOTS.pages, 'app.html');
/** Grafana serves @grafana/ui's icons from public/build/img/icons; the package ships them. */
const ICONS = path.join(pluginRoot, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');

function bootData(user: SignedInUser, theme: string) {
  return {
    settings: { appSubUrl: '', featureToggles: {} },
    user: { login: user.login, orgRole: user.role, isSignedIn: true, theme },
    navTree: [],
    assets: { dark: '', light: '' },
  };
}

async function sendFile(res: ServerResponse, file: string, body?: string | Buffer) {
  const content = body ?? (await readFile(file));
  res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' });
  res.end(content);
}

// Grafana's own build adds a spinner icon that @grafana/ui's package does not ship (LoadingPlaceholder asks for it).
const SPINNER =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9" fill="none" ' +
  'stroke="currentColor" stroke-width="2" stroke-dasharray="42 14"/></svg>';

export async function startGrafanaStandIn(options: StandInOptions): Promise<GrafanaStandIn> {
  let user: SignedInUser | undefined;
  const missing: string[] = [];
  const proxy = createPluginProxy({
    plugin: pluginJson,
    jsonData: { exporterUrl: options.exporterUrl },
    secureJsonData: { operatorToken: options.operatorToken },
    sendUserHeader: true,
    user: () => user,
  });

  const server: Server = createServer(async (req, res) => {
    if (proxy.handle(req, res)) {
      return;
    }
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    try {
      if (urlPath.startsWith(`/a/${pluginJson.id}`)) {
        if (!user) {
          res.writeHead(302, { location: '/login' }).end();
          return;
        }
        const boot = JSON.stringify(bootData(user, options.theme ?? 'dark')).replace(/</g, '\\u003c');
        const shared = options.sharedSet === '13' ? '/g13/app.' : '/app.';
        const html = (await readFile(APP_PAGE, 'utf8'))
          .replace('<!--BOOT-->', `<script>window.grafanaBootData = ${boot};</script>`)
          .replace(/"\/app\.(js|css)"/g, `"${shared}$1"`);
        await sendFile(res, APP_PAGE, html);
        return;
      }
      if (urlPath === '/public/build/img/icons/unicons/spinner.svg') {
        await sendFile(res, 'spinner.svg', SPINNER);
        return;
      }
      const plugin = /^\/public\/plugins\/([\w-]+)\/(.+)$/.exec(urlPath);
      const icon = /^\/public\/build\/img\/icons\/(.+)$/.exec(urlPath);
      const file = plugin
        ? options.plugins[plugin[1]] && inside(options.plugins[plugin[1]], plugin[2])
        : icon
          ? inside(ICONS, icon[1])
          : /^(\/g13)?\/app\.(js|css)$/.test(urlPath)
            ? inside(ROOTS.harness, urlPath.slice(1))
            : resolvePath(ROOTS, urlPath);
      if (!file) {
        throw new Error('no such file');
      }
      await sendFile(res, file);
    } catch {
      missing.push(urlPath);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    signIn: (next) => (user = next),
    proxyLog: proxy.log,
    proxyFaults: proxy.faults,
    missing,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
