import type { EventSourceLike, OpenStream } from '../pages/LiveSignal/use-throughput-stream';

/**
 * An in-memory EventSource for the Live signal page's jest tests: the test opens it, sends events, drops or
 * refuses it, as the browser's EventSource would report them. The real stream through the real proxy is
 * exercised by the Chromium tests.
 */
export class FakeEventSource implements EventSourceLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  private listeners: Array<(event: MessageEvent<string>) => void> = [];

  constructor(readonly path: string) {}

  addEventListener(_type: 'throughput', listener: (event: MessageEvent<string>) => void) {
    this.listeners.push(listener);
  }
  close() {
    this.readyState = 2;
  }
  /** The server answered 200 with text/event-stream. */
  accept() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  throughput(data: unknown) {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    this.listeners.forEach((l) => l(new MessageEvent('throughput', { data: text })));
  }
  /** The exporter's own `event: error`. */
  serverError(error: string) {
    this.onerror?.(new MessageEvent('error', { data: JSON.stringify({ error }) }));
  }
  /** The connection dropped: the browser reconnects by itself (readyState CONNECTING). */
  drop() {
    this.readyState = 0;
    this.onerror?.(new Event('error'));
  }
  /** An HTTP error (Grafana's 502): the browser gives up (readyState CLOSED). */
  refuse() {
    this.readyState = 2;
    this.onerror?.(new Event('error'));
  }
}

/** An OpenStream that records every source it opened; the newest is `last`. */
export function fakeStreams() {
  const opened: FakeEventSource[] = [];
  const open: OpenStream = (path) => {
    const source = new FakeEventSource(path);
    opened.push(source);
    return source;
  };
  return {
    open,
    opened,
    get last() {
      return opened[opened.length - 1];
    },
  };
}
