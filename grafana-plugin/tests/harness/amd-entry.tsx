// The AMD page's bundle: every package Grafana shares with plugins, whole (as Grafana's loader supplies them),
// plus mount() to render whatever panel the built dist/module.js exports. Bundled into .harness/amd.js.
import * as ReactDOM from 'react-dom';
import * as grafanaData from '@grafana/data';

import { SCENARIOS } from '../../src/panels/ops-cockpit/testing/scenarios';
import { externals, sharedSet } from './externals';
import { mount } from './mount';

// Grafana core fills the options-editor registry at start (its editors are not in any package); the option
// builders of a plugin look their editor up by id. The harness draws no options pane, so each id gets an
// editor that renders nothing: enough for the builder calls Grafana makes when it loads the plugin.
const EDITOR_IDS = [
  'boolean',
  'color',
  'dashboard-uid',
  'field-name',
  'multi-select',
  'number',
  'radio',
  'select',
  'slider',
  'strings',
  'text',
  'timezone',
  'unit',
];
grafanaData.standardEditorsRegistry.setInit(() =>
  EDITOR_IDS.map((id) => ({ id, name: id, editor: () => null })),
);

// Each scenario's view and whether its query returned anything, for tests that walk through every one.
const scenarios = Object.fromEntries(
  Object.entries(SCENARIOS).map(([name, s]) => [
    name,
    { view: s.options.view ?? 'heatmap', empty: s.series.length === 0 },
  ]),
);

Object.assign(window, {
  cockpitHarness: { mount, externals, grafanaData, flushSync: ReactDOM.flushSync, sharedSet, scenarios },
});
document.body.dataset.harness = 'ready';
