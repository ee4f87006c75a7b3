import { Page } from 'playwright-core';

import { sampleWeek } from '../src/panels/ops-cockpit/testing/week';
import { BASELINES, Harness, Theme } from './harness-page';
import { checkBaseline } from './screenshots';

const harness = new Harness();

beforeAll(() => harness.start());
afterAll(() => harness.stop());

const open = (scenario: string, options: Parameters<Harness['show']>[1] = {}) =>
  harness.show(scenario, options);

const animationOf = (p: Page, testId: string) =>
  p.getByTestId(testId).evaluate((el) => getComputedStyle(el).animationName);

describe('screenshots against the committed baselines', () => {
  const cases: Array<[string, Theme]> = [
    'heatmap',
    'progress',
    'progress-near-finish',
    'calm',
    'stressed',
    'pulse',
    'pulse-down',
    'signal',
    'signal-flatline',
    'signal-spike',
  ].flatMap((scenario) => (['dark', 'light'] as Theme[]).map((theme): [string, Theme] => [scenario, theme]));

  test.each(cases)('%s, %s theme', async (scenario, theme) => {
    const p = await open(scenario, { theme });
    const png = await p.getByTestId('panel').screenshot({ animations: 'disabled' });
    expect(await checkBaseline(`${scenario}-${theme}`, png, BASELINES)).toBeUndefined();
  });
  test('heatmap with a hovered cell (grown, with its tooltip), dark theme', async () => {
    const p = await open('heatmap');
    await p.locator('[data-testid="heatmap-cell"][data-weekday="2"][data-hour="18"]').hover();
    await p.getByTestId('heatmap-tooltip').waitFor();
    const png = await p.getByTestId('panel').screenshot({ animations: 'disabled' });
    expect(await checkBaseline('heatmap-hover-dark', png, BASELINES)).toBeUndefined();
  });
});

describe('page', () => {
  test('uses the Inter font from fonts-inter, as Grafana does, and raises no script error', async () => {
    const p = await open('heatmap');
    const inter = await p.evaluate(() =>
      [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Inter').map((f) => f.status),
    );
    expect(inter).toContain('loaded');
    expect(harness.server.missing.filter((u) => u.includes('/fonts/inter/'))).toEqual([]);
    expect(harness.errors).toEqual([]);
  });

  test('light and dark themes paint different canvases', async () => {
    const colour = async (theme: Theme) => {
      const p = await open('calm', { theme });
      return p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    };
    const [dark, light] = [await colour('dark'), await colour('light')];
    expect(dark).not.toBe(light);
  });
});

describe('heatmap', () => {
  test('7 rows of 24 cells, Sunday first, counts from the series labels', async () => {
    const p = await open('heatmap');
    const cells = p.getByTestId('heatmap-cell');
    expect(await cells.count()).toBe(168);
    const first = cells.first();
    expect(await first.getAttribute('data-weekday')).toBe('0');
    expect(await first.getAttribute('data-hour')).toBe('0');
    const week = sampleWeek();
    const counts = await cells.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-count'))));
    expect(counts).toEqual(week.flat());
    const busiest = p.locator('[data-testid="heatmap-cell"][data-weekday="2"][data-hour="18"]');
    expect(await busiest.getAttribute('data-level')).toBe('4');
  });

  test('a table frame with weekday, hour and value columns draws the same cells', async () => {
    const read = async (scenario: string) => {
      const p = await open(scenario);
      const counts = await p
        .getByTestId('heatmap-cell')
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-count')));
      return counts;
    };
    expect(await read('heatmap-table')).toEqual(await read('heatmap'));
  });

  test('a hovered cell grows and its tooltip names weekday, hour and count', async () => {
    const p = await open('heatmap');
    const week = sampleWeek();
    const cell = p.locator('[data-testid="heatmap-cell"][data-weekday="2"][data-hour="18"]');
    const before = (await cell.boundingBox())!;
    expect(await p.getByTestId('heatmap-tooltip').count()).toBe(0);

    await cell.hover();
    const tooltip = p.getByTestId('heatmap-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.innerText()).toBe(`Tuesday 18:00–19:00\n${week[2][18]} activities`);
    await p.waitForFunction(
      ([selector, width]) => document.querySelector(selector)!.getBoundingClientRect().width > width * 1.5,
      ['[data-testid="heatmap-cell"][data-weekday="2"][data-hour="18"]', before.width] as const,
    );

    await p.locator('[data-testid="heatmap-cell"][data-weekday="6"][data-hour="10"]').hover();
    await p.waitForFunction(() =>
      document.querySelector('[data-testid="heatmap-tooltip"]')?.textContent?.startsWith('Saturday 10:00'),
    );
    expect(await tooltip.innerText()).toBe(`Saturday 10:00–11:00\n${week[6][10]} activities`);

    await p.mouse.move(0, 0);
    await tooltip.waitFor({ state: 'detached' });
  });

  test("no series: Grafana's no-data view instead of an empty grid", async () => {
    const p = await open('heatmap-empty');
    expect(await p.getByTestId('heatmap-cell').count()).toBe(0);
    expect(await p.getByTestId('panel').innerText()).toContain('No data');
  });
});

describe('progress ring', () => {
  test('current miles against the goal series, percent in the centre, the flame still', async () => {
    const p = await open('progress');
    expect(await p.getByTestId('progress-percent').innerText()).toBe('42%');
    expect(await p.getByTestId('progress-miles').innerText()).toBe('421,337 mi of 1,000,000 mi');
    expect(await p.getByTestId('progress-flame').getAttribute('data-bouncing')).toBe('false');
    expect(await animationOf(p, 'progress-flame')).toBe('none');
    const arc = p.getByTestId('progress-arc');
    const [dash, offset] = await arc.evaluate((el) => [
      Number(el.getAttribute('stroke-dasharray')),
      Number(el.getAttribute('stroke-dashoffset')),
    ]);
    expect(1 - offset / dash).toBeCloseTo(0.421337, 5);
  });

  test('from 90 % on the flame bounces; prefers-reduced-motion stills it', async () => {
    let p = await open('progress-near-finish');
    expect(await p.getByTestId('progress-percent').innerText()).toBe('93%');
    expect(await p.getByTestId('progress-flame').getAttribute('data-bouncing')).toBe('true');
    expect(await animationOf(p, 'progress-flame')).not.toBe('none');

    p = await open('progress-near-finish', { reducedMotion: 'reduce' });
    expect(await p.getByTestId('progress-flame').getAttribute('data-bouncing')).toBe('true');
    expect(await animationOf(p, 'progress-flame')).toBe('none');
  });

  test('without a goal series the goalMiles option is the goal', async () => {
    const p = await open('progress-option-goal');
    expect(await p.getByTestId('progress-percent').innerText()).toBe('42%');
    expect(await p.getByTestId('progress-miles').innerText()).toBe('42 mi of 100 mi');
  });

  test('aggregated queries are matched by their refIds distance and goal', async () => {
    const p = await open('progress-refids');
    expect(await p.getByTestId('progress-percent').innerText()).toBe('96%');
    expect(await p.getByTestId('progress-miles').innerText()).toBe('960 mi of 1,000 mi');
  });
});

describe('stress mode', () => {
  const factors = (p: Page) =>
    p
      .getByTestId('stress-factor')
      .evaluateAll((els) =>
        els.map((el) => [
          el.getAttribute('data-factor'),
          el.getAttribute('data-active'),
          el.lastChild!.textContent,
        ]),
      );

  test('calm: the score and its factors, no red, nothing moves', async () => {
    const p = await open('calm');
    const panel = p.getByTestId('cockpit-stress');
    expect(await panel.getAttribute('data-stressed')).toBe('false');
    expect(await p.getByTestId('stress-score').innerText()).toBe('90');
    expect(await p.getByTestId('stress-overlay').count()).toBe(0);
    expect(await animationOf(p, 'cockpit-stress')).toBe('none');
    expect(await panel.evaluate((el) => getComputedStyle(el).backgroundImage)).toBe('none');
    expect(await factors(p)).toEqual([
      ['open_incidents', 'true', '−10'],
      ['provider_latency', 'false', '0'],
      ['provider_down', 'false', '0'],
    ]);
  });

  test('below the threshold: red gradient, pulsing overlay, shake', async () => {
    const p = await open('stressed');
    const panel = p.getByTestId('cockpit-stress');
    expect(await panel.getAttribute('data-stressed')).toBe('true');
    expect(await p.getByTestId('stress-score').innerText()).toBe('20');
    expect(await panel.evaluate((el) => getComputedStyle(el).backgroundImage)).toMatch(/^linear-gradient/);
    expect(await animationOf(p, 'cockpit-stress')).not.toBe('none');
    expect(await animationOf(p, 'stress-overlay')).not.toBe('none');
    expect(await factors(p)).toEqual([
      ['open_incidents', 'true', '−30'],
      ['provider_latency', 'false', '0'],
      ['provider_down', 'true', '−50'],
    ]);
  });

  test('prefers-reduced-motion turns the motion off and keeps the colour', async () => {
    const p = await open('stressed', { reducedMotion: 'reduce' });
    const panel = p.getByTestId('cockpit-stress');
    expect(await animationOf(p, 'cockpit-stress')).toBe('none');
    expect(await animationOf(p, 'stress-overlay')).toBe('none');
    expect(await panel.evaluate((el) => getComputedStyle(el).backgroundImage)).toMatch(/^linear-gradient/);
    expect(
      Number(await p.getByTestId('stress-overlay').evaluate((el) => getComputedStyle(el).opacity)),
    ).toBeGreaterThan(0);
  });

  test("no calm score series: Grafana's no-data view", async () => {
    const p = await open('stress-empty');
    expect(await p.getByTestId('cockpit-stress').count()).toBe(0);
    expect(await p.getByTestId('panel').innerText()).toContain('No data');
  });
});

describe('pulse grid', () => {
  const tiles = (p: Page) =>
    p
      .getByTestId('pulse-tile')
      .evaluateAll((els) =>
        els.map((el) => [
          el.getAttribute('data-provider'),
          el.getAttribute('data-state'),
          el.querySelector('[data-testid="pulse-bar"]')!.getAttribute('data-level'),
        ]),
      );

  test('healthy: every provider up with a green bar and a pulsing dot', async () => {
    const p = await open('pulse');
    expect(await tiles(p)).toEqual([
      ['apple_health', 'up', 'ok'],
      ['garmin', 'up', 'ok'],
      ['strava', 'up', 'ok'],
    ]);
    const dots = await p
      .getByTestId('pulse-dot')
      .evaluateAll((els) => els.map((el) => getComputedStyle(el).animationName));
    expect(dots.every((name) => name !== 'none')).toBe(true);
    const bar = p.getByTestId('pulse-bar').first();
    const [barWidth, trackWidth] = await bar.evaluate((el) => [
      el.getBoundingClientRect().width,
      el.parentElement!.getBoundingClientRect().width,
    ]);
    expect(barWidth / trackWidth).toBeCloseTo(1, 2);
  });

  test('down and degraded: red and orange bars, still dots, the last failure; Polar appears on its own', async () => {
    const p = await open('pulse-down');
    expect(await tiles(p)).toEqual([
      ['apple_health', 'down', 'critical'],
      ['garmin', 'degraded', 'warn'],
      ['polar', 'up', 'ok'],
      ['strava', 'up', 'ok'],
    ]);
    const animations = await p
      .getByTestId('pulse-dot')
      .evaluateAll((els) => els.map((el) => getComputedStyle(el).animationName !== 'none'));
    expect(animations).toEqual([false, false, true, true]);
    const apple = p.getByTestId('pulse-tile').first();
    expect(await apple.getByTestId('pulse-failure').innerText()).toBe('last failure: http_4xx, 3 min ago');
    const colours = await p
      .getByTestId('pulse-bar')
      .evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor));
    expect(new Set(colours.slice(0, 3)).size).toBe(3);
  });

  test('prefers-reduced-motion: the dots stay still, the colours stay', async () => {
    const p = await open('pulse', { reducedMotion: 'reduce' });
    const dots = await p
      .getByTestId('pulse-dot')
      .evaluateAll((els) => els.map((el) => getComputedStyle(el).animationName));
    expect(dots).toEqual(['none', 'none', 'none']);
    const png = await p.getByTestId('panel').screenshot({ animations: 'disabled' });
    expect(await checkBaseline('pulse-reduced-motion-dark', png, BASELINES)).toBeUndefined();
  });

  test("no provider series: Grafana's no-data view", async () => {
    const p = await open('pulse-empty');
    expect(await p.getByTestId('pulse-tile').count()).toBe(0);
    expect(await p.getByTestId('panel').innerText()).toContain('No data');
  });
});

describe('live signal ECG', () => {
  const traces = (p: Page) =>
    p
      .getByTestId('signal-trace')
      .evaluateAll((els) =>
        els.map((el) => [
          el.getAttribute('data-provider'),
          el.getAttribute('data-flatline'),
          el.getAttribute('data-spikes'),
        ]),
      );

  test('a smooth line per provider over a gradient fill, inside the panel', async () => {
    const p = await open('signal');
    expect(await traces(p)).toEqual([
      ['apple_health', 'false', '0'],
      ['garmin', 'false', '0'],
      ['strava', 'false', '0'],
    ]);
    const first = p.getByTestId('signal-trace').first();
    const [areaFill, line, stops] = await first.evaluate((g) => {
      const [area, path] = Array.from(g.querySelectorAll('path'));
      const gradient = g.querySelector(area.getAttribute('fill')!.slice(4, -1))!;
      return [
        area.getAttribute('fill'),
        path.getAttribute('d'),
        Array.from(gradient.querySelectorAll('stop')).map((stop) => stop.getAttribute('stop-opacity')),
      ];
    });
    expect(areaFill).toMatch(/^url\(#/);
    expect(stops).toEqual(['0.45', '0']);
    expect((line!.match(/C/g) ?? []).length).toBe(119);
    // Every point of the curve lies inside the drawing: x from 0 to the svg's width, y inside its height.
    const [width, height] = await p
      .getByTestId('ecg')
      .locator('svg')
      .evaluate((svg) => [Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))]);
    const numbers = line!.replace(/^M/, '').split(/[C,]/).map(Number);
    const xs = numbers.filter((_, i) => i % 2 === 0);
    const ys = numbers.filter((_, i) => i % 2 === 1);
    // The first sample is 595 s into the 600 s range: it starts 5 s' worth from the left edge.
    expect(Math.min(...xs)).toBeCloseTo((5 / 600) * width, 0);
    expect(Math.max(...xs)).toBeCloseTo(width, 0);
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ys)).toBeLessThanOrEqual(height);
  });

  test('a provider at zero for longer than flatlineSeconds is drawn in red and named a flatline', async () => {
    const p = await open('signal-flatline');
    expect(await traces(p)).toEqual([
      ['apple_health', 'false', '0'],
      ['garmin', 'true', '0'],
      ['strava', 'false', '0'],
    ]);
    const stroke = (provider: string) =>
      p
        .locator(`[data-testid="signal-trace"][data-provider="${provider}"] path`)
        .nth(1)
        .getAttribute('stroke');
    // The theme's error red: red well above green and blue.
    const [r, g, b] = ((await stroke('garmin')) ?? '')
      .match(/[0-9a-f]{2}/gi)!
      .slice(0, 3)
      .map((h) => parseInt(h, 16));
    expect(r).toBeGreaterThan(g + 80);
    expect(r).toBeGreaterThan(b + 60);
    expect(await stroke('strava')).not.toBe(await stroke('garmin'));
    expect(await p.locator('[data-testid="signal-legend"][data-provider="garmin"]').innerText()).toContain(
      'FLATLINE',
    );
  });

  test('samples above spikeFactor × the recent median are ringed', async () => {
    const p = await open('signal-spike');
    expect(await traces(p)).toContainEqual(['strava', 'false', '2']);
    expect(await p.getByTestId('signal-spike').count()).toBe(2);
  });

  test("no series: Grafana's no-data view", async () => {
    const p = await open('signal-empty');
    expect(await p.getByTestId('ecg').count()).toBe(0);
    expect(await p.getByTestId('panel').innerText()).toContain('No data');
  });
});
