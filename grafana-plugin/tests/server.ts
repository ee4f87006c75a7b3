import { readFile } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.otf': 'font/otf',
};

export interface HarnessServer {
  url: string;
  /** Paths asked for that had no file (a missing font or chunk shows up here). */
  missing: string[];
  close(): Promise<void>;
}

export interface HarnessRoots {
  pages: string;
  harness: string;
  dist: string;
  /** Debian's fonts-inter: GlobalStyles asks for public/fonts/inter/Inter-*.woff2, served from Inter-*.otf. */
  fonts: string;
}

/** `rel` under `root`, or undefined when it would leave it. */
export function inside(root: string, rel: string): string | undefined {
  const file = path.resolve(root, rel);
  return file.startsWith(path.resolve(root) + path.sep) ? file : undefined;
}

/** The file a URL path maps to, or undefined; never a path outside its root. */
export function resolvePath(roots: HarnessRoots, urlPath: string): string | undefined {
  // Relative to the page: /g13/amd.html asks under /g13/.
  const font = /^(?:\/g13)?\/public\/fonts\/inter\/([A-Za-z-]+)\.woff2$/.exec(urlPath);
  if (font) {
    return inside(roots.fonts, `${font[1]}.otf`);
  }
  if (urlPath.startsWith('/dist/')) {
    return inside(roots.dist, urlPath.slice('/dist/'.length));
  }
  if (/^(\/g13)?\/(harness|amd)\.(js|css)$/.test(urlPath)) {
    return inside(roots.harness, urlPath.slice(1));
  }
  if (urlPath === '/g13/amd.html') {
    return inside(roots.pages, 'amd.html');
  }
  return inside(roots.pages, urlPath === '/' ? 'index.html' : urlPath.slice(1));
}

/** A static server on 127.0.0.1 and a free port for the harness pages, its bundle, the built plugin and fonts. */
export async function startHarnessServer(roots: HarnessRoots): Promise<HarnessServer> {
  const missing: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = resolvePath(roots, urlPath);
    try {
      if (!file) {
        throw new Error('outside the roots');
      }
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      missing.push(urlPath);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    missing,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
