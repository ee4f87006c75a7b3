import React, { Fragment, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import { describeCell, heatLevel, heatmapLayout, HeatmapModel, HOURS, WEEKDAYS } from '../model/heatmap';
import { heatPalette } from './palette';

interface Props {
  model: HeatmapModel;
  width: number;
  height: number;
}

interface Hovered {
  weekday: number;
  hour: number;
  /** Cell centre relative to the panel, px. */
  x: number;
  y: number;
}

const TOOLTIP_WIDTH = 168;

export const HeatmapView = ({ model, width, height }: Props) => {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const [hovered, setHovered] = useState<Hovered | null>(null);
  const { cell, gap, labelWidth, header } = heatmapLayout(width, height);
  const palette = heatPalette(theme);

  const onEnter = (weekday: number, hour: number) => (event: React.MouseEvent<HTMLDivElement>) => {
    const target = event.currentTarget;
    setHovered({ weekday, hour, x: target.offsetLeft + cell / 2, y: target.offsetTop + cell / 2 });
  };

  return (
    <div data-testid="cockpit-heatmap" className={styles.wrapper} style={{ width, height }}>
      <div
        className={styles.grid}
        role="grid"
        aria-label="Activities by weekday and hour"
        style={{
          gridTemplateColumns: `${labelWidth}px repeat(${HOURS}, ${cell}px)`,
          gridTemplateRows: `${header}px repeat(${WEEKDAYS.length}, ${cell}px)`,
          gap,
        }}
      >
        <div />
        {Array.from({ length: HOURS }, (_, hour) => (
          <div key={hour} className={styles.hourLabel}>
            {hour % 3 === 0 ? hour : ''}
          </div>
        ))}
        {WEEKDAYS.map((day, weekday) => (
          <Fragment key={day}>
            <div className={styles.dayLabel}>{day.slice(0, 3)}</div>
            {model.counts[weekday].map((count, hour) => {
              const level = heatLevel(count, model.max);
              return (
                <div
                  key={hour}
                  role="gridcell"
                  aria-label={`${day} ${hour}:00, ${count}`}
                  data-testid="heatmap-cell"
                  data-weekday={weekday}
                  data-hour={hour}
                  data-count={count}
                  data-level={level}
                  className={styles.cell}
                  style={{ background: palette[level] }}
                  onMouseEnter={onEnter(weekday, hour)}
                  onMouseLeave={() => setHovered(null)}
                />
              );
            })}
          </Fragment>
        ))}
      </div>
      <div data-testid="heatmap-legend" className={styles.legend}>
        <span>Less</span>
        {palette.map((colour) => (
          <span key={colour} className={styles.swatch} style={{ background: colour }} />
        ))}
        <span>More</span>
        <span className={styles.total}>{model.total.toLocaleString('en-US')} activities in 7 days</span>
      </div>
      {hovered && <CellTooltip hovered={hovered} model={model} width={width} cell={cell} />}
    </div>
  );
};

/** Weekday, hour and count of the hovered cell; below the cell for the top rows so it stays inside the panel. */
const CellTooltip = ({
  hovered,
  model,
  width,
  cell,
}: {
  hovered: Hovered;
  model: HeatmapModel;
  width: number;
  cell: number;
}) => {
  const styles = useStyles2(getStyles);
  const text = describeCell(hovered.weekday, hovered.hour, model.counts[hovered.weekday][hovered.hour]);
  const below = hovered.weekday < 3;
  const left = Math.min(Math.max(hovered.x, TOOLTIP_WIDTH / 2), width - TOOLTIP_WIDTH / 2);
  const offset = cell * 0.8 + 6;
  return (
    <div
      data-testid="heatmap-tooltip"
      role="tooltip"
      className={styles.tooltip}
      style={{
        left,
        top: below ? hovered.y + offset : hovered.y - offset,
        transform: `translate(-50%, ${below ? '0' : '-100%'})`,
      }}
    >
      <div className={styles.tooltipTitle}>
        {text.weekday} {text.hour}
      </div>
      <div>{text.count}</div>
    </div>
  );
};

const getStyles = (theme: GrafanaTheme2) => ({
  wrapper: css({
    position: 'relative',
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    fontFamily: theme.typography.fontFamily,
  }),
  grid: css({ display: 'grid' }),
  hourLabel: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    lineHeight: '16px',
    whiteSpace: 'nowrap',
  }),
  dayLabel: css({
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    display: 'flex',
    alignItems: 'center',
  }),
  cell: css({
    borderRadius: theme.shape.radius.default,
    cursor: 'pointer',
    transition: theme.transitions.create(['transform', 'box-shadow'], {
      duration: theme.transitions.duration.shortest,
    }),
    '&:hover': {
      transform: 'scale(1.6)',
      zIndex: 1,
      boxShadow: theme.shadows.z2,
      outline: `1px solid ${theme.colors.text.primary}`,
    },
    '@media (prefers-reduced-motion: reduce)': { transition: 'none' },
  }),
  legend: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    marginTop: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  swatch: css({ width: 10, height: 10, borderRadius: 2 }),
  total: css({ marginLeft: theme.spacing(2) }),
  tooltip: css({
    position: 'absolute',
    zIndex: theme.zIndex.tooltip,
    width: TOOLTIP_WIDTH,
    padding: theme.spacing(0.75, 1),
    pointerEvents: 'none',
    background: theme.components.tooltip.background,
    color: theme.components.tooltip.text,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z3,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  tooltipTitle: css({ fontWeight: theme.typography.fontWeightMedium }),
});
