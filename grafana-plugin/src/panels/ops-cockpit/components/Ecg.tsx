import React, { Ref, useId } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { areaPath, Point, smoothPath } from '../model/curve';
import { SignalModel } from '../model/signal';

interface Props {
  model: SignalModel;
  width: number;
  height: number;
  /** The group of traces, which the live page slides left between samples. */
  tracesRef?: Ref<SVGGElement>;
}

// Red is kept for the flatline; spikes are ringed in the theme's warning colour.
const PALETTE = ['green', 'blue', 'purple', 'yellow', 'light-blue', 'light-green'];
const LEGEND = 22;
const PAD = 6;

/**
 * The live signal as an ECG: one smoothed line per provider with a gradient fill below it, a flatline in red,
 * spikes ringed. Drawn by the panel from Prometheus and by the app's Live signal page from the stream.
 */
export const Ecg = ({ model, width, height, tracesRef }: Props) => {
  const theme = useTheme2();
  const s = useStyles2(getStyles);
  const id = useId().replace(/[^\w-]/g, '');
  const h = Math.max(20, height - LEGEND);
  const span = model.to - model.from || 1;
  const point = (t: number, v: number): Point => [
    ((t - model.from) / span) * width,
    h - PAD - (v / model.max) * (h - 2 * PAD),
  ];
  const colour = (flatline: boolean, i: number) =>
    flatline ? theme.colors.error.main : theme.visualization.getColorByName(PALETTE[i % PALETTE.length]);
  return (
    <div data-testid="ecg" style={{ width, height }}>
      <svg width={width} height={h} role="img" aria-label="Webhook events per second by provider">
        <g ref={tracesRef}>
          {model.traces.map((trace, i) => {
            const points = trace.times.map((t, j) => point(t, trace.values[j]));
            const c = colour(trace.flatline, i);
            return (
              <g
                key={trace.provider}
                data-testid="signal-trace"
                data-provider={trace.provider}
                data-flatline={trace.flatline}
                data-spikes={trace.spikes.length}
              >
                <linearGradient id={`${id}${i}`} x1="0" y1="0" x2="0" y2="1">
                  <stop offset="0" stopColor={c} stopOpacity={0.45} />
                  <stop offset="1" stopColor={c} stopOpacity={0} />
                </linearGradient>
                <path d={areaPath(points, h - PAD)} fill={`url(#${id}${i})`} />
                <path
                  d={smoothPath(points)}
                  fill="none"
                  stroke={c}
                  strokeWidth={trace.flatline ? 2.5 : 1.8}
                />
                {trace.spikes.map((j) => (
                  <circle
                    key={j}
                    data-testid="signal-spike"
                    cx={points[j][0]}
                    cy={points[j][1]}
                    r={5}
                    fill="none"
                    stroke={theme.colors.warning.main}
                    strokeWidth={2}
                  />
                ))}
              </g>
            );
          })}
        </g>
      </svg>
      <div className={s.legend}>
        {model.traces.map((trace, i) => (
          <span key={trace.provider} data-testid="signal-legend" data-provider={trace.provider}>
            <i className={s.swatch} style={{ background: colour(trace.flatline, i) }} />
            {`${trace.label} ${trace.last.toFixed(1)}/s`}
            {trace.flatline && <b className={s.flat}> FLATLINE</b>}
            {trace.spikes.length > 0 && <b className={s.spike}> spike</b>}
          </span>
        ))}
      </div>
    </div>
  );
};

const getStyles = (theme: GrafanaTheme2) => ({
  legend: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    height: LEGEND,
    overflow: 'hidden',
    alignItems: 'center',
    fontSize: theme.typography.bodySmall.fontSize,
    fontVariantNumeric: 'tabular-nums',
  }),
  swatch: css({ display: 'inline-block', width: 10, height: 3, marginRight: 6, verticalAlign: 'middle' }),
  flat: css({ color: theme.colors.error.text }),
  spike: css({ color: theme.colors.warning.text }),
});
