import { PanelPlugin } from '@grafana/data';

import { CockpitPanel } from './components/CockpitPanel';
import { CockpitOptions, DEFAULT_OPTIONS } from './types';

export const plugin = new PanelPlugin<CockpitOptions>(CockpitPanel).setPanelOptions((builder) =>
  builder
    .addRadio({
      path: 'view',
      name: 'View',
      description: 'What the panel shows',
      defaultValue: DEFAULT_OPTIONS.view,
      settings: {
        options: [
          { value: 'heatmap', label: 'Activity heatmap', description: 'ops_activity_heatmap_activities' },
          { value: 'progress', label: 'Challenge progress', description: 'ops_challenge_distance_miles' },
          { value: 'stress', label: 'Stress mode', description: 'ops_calm_score, ops_calm_penalty' },
        ],
      },
    })
    .addNumberInput({
      path: 'goalMiles',
      name: 'Goal (miles)',
      description: 'Used when the query returns no ops_challenge_goal_miles series',
      defaultValue: DEFAULT_OPTIONS.goalMiles,
      settings: { min: 1 },
      showIf: (options) => options.view === 'progress',
    })
    .addNumberInput({
      path: 'stressThreshold',
      name: 'Stress threshold',
      description: 'Calm score below which the panel turns red, pulses and shakes',
      defaultValue: DEFAULT_OPTIONS.stressThreshold,
      settings: { min: 0, max: 100 },
      showIf: (options) => options.view === 'stress',
    }),
);
