import React, { useEffect, useMemo, useRef, useState } from 'react';
import { css, cx, keyframes } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, useStyles2 } from '@grafana/ui';

import { useNow, useOps } from '../../components/ops/ops-context';
import { Ecg } from '../../panels/ops-cockpit/components/Ecg';
import { toSignalModel } from '../../panels/ops-cockpit/model/signal';
import { DEFAULT_OPTIONS } from '../../panels/ops-cockpit/types';
import { pushInterval, streamStatus, toSeries, WINDOW_MS, type StreamStatus } from './live-signal';
import { useThroughputStream } from './use-throughput-stream';

const HEIGHT = 340;

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  stale: 'Stale',
  reconnecting: 'Reconnecting…',
};

/**
 * The live signal from the exporter's server-sent stream (through the app's proxy): the panel's ECG, sliding
 * left between the 5-second samples, and what the stream is doing (live, stale, reconnecting).
 */
export function LiveSignal() {
  const { openStream, now } = useOps();
  const { samples, state, serverError } = useThroughputStream(openStream, now);
  const clock = useNow(1000);
  const styles = useStyles2(getStyles);
  const [box, width] = useWidth();
  const interval = pushInterval(samples);
  const status = streamStatus(state, clock, interval);
  const latest = samples[samples.length - 1];
  const model = useMemo(
    () =>
      latest &&
      toSignalModel(toSeries(samples), DEFAULT_OPTIONS, { from: latest.at - WINDOW_MS, to: latest.at }),
    [samples, latest],
  );
  const traces = useSweep(state.lastSampleAt, width, now);
  const quietFor = Math.round((clock - (state.lastSampleAt ?? state.since)) / 1000);

  return (
    <PluginPage>
      <div className={styles.page} data-testid="live-signal" data-status={status}>
        <div className={styles.bar}>
          <span data-testid="stream-status" className={cx(styles.badge, styles[status])}>
            {STATUS_TEXT[status]}
          </span>
          <span className={styles.muted} data-testid="stream-detail">
            {status === 'stale'
              ? `no sample for ${quietFor} s${state.open ? '' : ', reconnecting'}`
              : latest
                ? `last sample ${new Date(latest.at).toISOString().slice(11, 19)} UTC, every ${interval / 1000} s`
                : 'waiting for the first sample'}
          </span>
        </div>
        {serverError && (
          <Alert severity="warning" title="The exporter could not read the live signal">
            {serverError}
          </Alert>
        )}
        <div ref={box} className={cx(styles.ecg, status === 'stale' && styles.staleEcg)}>
          {model && width > 0 && <Ecg model={model} width={width} height={HEIGHT} tracesRef={traces} />}
        </div>
        <p className={styles.muted}>
          Webhook events per second by provider over the last {WINDOW_MS / 60_000} minutes, from the
          exporter&apos;s stream. A red line is a flatline (no events for {DEFAULT_OPTIONS.flatlineSeconds}{' '}
          s); a ringed point is a spike ({DEFAULT_OPTIONS.spikeFactor}× the recent median).
        </p>
      </div>
    </PluginPage>
  );
}

/** The width of a box, followed as it resizes. */
function useWidth(): [React.RefCallback<HTMLDivElement>, number] {
  const [width, setWidth] = useState(0);
  const observer = useRef<ResizeObserver>();
  const ref = (el: HTMLDivElement | null) => {
    observer.current?.disconnect();
    if (el) {
      observer.current = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
      observer.current.observe(el);
    }
  };
  return [ref, width];
}

/**
 * Slides the traces left as time passes since the last sample, one frame at a time, so the ECG moves like a
 * monitor between pushes; it stops after one and a half windows' worth of nothing. Off with reduced motion.
 */
function useSweep(lastSampleAt: number | undefined, width: number, now: () => number) {
  const traces = useRef<SVGGElement>(null);
  useEffect(() => {
    const g = traces.current;
    if (!g || lastSampleAt === undefined || window.matchMedia('(prefers-reduced-motion: reduce)').matches) {
      return;
    }
    let frame = 0;
    let shown = '';
    const tick = () => {
      const elapsed = Math.min(Math.max(0, now() - lastSampleAt), WINDOW_MS / 10);
      const transform = `translate(${(-(elapsed / WINDOW_MS) * width).toFixed(1)},0)`;
      if (transform !== shown) {
        g.setAttribute('transform', transform);
        shown = transform;
      }
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(frame);
  }, [lastSampleAt, width, now]);
  return traces;
}

const blink = keyframes({ '50%': { opacity: 0.35 } });

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2), maxWidth: 1200 }),
  bar: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2) }),
  badge: css({
    padding: theme.spacing(0.25, 1),
    borderRadius: theme.shape.radius.pill,
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.text.maxContrast,
  }),
  live: css({
    background: theme.colors.success.transparent,
    '&::before': {
      content: '"● "',
      color: theme.colors.success.main,
      animation: `${blink} 1.2s ease-in-out infinite`,
      '@media (prefers-reduced-motion: reduce)': { animation: 'none' },
    },
  }),
  connecting: css({ background: theme.colors.info.transparent }),
  reconnecting: css({ background: theme.colors.warning.transparent }),
  stale: css({ background: theme.colors.error.transparent, color: theme.colors.error.text }),
  muted: css({ color: theme.colors.text.secondary, margin: 0 }),
  ecg: css({
    minHeight: HEIGHT,
    padding: theme.spacing(1),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    overflow: 'hidden',
  }),
  staleEcg: css({ opacity: 0.55, outline: `2px solid ${theme.colors.error.border}` }),
});
