import React, { ComponentType } from 'react';
import { createRoot, Root } from 'react-dom/client';
import { createTheme, PanelProps, ThemeContext } from '@grafana/data';
import { GlobalStyles, PanelChrome } from '@grafana/ui';

import { panelProps } from '../../src/panels/ops-cockpit/testing/panelProps';
import { SCENARIOS } from '../../src/panels/ops-cockpit/testing/scenarios';
import { CockpitOptions, CockpitView } from '../../src/panels/ops-cockpit/types';

const TITLES: Record<CockpitView, string> = {
  heatmap: 'Activity heatmap',
  progress: 'Challenge progress',
  stress: 'Stress mode',
  pulse: 'Provider pulse',
  signal: 'Live signal',
};

let root: Root | undefined;
let renders = 0;

/**
 * Renders `Panel` for a named scenario inside Grafana's real panel chrome, theme and global styles, with real
 * PanelProps. Each call mounts afresh (a new key), so no state survives from the previous scenario.
 */
export function mount(
  Panel: ComponentType<PanelProps<CockpitOptions>>,
  name: string,
  themeMode: 'light' | 'dark',
  baseOptions: Partial<CockpitOptions> = {},
): void {
  const scenario = SCENARIOS[name];
  if (!scenario) {
    throw new Error(`unknown scenario ${name}`);
  }
  const theme = createTheme({ colors: { mode: themeMode } });
  const options = { ...baseOptions, ...scenario.options };
  root ??= createRoot(document.getElementById('root')!);
  renders += 1;
  root.render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div key={renders} data-testid="panel" style={{ display: 'inline-block', padding: 16 }}>
        <PanelChrome
          title={TITLES[options.view ?? 'heatmap']}
          width={scenario.width}
          height={scenario.height}
        >
          {(width, height) => (
            <Panel {...panelProps(scenario.series, options, { width, height }, scenario.range)} />
          )}
        </PanelChrome>
      </div>
    </ThemeContext.Provider>,
  );
}
