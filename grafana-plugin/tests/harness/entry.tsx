// The harness page: the panel sources rendered by mount(). Bundled by esbuild into .harness/harness.js.
// `?scenario=heatmap&theme=light` renders one scenario on load (for looking at it by hand); the tests call
// cockpitHarness.show() instead, which re-renders without reloading the page.
import { flushSync } from 'react-dom';

import { CockpitPanel } from '../../src/panels/ops-cockpit/components/CockpitPanel';
import { SCENARIOS } from '../../src/panels/ops-cockpit/testing/scenarios';
import { mount } from './mount';

function show(name: string, theme: 'light' | 'dark') {
  flushSync(() => mount(CockpitPanel, name, theme));
}

Object.assign(window, { cockpitHarness: { show, scenarios: Object.keys(SCENARIOS) } });

const params = new URLSearchParams(window.location.search);
const scenario = params.get('scenario');
if (scenario) {
  show(scenario, params.get('theme') === 'light' ? 'light' : 'dark');
}
document.body.dataset.harness = 'ready';
