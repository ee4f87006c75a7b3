import { PanelPlugin } from '@grafana/data';

import { CockpitPanel } from './components/CockpitPanel';
import { CockpitOptions, CockpitView, DEFAULT_OPTIONS } from './types';

type NumberPath = Exclude<keyof CockpitOptions, 'view'>;
type NumberOption = [path: NumberPath, name: string, view: CockpitView, min: number, max?: number];

// Thresholds of each view, shown only for it; names say the unit.
const NUMBERS: NumberOption[] = [
  ['goalMiles', 'Goal (miles), when no ops_challenge_goal_meters series', 'progress', 1],
  ['stressThreshold', 'Stress threshold (calm score)', 'stress', 0, 100],
  ['pulseWarnPercent', 'Success warning below (%)', 'pulse', 0, 100],
  ['pulseCriticalPercent', 'Success critical below (%)', 'pulse', 0, 100],
  ['pulseLatencyMs', 'Degraded above p95 latency (ms)', 'pulse', 1],
  ['flatlineSeconds', 'Flatline after zero events for (s)', 'signal', 1],
  ['spikeFactor', 'Spike above × recent median', 'signal', 1],
];

export const plugin = new PanelPlugin<CockpitOptions>(CockpitPanel).setPanelOptions((builder) => {
  builder.addRadio({
    path: 'view',
    name: 'View',
    description: 'What the panel shows',
    defaultValue: DEFAULT_OPTIONS.view,
    settings: {
      options: [
        { value: 'heatmap', label: 'Activity heatmap', description: 'ops_activity_heatmap_activities' },
        { value: 'progress', label: 'Challenge progress', description: 'ops_challenge_distance_meters' },
        { value: 'stress', label: 'Stress mode', description: 'ops_calm_score, ops_calm_penalty' },
        { value: 'pulse', label: 'Pulse grid', description: 'provider probes' },
        { value: 'signal', label: 'Live signal', description: 'webhook events/s' },
      ],
    },
  });
  for (const [path, name, view, min, max] of NUMBERS) {
    builder.addNumberInput({
      path,
      name,
      defaultValue: DEFAULT_OPTIONS[path],
      settings: { min, max },
      showIf: (options) => options.view === view,
    });
  }
});
