import React from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { OpsApiError } from '../../api/ops-client';
import type { OrgRole } from '../../api/proxy-routes';
import { OpsProvider } from '../../components/ops/ops-context';
import { FakeOpsClient, fakeDeps, incident } from '../../testing/fake-ops-client';
import { Incidents } from './Incidents';

const START = Date.parse('2026-11-26T12:00:00Z');

function setup(role: OrgRole, prepare: (client: FakeOpsClient) => void) {
  const client = new FakeOpsClient(() => Date.now(), 'grace@example.org');
  prepare(client);
  render(
    <OpsProvider deps={fakeDeps(client, role, () => Date.now())}>
      <Incidents />
    </OpsProvider>,
  );
  return client;
}

const feedIds = () =>
  within(screen.getByRole('list', { name: 'Incident feed' }))
    .getAllByRole('listitem')
    .map((li) => li.getAttribute('data-testid'));

beforeEach(() => jest.useFakeTimers({ now: START }));
afterEach(() => jest.useRealTimers());

const seed = (client: FakeOpsClient) => {
  client.incidentList = [
    incident(1, 90, START, { message: 'strava is slow', level: 'warn' }),
    incident(2, 5, START, { message: 'strava is down', level: 'critical' }),
    incident(3, 30, START, { message: 'ingest backlog', level: 'error', source: 'probe' }),
    incident(4, 200, START, { message: 'old news', resolvedAt: new Date(START - 3600_000).toISOString() }),
  ];
};

describe('Incidents', () => {
  it('lists newest first with level, source and age; a checkmark acknowledges and strikes through', async () => {
    const client = setup('Editor', seed);
    expect(await screen.findByText('strava is down')).toBeInTheDocument();
    expect(feedIds()).toEqual(['incident-2', 'incident-3', 'incident-1', 'incident-4']);
    const row = screen.getByTestId('incident-2');
    expect(row).toHaveTextContent('critical');
    expect(row).toHaveTextContent('alertmanager');
    expect(row).toHaveTextContent('5m');
    expect(within(row).getByText('strava is down')).not.toHaveStyle('text-decoration: line-through');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Acknowledge incident #2' }));
    });
    expect(client.calls.filter((c) => c.method === 'acknowledge').map((c) => c.args)).toEqual([[2]]);
    const acked = screen.getByTestId('incident-2');
    expect(acked).toHaveAttribute('data-state', 'acknowledged');
    expect(within(acked).getByText('strava is down')).toHaveStyle('text-decoration: line-through');
    expect(acked).toHaveTextContent('acknowledged by grace@example.org 0s ago');
    expect(within(acked).getByRole('button', { name: 'Incident #2 is acknowledged' })).toBeDisabled();
    await act(async () => {
      jest.advanceTimersByTime(125_000);
    });
    expect(screen.getByTestId('incident-2')).toHaveTextContent('acknowledged by grace@example.org 2m ago');
    expect(screen.getByTestId('incident-4')).toHaveTextContent('resolved 1h 2m ago');
  });

  it('filters by level on the page and by state at the exporter', async () => {
    const client = setup('Viewer', seed);
    await screen.findByText('strava is down');
    fireEvent.click(screen.getByRole('radio', { name: 'Critical' }));
    expect(feedIds()).toEqual(['incident-2']);
    fireEvent.click(screen.getByRole('radio', { name: 'All levels' }));
    await act(async () => {
      fireEvent.click(screen.getByRole('radio', { name: 'Resolved' }));
    });
    expect(await screen.findByText('old news')).toBeInTheDocument();
    expect(feedIds()).toEqual(['incident-4']);
    expect(client.calls.filter((c) => c.method === 'incidents').map((c) => c.args[0])).toContain('resolved');
    fireEvent.click(screen.getByRole('radio', { name: 'Critical' }));
    expect(screen.getByText('No incidents match these filters.')).toBeInTheDocument();
  });

  it('types in an incident that arrives while watching, and only that one', async () => {
    const client = setup('Editor', seed);
    await screen.findByText('strava is down');
    expect(screen.queryAllByTestId('typed')).toHaveLength(0);
    client.incidentList.push(incident(5, 0, START, { message: 'garmin is down', level: 'critical' }));
    await act(async () => {
      jest.advanceTimersByTime(1000);
    });
    expect(feedIds()[0]).toBe('incident-5');
    const typed = within(screen.getByTestId('incident-5')).getByTestId('typed');
    expect(typed).toHaveAttribute('data-typing', 'true');
    expect(typed.textContent!.length).toBeLessThan('garmin is down'.length);
    await act(async () => {
      jest.advanceTimersByTime(2000);
    });
    expect(typed).toHaveAttribute('data-typing', 'false');
    expect(typed).toHaveTextContent('garmin is down');
    expect(screen.getAllByTestId('typed')).toHaveLength(1);
  });

  it('shows a viewer the checkmark but not as a control, and a refused acknowledgement as an alert', async () => {
    setup('Viewer', seed);
    await screen.findByText('strava is down');
    expect(
      screen.getByRole('button', { name: 'Acknowledge incident #2 (editors and admins)' }),
    ).toBeDisabled();
  });

  it('keeps the row open and says why when the acknowledgement fails', async () => {
    const client = setup('Editor', seed);
    await screen.findByText('strava is down');
    client.failNext(
      'acknowledge',
      new OpsApiError(
        403,
        'plugin proxy route access denied',
        'your Grafana role may not do this',
        [],
        undefined,
      ),
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Acknowledge incident #3' }));
    });
    const alert = screen.getByTestId('ops-error');
    expect(alert).toHaveTextContent('Could not acknowledge incident #3');
    expect(alert).toHaveTextContent(
      'plugin proxy route access denied: your Grafana role may not do this (HTTP 403)',
    );
    expect(screen.getByTestId('incident-3')).toHaveAttribute('data-state', 'open');
  });
});
