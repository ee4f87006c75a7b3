import React from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { OpsApiError } from '../../api/ops-client';
import type { OrgRole } from '../../api/proxy-routes';
import { OpsProvider } from '../../components/ops/ops-context';
import { FakeOpsClient, fakeDeps, heldActivity } from '../../testing/fake-ops-client';
import { Quarantine } from './Quarantine';

const START = Date.parse('2026-11-26T09:00:00Z');

function setup(role: OrgRole) {
  const client = new FakeOpsClient(() => Date.now(), 'grace@example.org');
  client.held = [
    heldActivity(7, 1_609_344, 3600, { userName: 'Mallory' }),
    heldActivity(8, 5000, 60, {
      userName: 'Gus',
      type: 'Ride',
      category: 'ride',
      provider: 'strava',
      reason: 'ride: average speed 83.33 m/s over 25 m/s',
    }),
  ];
  render(
    <OpsProvider deps={fakeDeps(client, role, () => Date.now())}>
      <Quarantine />
    </OpsProvider>,
  );
  return client;
}

const queueIds = () =>
  within(screen.getByRole('list', { name: 'Held activities' }))
    .queryAllByRole('listitem')
    .map((li) => li.getAttribute('data-testid'));

beforeEach(() => jest.useFakeTimers({ now: START }));
afterEach(() => jest.useRealTimers());

describe('Quarantine', () => {
  it('lists each held activity with its figures and why; Approve counts it and says by how much', async () => {
    const client = setup('Editor');
    expect(await screen.findByText('Mallory')).toBeInTheDocument();
    expect(queueIds()).toEqual(['held-7', 'held-8']);
    expect(screen.getByText(/2 waiting/)).toBeInTheDocument();
    const row = screen.getByTestId('held-7');
    expect(row).toHaveTextContent('1,609.3 km · 1h 00m · 1609.3 km/h');
    expect(row).toHaveTextContent('run: distance 1609.344 km over 350 km');
    expect(row).toHaveTextContent('held 1h');
    expect(screen.getByTestId('held-8')).toHaveTextContent('strava Ride');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Approve activity #7' }));
    });
    expect(client.calls.filter((c) => c.method === 'review').map((c) => c.args)).toEqual([[7, 'approve']]);
    expect(queueIds()).toEqual(['held-8']);
    expect(screen.getByTestId('decision')).toHaveTextContent('Approved #7 (Mallory): +1,609.3 km counted');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Reject activity #8' }));
    });
    expect(queueIds()).toEqual([]);
    expect(screen.getByTestId('decision')).toHaveTextContent('Rejected #8 (Gus): left out of every total');
    expect(screen.getByText('Nothing is held for review.')).toBeInTheDocument();
  });

  it('keeps the row and shows why when a decision is refused (decided by someone else meanwhile)', async () => {
    const client = setup('Editor');
    await screen.findByText('Mallory');
    client.failNext(
      'review',
      new OpsApiError(409, 'Conflict', 'activity 7 is not awaiting review (approved)', [], undefined),
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Reject activity #7' }));
    });
    expect(screen.getByText(/Could not reject activity #7/)).toBeInTheDocument();
    expect(screen.getByText(/not awaiting review \(approved\)/)).toBeInTheDocument();
    expect(queueIds()).toContain('held-7');
  });

  it("tells a Viewer the proxy refused: the queue names users, so Grafana's Editors and Admins only", async () => {
    const client = new FakeOpsClient(() => Date.now());
    client.held = [heldActivity(7, 1_609_344, 3600)];
    // As Grafana's plugin proxy answers a role below the route's reqRole.
    client.failNext(
      'quarantine',
      new OpsApiError(
        403,
        'plugin proxy route access denied',
        'your Grafana role may not do this',
        [],
        undefined,
      ),
    );
    render(
      <OpsProvider deps={fakeDeps(client, 'Viewer', () => Date.now())}>
        <Quarantine />
      </OpsProvider>,
    );
    expect(await screen.findByText(/Could not load the review queue/)).toBeInTheDocument();
    expect(screen.getByText(/your Grafana role may not do this/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Approve activity/ })).toBeNull();
  });
});
