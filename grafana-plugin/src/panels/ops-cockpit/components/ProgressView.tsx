import React from 'react';
import { css, cx, keyframes } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { formatMiles, formatPercent, ProgressModel } from '../model/progress';
import { ringGeometry } from '../model/ring';
import { Flame } from './Flame';

interface Props {
  model: ProgressModel;
  width: number;
  height: number;
}

export const ProgressView = ({ model, width, height }: Props) => {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const size = Math.max(48, Math.min(width, height) - theme.spacing.gridSize * 2);
  const ring = ringGeometry(size, model.filled);
  const centre = size / 2;
  const arc =
    model.ratio >= 1
      ? theme.colors.success.main
      : model.nearFinish
        ? theme.visualization.getColorByName('orange')
        : theme.colors.primary.main;

  return (
    <div data-testid="cockpit-progress" className={styles.wrapper} style={{ width, height }}>
      <div className={styles.ring} style={{ width: size, height: size }}>
        <svg data-testid="progress-ring" width={size} height={size} viewBox={`0 0 ${size} ${size}`}>
          <circle
            cx={centre}
            cy={centre}
            r={ring.radius}
            fill="none"
            stroke={theme.colors.background.secondary}
            strokeWidth={ring.stroke}
          />
          {model.filled > 0 && (
            <circle
              data-testid="progress-arc"
              cx={centre}
              cy={centre}
              r={ring.radius}
              fill="none"
              stroke={arc}
              strokeWidth={ring.stroke}
              strokeLinecap="round"
              strokeDasharray={ring.circumference}
              strokeDashoffset={ring.dashOffset}
              transform={`rotate(-90 ${centre} ${centre})`}
            />
          )}
        </svg>
        <div className={styles.centre}>
          <div data-testid="progress-percent" className={styles.percent} style={{ fontSize: size * 0.16 }}>
            {formatPercent(model.ratio)}
          </div>
          <div data-testid="progress-miles" className={styles.miles}>
            {formatMiles(model.distance)} of {formatMiles(model.goal)}
          </div>
        </div>
        <div
          className={styles.flameSpot}
          style={{ left: ring.tip.x, top: ring.tip.y, width: ring.flame, height: ring.flame }}
        >
          <div
            data-testid="progress-flame"
            data-bouncing={model.nearFinish}
            className={cx(styles.flame, model.nearFinish && styles.bouncing)}
          >
            <Flame
              outer={theme.visualization.getColorByName('orange')}
              inner={theme.visualization.getColorByName('yellow')}
            />
          </div>
        </div>
      </div>
    </div>
  );
};

const bounce = keyframes({
  '0%, 100%': { transform: 'translateY(0) scale(1)' },
  '40%': { transform: 'translateY(-35%) scale(1.08)' },
  '60%': { transform: 'translateY(-30%) scale(1.05)' },
});

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    fontFamily: theme.typography.fontFamily,
  }),
  ring: css({ position: 'relative' }),
  centre: css({
    position: 'absolute',
    inset: 0,
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    textAlign: 'center',
  }),
  percent: css({
    fontWeight: theme.typography.fontWeightMedium,
    lineHeight: 1.1,
    color: theme.colors.text.primary,
    fontVariantNumeric: 'tabular-nums',
  }),
  miles: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    fontVariantNumeric: 'tabular-nums',
  }),
  flameSpot: css({ position: 'absolute', transform: 'translate(-50%, -50%)' }),
  flame: css({
    width: '100%',
    height: '100%',
    filter: `drop-shadow(0 0 2px ${theme.colors.background.primary})`,
  }),
  bouncing: css({
    animation: `${bounce} 0.9s ease-in-out infinite`,
    '@media (prefers-reduced-motion: reduce)': { animation: 'none' },
  }),
});
