import React from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';

import { SCENARIOS } from '../testing/scenarios';
import { panelProps } from '../testing/panelProps';
import { sampleWeek } from '../testing/week';
import { CockpitPanel } from './CockpitPanel';

const renderScenario = (name: string) => {
  const { series, options, width, height, range } = SCENARIOS[name];
  return render(<CockpitPanel {...panelProps(series, options, { width, height }, range)} />);
};

describe('CockpitPanel', () => {
  test('heatmap: 168 cells; hovering one shows weekday, hour and count', () => {
    renderScenario('heatmap');
    const cells = screen.getAllByTestId('heatmap-cell');
    expect(cells).toHaveLength(168);
    const tuesday18 = cells[2 * 24 + 18];
    expect(tuesday18).toHaveAttribute('data-level', '4');
    fireEvent.mouseEnter(tuesday18);
    expect(screen.getByTestId('heatmap-tooltip')).toHaveTextContent(
      `Tuesday 18:00–19:00${sampleWeek()[2][18]} activities`,
    );
    fireEvent.mouseLeave(tuesday18);
    expect(screen.queryByTestId('heatmap-tooltip')).toBeNull();
  });

  test('progress: percent in the centre, the flame bouncing near the finish', () => {
    renderScenario('progress-near-finish');
    expect(screen.getByTestId('progress-percent')).toHaveTextContent('93%');
    expect(screen.getByTestId('progress-flame')).toHaveAttribute('data-bouncing', 'true');
  });

  test('stress: below the threshold the panel is stressed and has the pulsing overlay', () => {
    renderScenario('stressed');
    expect(screen.getByTestId('cockpit-stress')).toHaveAttribute('data-stressed', 'true');
    expect(screen.getByTestId('stress-overlay')).toBeInTheDocument();
    expect(screen.getAllByTestId('stress-factor')).toHaveLength(3);
  });

  test('calm: no overlay', () => {
    renderScenario('calm');
    expect(screen.getByTestId('cockpit-stress')).toHaveAttribute('data-stressed', 'false');
    expect(screen.queryByTestId('stress-overlay')).toBeNull();
  });

  test('pulse: a tile per provider from the frames, the dot pulsing only while up, the last failure and its age', () => {
    renderScenario('pulse-down');
    const tiles = screen.getAllByTestId('pulse-tile');
    expect(tiles.map((t) => [t.dataset.provider, t.dataset.state])).toEqual([
      ['apple_health', 'down'],
      ['garmin', 'degraded'],
      ['polar', 'up'],
      ['strava', 'up'],
    ]);
    expect(tiles[0]).toHaveTextContent('Apple healthdown');
    expect(within(tiles[0]).getByTestId('pulse-success')).toHaveTextContent('62 %');
    expect(within(tiles[0]).getByTestId('pulse-numbers')).toHaveTextContent('p95 1.9 s · TTFB 500 ms');
    expect(within(tiles[0]).getByTestId('pulse-failure')).toHaveTextContent(
      'last failure: http_4xx, 3 min ago',
    );
    expect(within(tiles[0]).getByTestId('pulse-bar')).toHaveStyle('width: 62%');
    expect(within(tiles[0]).getByTestId('pulse-bar')).toHaveAttribute('data-level', 'critical');
    expect(within(tiles[3]).getByTestId('pulse-failure')).toHaveTextContent('no failure in range');
  });

  test('signal: a smoothed trace with a gradient fill per provider; a flatline and spikes marked', () => {
    renderScenario('signal-flatline');
    const garmin = screen.getAllByTestId('signal-trace').find((t) => t.dataset.provider === 'garmin')!;
    expect(garmin).toHaveAttribute('data-flatline', 'true');
    const [area, line] = Array.from(garmin.querySelectorAll('path'));
    expect(area.getAttribute('fill')).toMatch(/^url\(#/);
    expect(line.getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+C/);
    renderScenario('signal-spike');
    expect(screen.getAllByTestId('signal-spike')).toHaveLength(2);
  });

  test.each(['heatmap-empty', 'stress-empty', 'pulse-empty', 'signal-empty'])(
    '%s: PanelDataErrorView with "No data"',
    (name) => {
      renderScenario(name);
      expect(screen.getByText(/No data/)).toBeInTheDocument();
      for (const id of ['cockpit-heatmap', 'cockpit-stress', 'cockpit-pulse', 'ecg']) {
        expect(screen.queryByTestId(id)).toBeNull();
      }
    },
  );

  test("the query lacks the view's series: the message says what is missing", () => {
    const { series, width, height } = SCENARIOS.heatmap;
    render(<CockpitPanel {...panelProps(series, { view: 'progress' }, { width, height })} />);
    expect(screen.getByText(/ops_challenge_distance_meters/)).toBeInTheDocument();
  });

  test.each([
    ['heatmap', 'Quiet list →', '/a/ops-cockpit-app/quiet-list'],
    ['progress', 'Quiet list →', '/a/ops-cockpit-app/quiet-list'],
    ['stressed', 'Incidents →', '/a/ops-cockpit-app/incidents'],
    ['pulse', 'Spike Lab →', '/a/ops-cockpit-app/spike-lab'],
    ['signal', 'Live signal →', '/a/ops-cockpit-app/live-signal'],
  ])('%s links to the matching page of the app', (name, text, href) => {
    renderScenario(name);
    const link = screen.getByTestId('app-link');
    expect(link).toHaveTextContent(text);
    expect(link).toHaveAttribute('href', href);
  });
});
