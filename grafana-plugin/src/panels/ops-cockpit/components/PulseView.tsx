import React from 'react';
import { css, cx, keyframes } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { formatAgo, formatMs, formatPercent, PulseLevel, PulseTile } from '../model/pulse';

interface Props {
  tiles: PulseTile[];
  width: number;
  height: number;
  /** "Now" for the age of the last failure: the end of the dashboard's range. */
  now: number;
}

const STATE_TEXT = { up: 'up', degraded: 'degraded', down: 'down', unknown: 'no probe' };

export const PulseView = ({ tiles, width, height, now }: Props) => {
  const s = useStyles2(getStyles);
  return (
    <div data-testid="cockpit-pulse" className={s.grid} style={{ width, height }}>
      {tiles.map((t) => (
        <div key={t.provider} data-testid="pulse-tile" data-provider={t.provider} data-state={t.state}>
          <div className={s.head}>
            <span data-testid="pulse-dot" className={cx(s.dot, s[t.state], t.state === 'up' && s.pulsing)} />
            <b>{t.label}</b>
            <span className={s.dim}>{STATE_TEXT[t.state]}</span>
            <b data-testid="pulse-success" className={s.percent}>
              {t.successPercent === undefined ? '–' : formatPercent(t.successPercent)}
            </b>
          </div>
          <div className={s.track} title="probe success over the range">
            <div
              data-testid="pulse-bar"
              data-level={t.level}
              className={s.level[t.level]}
              style={{ width: `${t.successPercent ?? 0}%` }}
            />
          </div>
          <div data-testid="pulse-numbers" className={s.dim}>
            p95 {formatMs(t.p95Ms)} · TTFB {formatMs(t.ttfbMs)}
          </div>
          <div data-testid="pulse-failure" className={s.dim}>
            {t.lastFailure
              ? `last failure: ${t.lastFailure.reason}, ${formatAgo(t.lastFailure.at, now)}`
              : 'no failure in range'}
          </div>
        </div>
      ))}
    </div>
  );
};

const ripple = keyframes({ to: { boxShadow: '0 0 0 7px transparent' } });

const getStyles = (theme: GrafanaTheme2) => {
  const { success, warning, error, text, background } = theme.colors;
  const fill = (color: string) => css({ height: '100%', background: color, borderRadius: 'inherit' });
  // Object spread would cost the bundle a helper (ES2015 target): the colour steps are a nested map instead.
  const level: Record<PulseLevel, string> = {
    ok: fill(success.main),
    warn: fill(warning.main),
    critical: fill(error.main),
    none: fill('transparent'),
  };
  return {
    level,
    grid: css({
      display: 'grid',
      gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))',
      alignContent: 'start',
      gap: theme.spacing(2),
      padding: theme.spacing(1),
      overflow: 'auto',
      fontSize: theme.typography.bodySmall.fontSize,
    }),
    head: css({
      display: 'flex',
      alignItems: 'center',
      gap: theme.spacing(1),
      whiteSpace: 'nowrap',
      fontSize: theme.typography.body.fontSize,
    }),
    dim: css({ color: text.secondary, marginTop: 2 }),
    percent: css({ marginLeft: 'auto', fontVariantNumeric: 'tabular-nums' }),
    track: css({
      height: 8,
      margin: theme.spacing(1, 0, 0.5),
      borderRadius: 4,
      background: background.secondary,
    }),
    dot: css({ width: 10, height: 10, borderRadius: '50%', flex: 'none' }),
    up: css({ background: success.main, color: success.main }),
    degraded: css({ background: warning.main }),
    down: css({ background: error.main }),
    unknown: css({ background: text.disabled }),
    pulsing: css({
      boxShadow: '0 0 0 0 currentColor',
      animation: `${ripple} 1.6s ease-out infinite`,
      '@media (prefers-reduced-motion: reduce)': { animation: 'none' },
    }),
  };
};
