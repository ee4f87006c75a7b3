import React, { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { OpsApiError, type OpsClient } from '../../api/ops-client';
import { mayRequest, type OrgRole, type ProxyRoute } from '../../api/proxy-routes';
import type { OpenStream } from '../../pages/LiveSignal/use-throughput-stream';

/** What every page needs, passed in once by the app root (module.tsx in Grafana, the harness in tests). */
export interface OpsDeps {
  client: OpsClient;
  /** The signed-in user's org role, to show only the controls the proxy would let through. */
  role: OrgRole;
  /** The app's plugin.json routes: the proxy's rules, read by the pages too. */
  routes: readonly ProxyRoute[];
  now: () => number;
  /** A fresh Idempotency-Key per nudge click. */
  newId: () => string;
  /** Opens a server-sent event stream at a proxy path (the browser's EventSource in Grafana). */
  openStream: OpenStream;
  /** Poll intervals; the defaults suit people watching, tests shorten them. */
  pollMs?: Partial<Record<'chaos' | 'incidents' | 'quiet' | 'quarantine', number>>;
}

const OpsContext = createContext<OpsDeps | null>(null);

export function OpsProvider({ deps, children }: { deps: OpsDeps; children: React.ReactNode }) {
  return <OpsContext.Provider value={deps}>{children}</OpsContext.Provider>;
}

export function useOps(): OpsDeps {
  const deps = useContext(OpsContext);
  if (!deps) {
    throw new Error('useOps outside OpsProvider');
  }
  return deps;
}

/** Whether the signed-in role may send this request through the plugin proxy. */
export function useMay(method: string, path: string): boolean {
  const { routes, role } = useOps();
  return mayRequest(routes, role, method, path);
}

/** Any thrown value as an OpsApiError, so the alert has a title and a detail. */
export function asOpsError(err: unknown): OpsApiError {
  return err instanceof OpsApiError
    ? err
    : new OpsApiError(0, 'Unexpected error', String(err), [], undefined);
}

export interface Poll<T> {
  data: T | undefined;
  error: OpsApiError | undefined;
  /** Loads now (after an action) instead of waiting for the next tick. */
  reload: () => Promise<void>;
}

/**
 * Loads at once and then every `intervalMs`, one call at a time; an answer that arrives after a newer call
 * started (a filter changed) is dropped. `key` restarts polling when what is loaded changes.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, key: string): Poll<T> {
  // Answers are kept with the key they were loaded for: after a key change the old data is not shown.
  const [result, setResult] = useState<{ key: string; data?: T; error?: OpsApiError }>({ key });
  const loadRef = useRef(load);
  const keyRef = useRef(key);
  useEffect(() => {
    loadRef.current = load;
    keyRef.current = key;
  });
  const seq = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++seq.current;
    const forKey = keyRef.current;
    try {
      const data = await loadRef.current();
      if (mine === seq.current) {
        setResult({ key: forKey, data });
      }
    } catch (err) {
      if (mine === seq.current) {
        setResult((prev) => ({
          key: forKey,
          data: prev.key === forKey ? prev.data : undefined,
          error: asOpsError(err),
        }));
      }
    }
  }, []);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      await reload();
      if (!stopped) {
        timer = setTimeout(tick, intervalMs);
      }
    };
    void tick();
    return () => {
      stopped = true;
      seq.current += 1;
      if (timer) {
        clearTimeout(timer);
      }
    };
  }, [key, intervalMs, reload]);

  const current = result.key === key;
  return { data: current ? result.data : undefined, error: current ? result.error : undefined, reload };
}

/** The current time, re-rendered every `tickMs`: countdowns and ages move without a fetch. */
export function useNow(tickMs: number): number {
  const { now } = useOps();
  const [value, setValue] = useState(now);
  useEffect(() => {
    const timer = setInterval(() => setValue(now()), tickMs);
    return () => clearInterval(timer);
  }, [now, tickMs]);
  // The tick re-renders; the time itself is read fresh, so data arriving between ticks is never a second stale.
  return Math.max(value, now());
}
