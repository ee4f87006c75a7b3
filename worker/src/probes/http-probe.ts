import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Provider } from '@ops-cockpit/core';
import type { ProbeErrorReason } from './provider-health-logs.js';
import { reasonOfError, type ProbeMarks } from './outcome.js';

export interface HttpProbeRequest {
  url: URL;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** How one request went: an answer (any status), or a failure before one arrived in full. */
export type HttpProbeResult =
  | {
      kind: 'answered';
      status: number;
      retryAfter: string | undefined;
      marks: ProbeMarks;
      /** The answer's headers (a provider's rate-limit figures among them). */
      headers: Headers;
    }
  | { kind: 'failed'; reason: ProbeErrorReason; message: string; status?: number; marks: ProbeMarks };

/** How the runner makes a probe: httpProbe, or httpProbe behind a seam such as Spike Lab's (worker/src/chaos.ts). */
export type ProbeCall = (provider: Provider, req: HttpProbeRequest) => Promise<HttpProbeResult>;

/** The plain probe call: the provider only names the target. */
export const plainProbeCall: ProbeCall = (_provider, req) => httpProbe(req);

/**
 * One GET on a fresh connection (no agent, so every probe pays and measures DNS, TCP and TLS), timed from the
 * socket's own events: `lookup`, `connect`, `secureConnect`, then the response's first byte and its end. The
 * timeout covers the whole exchange, body included. Never rejects: every failure is a result.
 */
export function httpProbe(req: HttpProbeRequest): Promise<HttpProbeResult> {
  const isHttps = req.url.protocol === 'https:';
  const started = performance.now();
  const at = () => performance.now() - started;
  const marks: Omit<ProbeMarks, 'end'> = {};

  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    let status: number | undefined;
    let retryAfter: string | undefined;
    const answerHeaders = new Headers();
    const finish = (result: HttpProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const fail = (err: Error & { code?: string; syscall?: string }) => {
      const reason = reasonOfError(err, marks, { timedOut, https: isHttps });
      finish({
        kind: 'failed',
        reason,
        message: timedOut ? `no complete answer within ${req.timeoutMs} ms` : err.message,
        ...(status === undefined ? {} : { status }),
        marks: { ...marks, end: at() },
      });
    };

    const client = (isHttps ? https : http).request(req.url, {
      method: 'GET',
      headers: req.headers,
      agent: false,
    });
    const timer = setTimeout(() => {
      timedOut = true;
      client.destroy(new Error('probe timeout'));
    }, req.timeoutMs);

    client.once('socket', (socket: Socket) => {
      socket.once('lookup', () => (marks.lookup ??= at()));
      socket.once('connect', () => (marks.connect ??= at()));
      socket.once('secureConnect', () => (marks.secureConnect ??= at()));
    });
    client.once('response', (res) => {
      marks.firstByte = at();
      status = res.statusCode ?? 0;
      const header = res.headers['retry-after'];
      retryAfter = Array.isArray(header) ? header[0] : header;
      for (const [name, value] of Object.entries(res.headers)) {
        if (typeof value === 'string') answerHeaders.set(name, value);
      }
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(new Error('connection closed before the answer ended'));
      });
      res.on('end', () =>
        finish({
          kind: 'answered',
          status: status!,
          retryAfter,
          marks: { ...marks, end: at() },
          headers: answerHeaders,
        }),
      );
      // The body only matters for the transfer time; drain it.
      res.resume();
    });
    client.on('error', fail);
    client.end();
  });
}
