import React from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { OpsApiError } from '../../api/ops-client';
import type { OrgRole } from '../../api/proxy-routes';
import { OpsProvider } from '../../components/ops/ops-context';
import { FakeOpsClient, fakeDeps } from '../../testing/fake-ops-client';
import { SpikeLab } from './SpikeLab';

const START = Date.parse('2026-11-26T12:00:00Z');

function setup(role: OrgRole = 'Admin', prepare: (client: FakeOpsClient) => void = () => {}) {
  const client = new FakeOpsClient(() => Date.now());
  prepare(client);
  const view = render(
    <OpsProvider deps={fakeDeps(client, role, () => Date.now())}>
      <SpikeLab />
    </OpsProvider>,
  );
  return { client, view };
}

const page = () => screen.getByTestId('spike-lab');
const modeSwitch = (label: string) => within(screen.getByTestId(`mode-${label}`)).getByRole('switch');

beforeEach(() => {
  jest.useFakeTimers({ now: START });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('Spike Lab', () => {
  it('sets a fault from its toggle, turns the page red and counts down, then restores calm', async () => {
    const { client } = setup();
    expect(await screen.findByText('All calm: no fault is set')).toBeInTheDocument();
    expect(page()).toHaveAttribute('data-active-faults', '0');

    fireEvent.change(screen.getByLabelText('TTL seconds', { selector: '#spike-outage-ttl' }), {
      target: { value: '90' },
    });
    fireEvent.click(within(screen.getByTestId('mode-outage')).getByLabelText('Garmin'));
    await act(async () => {
      fireEvent.click(modeSwitch('outage'));
    });
    expect(client.calls.find((c) => c.method === 'setFault')?.args).toEqual([
      'outage',
      { target: 'ingest', providers: ['strava', 'apple_health', 'polar'], probability: 100, ttlSeconds: 90 },
    ]);
    expect(await screen.findByText('1 fault active')).toBeInTheDocument();
    expect(page()).toHaveAttribute('data-active-faults', '1');
    expect(screen.getByTestId('countdown-outage')).toHaveTextContent(
      '1:30 left · Incoming webhooks · Strava, Apple Health, Polar · 100% · set by grace',
    );
    expect(modeSwitch('outage')).toBeChecked();

    await act(async () => {
      jest.advanceTimersByTime(1000);
    });
    expect(screen.getByTestId('countdown-outage')).toHaveTextContent('1:29 left');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /Restore Calm/ }));
    });
    expect(client.calls.some((c) => c.method === 'restoreCalm')).toBe(true);
    expect(await screen.findByText('All calm: no fault is set')).toBeInTheDocument();
    expect(page()).toHaveAttribute('data-active-faults', '0');
  });

  it('clears one fault when its toggle goes off, and a fault ends by itself at its expiry', async () => {
    const { client } = setup();
    await screen.findByText('All calm: no fault is set');
    await act(async () => {
      fireEvent.click(modeSwitch('latency'));
    });
    await act(async () => {
      fireEvent.click(modeSwitch('duplicates'));
    });
    expect(await screen.findByText('2 faults active')).toBeInTheDocument();
    await act(async () => {
      fireEvent.click(modeSwitch('latency'));
    });
    expect(client.calls.filter((c) => c.method === 'clearFault').map((c) => c.args)).toEqual([['latency']]);
    expect(await screen.findByText('1 fault active')).toBeInTheDocument();
    // Five minutes later the duplicates fault has expired: gone from the page even before a poll says so.
    client.failNext('chaos', new OpsApiError(503, 'Dependency unavailable', 'redis', [], undefined));
    await act(async () => {
      jest.advanceTimersByTime(301_000);
    });
    expect(page()).toHaveAttribute('data-active-faults', '0');
  });

  it('shows the exporter refusal as a Grafana alert and next to the field it names', async () => {
    const { client } = setup();
    await screen.findByText('All calm: no fault is set');
    client.failNext(
      'setFault',
      new OpsApiError(
        400,
        'Bad request',
        'invalid fault: probability',
        [{ field: 'probability', message: 'Too big' }],
        undefined,
      ),
    );
    fireEvent.change(screen.getByLabelText('Probability %', { selector: '#spike-outage-probability' }), {
      target: { value: '500' },
    });
    await act(async () => {
      fireEvent.click(modeSwitch('outage'));
    });
    const alert = await screen.findByTestId('ops-error');
    expect(alert).toHaveTextContent('Could not set Outage');
    expect(alert).toHaveTextContent('Bad request: invalid fault: probability (HTTP 400)');
    expect(within(screen.getByTestId('mode-outage')).getByText('Too big')).toBeInTheDocument();
    expect(page()).toHaveAttribute('data-active-faults', '0');
  });

  it('lets a non-admin watch but not change anything', async () => {
    setup('Editor', (client) => {
      client.chaosState.faults = [
        {
          mode: 'rate_limit',
          target: 'provider',
          providers: ['strava'],
          probability: 50,
          delayMs: 0,
          jitterMs: 0,
          expiresAt: new Date(START + 60_000).toISOString(),
          setBy: 'ada',
        },
      ];
    });
    expect(await screen.findByText('1 fault active')).toBeInTheDocument();
    expect(screen.getByText('Read only')).toBeInTheDocument();
    for (const mode of ['outage', 'rate_limit', 'latency', 'duplicates']) {
      expect(modeSwitch(mode)).toBeDisabled();
    }
    // With a tooltip Grafana's Button is aria-disabled, so the tooltip still shows why.
    expect(screen.getByRole('button', { name: /Restore Calm/ })).toHaveAttribute('aria-disabled', 'true');
  });

  it('says so when the exporter runs with chaos off, and when it cannot be reached', async () => {
    const { client } = setup('Admin', (c) => (c.chaosState.enabled = false));
    expect(await screen.findByText('Spike Lab is off')).toBeInTheDocument();
    expect(modeSwitch('outage')).toBeDisabled();
    client.failNext('chaos', new OpsApiError(502, 'Bad Gateway', undefined, [], undefined));
    await act(async () => {
      jest.advanceTimersByTime(1000);
    });
    expect(await screen.findByTestId('ops-error')).toHaveTextContent('Could not load Spike Lab');
  });
});
