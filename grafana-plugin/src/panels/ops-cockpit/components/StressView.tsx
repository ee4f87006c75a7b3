import React from 'react';
import { css, cx, keyframes } from '@emotion/css';
import { colorManipulator, GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { formatPenalty, StressFactor, StressModel } from '../model/stress';

interface Props {
  model: StressModel;
  width: number;
  height: number;
}

export const StressView = ({ model, width, height }: Props) => {
  const styles = useStyles2(getStyles);
  const scoreSize = Math.max(24, Math.min(height * 0.38, width * 0.2));
  return (
    <div
      data-testid="cockpit-stress"
      data-stressed={model.stressed}
      className={cx(styles.wrapper, model.stressed ? styles.stressed : styles.calm)}
      style={{ width, height }}
    >
      {model.stressed && <div data-testid="stress-overlay" className={styles.overlay} aria-hidden />}
      <div className={styles.content}>
        <div className={styles.scoreBlock}>
          <div
            data-testid="stress-score"
            className={cx(styles.score, !model.stressed && styles.calmScore)}
            style={{ fontSize: scoreSize }}
          >
            {Math.round(model.score)}
          </div>
          <div className={styles.caption}>calm score</div>
          <div data-testid="stress-state" className={styles.state}>
            {model.stressed ? `Stressed: below ${model.threshold}` : `Calm: ${model.threshold} or more`}
          </div>
        </div>
        <ul className={styles.factors} aria-label="Calm score factors">
          {model.factors.map((factor) => (
            <FactorRow key={factor.factor} factor={factor} />
          ))}
        </ul>
      </div>
    </div>
  );
};

const FactorRow = ({ factor }: { factor: StressFactor }) => {
  const styles = useStyles2(getStyles);
  const active = (factor.penalty ?? 0) > 0;
  return (
    <li
      data-testid="stress-factor"
      data-factor={factor.factor}
      data-active={active}
      className={cx(styles.factor, active && styles.activeFactor)}
    >
      <span>{factor.label}</span>
      <span className={styles.penalty}>{formatPenalty(factor.penalty)}</span>
    </li>
  );
};

const pulse = keyframes({ from: { opacity: 0.25 }, to: { opacity: 0.85 } });

// A short burst of shaking, then stillness, every two seconds: urgent without being unreadable.
const shake = keyframes({
  '0%, 30%, 100%': { transform: 'translateX(0)' },
  '5%, 15%, 25%': { transform: 'translateX(-4px) rotate(-0.4deg)' },
  '10%, 20%': { transform: 'translateX(4px) rotate(0.4deg)' },
});

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({
    position: 'relative',
    overflow: 'hidden',
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    borderRadius: theme.shape.radius.default,
    fontFamily: theme.typography.fontFamily,
  }),
  calm: css({ color: theme.colors.text.primary }),
  stressed: css({
    color: theme.colors.error.contrastText,
    background: `linear-gradient(135deg, ${theme.colors.error.main} 0%, ${colorManipulator.darken(theme.colors.error.main, 0.55)} 100%)`,
    animation: `${shake} 2s ease-in-out infinite`,
    '@media (prefers-reduced-motion: reduce)': { animation: 'none' },
  }),
  overlay: css({
    position: 'absolute',
    inset: 0,
    pointerEvents: 'none',
    background: 'radial-gradient(circle at center, rgba(255, 60, 60, 0) 35%, rgba(255, 30, 30, 0.55) 100%)',
    opacity: 0.6,
    animation: `${pulse} 1.1s ease-in-out infinite alternate`,
    '@media (prefers-reduced-motion: reduce)': { animation: 'none' },
  }),
  content: css({
    position: 'relative',
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    justifyContent: 'center',
    gap: theme.spacing(4),
    padding: theme.spacing(2),
  }),
  scoreBlock: css({ textAlign: 'center' }),
  score: css({
    fontWeight: theme.typography.fontWeightMedium,
    lineHeight: 1,
    fontVariantNumeric: 'tabular-nums',
  }),
  calmScore: css({ color: theme.colors.success.text }),
  caption: css({ fontSize: theme.typography.body.fontSize, opacity: 0.8 }),
  state: css({
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
  }),
  factors: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    minWidth: 180,
    fontSize: theme.typography.body.fontSize,
  }),
  factor: css({
    display: 'flex',
    justifyContent: 'space-between',
    gap: theme.spacing(2),
    padding: theme.spacing(0.5, 0),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    opacity: 0.75,
  }),
  activeFactor: css({ opacity: 1, fontWeight: theme.typography.fontWeightMedium }),
  penalty: css({ fontVariantNumeric: 'tabular-nums' }),
});
