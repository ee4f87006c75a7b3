import { useEffect, useState } from 'react';

import {
  parseSample,
  pushSample,
  reconnectDelay,
  STALE_INTERVALS,
  STREAM_PATH,
  pushInterval,
  type StreamState,
  type ThroughputSample,
} from './live-signal';

/** What the page needs of a browser EventSource (the real one in Grafana, a fake in jest). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  addEventListener(type: 'throughput', listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

/** Opens the event stream at a path of the app's proxy. */
export type OpenStream = (path: string) => EventSourceLike;

const CLOSED = 2;

export interface ThroughputStream {
  samples: ThroughputSample[];
  state: StreamState;
  /** What the exporter last reported instead of a sample (`event: error`), until the next sample. */
  serverError?: string;
}

/**
 * The exporter's live signal through the proxy. EventSource reconnects by itself after a dropped connection,
 * but gives up on an HTTP error (Grafana answers 502 while the exporter is down): then the hook reopens it with
 * a growing delay. A stream that stays open yet brings no sample for STALE_INTERVALS intervals is reopened too.
 */
export function useThroughputStream(open: OpenStream, now: () => number): ThroughputStream {
  const [stream, setStream] = useState<ThroughputStream>(() => ({
    samples: [],
    state: { open: false, since: now() },
  }));

  useEffect(() => {
    let source: EventSourceLike | undefined;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let lastSample = now();
    let samples: ThroughputSample[] = [];
    const setState = (patch: Partial<StreamState>) =>
      setStream((s) => ({ ...s, state: { ...s.state, ...patch } }));

    const reopen = () => {
      source?.close();
      source = undefined;
      setState({ open: false });
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connect, reconnectDelay(attempt++));
    };

    function connect() {
      const es = open(STREAM_PATH);
      source = es;
      es.onopen = () => setState({ open: true });
      es.addEventListener('throughput', (event) => {
        const sample = parseSample(event.data);
        if (!sample || source !== es) {
          return;
        }
        attempt = 0;
        lastSample = now();
        samples = pushSample(samples, sample);
        setStream((s) => ({
          samples,
          state: { ...s.state, open: true, lastSampleAt: lastSample },
        }));
      });
      es.onerror = (event) => {
        const data = (event as MessageEvent).data;
        if (typeof data === 'string') {
          // The exporter's own `event: error` (Redis unreadable): the connection is fine, the data is not.
          const message = parseError(data);
          setStream((s) => ({ ...s, serverError: message }));
        } else if (es.readyState === CLOSED) {
          reopen();
        } else {
          setState({ open: false });
        }
      };
    }

    const watchdog = setInterval(() => {
      if (source && now() - lastSample > STALE_INTERVALS * pushInterval(samples)) {
        lastSample = now();
        reopen();
      }
    }, 1000);
    connect();
    return () => {
      source?.close();
      source = undefined;
      clearTimeout(retryTimer);
      clearInterval(watchdog);
    };
  }, [open, now]);

  return stream;
}

function parseError(data: string): string {
  try {
    const error = (JSON.parse(data) as { error?: unknown }).error;
    return typeof error === 'string' ? error : data;
  } catch {
    return data;
  }
}
