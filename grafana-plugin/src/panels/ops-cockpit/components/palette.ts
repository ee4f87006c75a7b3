import { GrafanaTheme2 } from '@grafana/data';

/** Heat colours from "none" to the busiest step: light to dark green on light themes, dark to bright on dark. */
export function heatPalette(theme: GrafanaTheme2): string[] {
  const steps = theme.isDark
    ? ['dark-green', 'semi-dark-green', 'green', 'light-green']
    : ['super-light-green', 'light-green', 'green', 'dark-green'];
  return [
    theme.colors.background.secondary,
    ...steps.map((name) => theme.visualization.getColorByName(name)),
  ];
}
