// The AMD page's bundle: every package Grafana shares with plugins, whole (as Grafana's loader supplies them),
// plus mount() to render whatever panel the built dist/module.js exports. Bundled into .harness/amd.js.
import * as ReactDOM from 'react-dom';
import * as grafanaData from '@grafana/data';

import { externals } from './externals';
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

Object.assign(window, { cockpitHarness: { mount, externals, grafanaData, flushSync: ReactDOM.flushSync } });
document.body.dataset.harness = 'ready';
