import React from 'react';
import { act, render, screen } from '@testing-library/react';
import { OpsProvider } from '../../components/ops/ops-context';
import { FakeOpsClient, fakeDeps } from '../../testing/fake-ops-client';
import { fakeStreams } from '../../testing/fake-event-source';
import { LiveSignal } from './LiveSignal';

const START = Date.parse('2026-11-26T12:00:00Z');

// jsdom has no ResizeObserver: this one reports a fixed width, as a laid-out page would.
class FixedResizeObserver {
  constructor(private readonly cb: ResizeObserverCallback) {}
  observe(el: Element) {
    this.cb([{ contentRect: { width: 900 } } as ResizeObserverEntry], this as unknown as ResizeObserver);
    void el;
  }
  disconnect() {}
  unobserve() {}
}

function setup() {
  const streams = fakeStreams();
  const client = new FakeOpsClient(() => Date.now(), 'vic');
  render(
    <OpsProvider deps={fakeDeps(client, 'Viewer', () => Date.now(), streams.open)}>
      <LiveSignal />
    </OpsProvider>,
  );
  return streams;
}

const status = () => screen.getByTestId('live-signal').getAttribute('data-status');
let n = 0;
const push = (source: { throughput(d: unknown): void }, byProvider: Record<string, number>) =>
  act(() => source.throughput({ at: new Date(START + ++n * 5000).toISOString(), byProvider }));
const wait = (ms: number) => act(async () => void jest.advanceTimersByTime(ms));

beforeEach(() => {
  n = 0;
  jest.useFakeTimers({ now: START });
  Object.assign(window, {
    ResizeObserver: FixedResizeObserver,
    matchMedia: () => ({ matches: true }),
  });
});
afterEach(() => jest.useRealTimers());

describe('LiveSignal', () => {
  it("opens the exporter's stream through the proxy path and draws a trace per provider it sends", async () => {
    const streams = setup();
    expect(streams.opened.map((s) => s.path)).toEqual(['api/ops/throughput/stream']);
    expect(status()).toBe('reconnecting');
    act(() => streams.last.accept());
    expect(status()).toBe('connecting');
    push(streams.last, { strava: 2, garmin: 1, apple_health: 0, polar: 0.4 });
    push(streams.last, { strava: 3, garmin: 1, apple_health: 0, polar: 0.6 });
    expect(status()).toBe('live');
    const traces = screen.getAllByTestId('signal-trace').map((t) => t.getAttribute('data-provider'));
    expect(traces).toEqual(['apple_health', 'garmin', 'polar', 'strava']);
    expect(screen.getByTestId('stream-detail')).toHaveTextContent('last sample 12:00:10 UTC, every 5 s');
  });

  it('shows a stream that stays open without samples as stale, and reopens it', async () => {
    const streams = setup();
    act(() => streams.last.accept());
    push(streams.last, { strava: 1 });
    await wait(15_000);
    expect(status()).toBe('live');
    await wait(2000);
    expect(status()).toBe('stale');
    expect(screen.getByTestId('stream-detail')).toHaveTextContent(/^no sample for 1[67] s/);
    expect(streams.opened[0].readyState).toBe(2);
    await wait(1000);
    expect(streams.opened).toHaveLength(2);
    act(() => streams.last.accept());
    push(streams.last, { strava: 1 });
    expect(status()).toBe('live');
  });

  it('reconnects by itself after an HTTP error (the browser gives up), with a growing delay', async () => {
    const streams = setup();
    act(() => streams.last.refuse());
    expect(status()).toBe('reconnecting');
    await wait(999);
    expect(streams.opened).toHaveLength(1);
    await wait(1);
    expect(streams.opened).toHaveLength(2);
    act(() => streams.last.refuse());
    await wait(1999);
    expect(streams.opened).toHaveLength(2);
    await wait(1);
    expect(streams.opened).toHaveLength(3);
    act(() => streams.last.accept());
    push(streams.last, { strava: 1 });
    expect(status()).toBe('live');
  });

  it("leaves a dropped connection to the browser's own retry", async () => {
    const streams = setup();
    act(() => streams.last.accept());
    push(streams.last, { strava: 1 });
    act(() => streams.last.drop());
    expect(status()).toBe('reconnecting');
    await wait(5000);
    expect(streams.opened).toHaveLength(1);
    act(() => streams.last.accept());
    push(streams.last, { strava: 2 });
    expect(status()).toBe('live');
  });

  it("shows the exporter's own error event until the next sample", async () => {
    const streams = setup();
    act(() => streams.last.accept());
    act(() => streams.last.serverError('throughput unavailable'));
    expect(screen.getByText('The exporter could not read the live signal')).toBeInTheDocument();
    expect(status()).toBe('connecting');
    push(streams.last, { strava: 1 });
    expect(screen.queryByText('The exporter could not read the live signal')).toBeNull();
  });

  it('marks a flatline in the ECG', async () => {
    const streams = setup();
    act(() => streams.last.accept());
    for (let i = 0; i < 15; i++) {
      push(streams.last, { strava: 2, garmin: i < 2 ? 1 : 0 });
    }
    const garmin = screen.getAllByTestId('signal-trace').find((t) => t.dataset.provider === 'garmin')!;
    expect(garmin).toHaveAttribute('data-flatline', 'true');
    expect(screen.getAllByTestId('signal-legend')[0]).toHaveTextContent('Garmin 0.0/s FLATLINE');
  });
});
