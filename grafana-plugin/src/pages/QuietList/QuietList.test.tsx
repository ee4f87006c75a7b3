import React from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { OpsApiError } from '../../api/ops-client';
import type { OrgRole } from '../../api/proxy-routes';
import { OpsProvider } from '../../components/ops/ops-context';
import { FakeOpsClient, fakeDeps, quietUser } from '../../testing/fake-ops-client';
import { QuietList } from './QuietList';

const START = Date.parse('2026-11-26T12:00:00Z');

function setup(role: OrgRole, prepare: (client: FakeOpsClient) => void) {
  const client = new FakeOpsClient(() => Date.now());
  prepare(client);
  render(
    <OpsProvider deps={fakeDeps(client, role, () => Date.now())}>
      <QuietList />
    </OpsProvider>,
  );
  return client;
}

const seed = (client: FakeOpsClient) => {
  client.users = [
    quietUser('u1', 'Ada Runner', 23, { crew: 'Hill Goats' }),
    quietUser('u2', 'Bo Walker', 15, {
      lastNudgeAt: new Date(START - 2 * 3600_000).toISOString(),
      cooldownUntil: new Date(START + 22 * 3600_000).toISOString(),
    }),
  ];
};

const card = (id: string) => screen.getByTestId(`quiet-${id}`);

beforeEach(() => jest.useFakeTimers({ now: START }));
afterEach(() => jest.useRealTimers());

describe('Quiet list', () => {
  it('shows name, days inactive, crew and last nudge on each card; the cooldown instead of the button', async () => {
    setup('Editor', seed);
    expect(await screen.findByText('Ada Runner')).toBeInTheDocument();
    expect(card('u1')).toHaveTextContent('23 days inactive');
    expect(card('u1')).toHaveTextContent('CrewHill Goats');
    expect(card('u1')).toHaveTextContent('Last nudgenever');
    expect(within(card('u1')).getByRole('button', { name: /Send nudge/ })).toBeEnabled();
    expect(card('u2')).toHaveTextContent('no crew');
    expect(card('u2')).toHaveTextContent('Last nudge2h ago');
    expect(within(card('u2')).queryByRole('button', { name: /Send nudge/ })).toBeNull();
    expect(within(card('u2')).getByTestId('cooldown')).toHaveTextContent('Cooling down · 22h 00m left');
  });

  it('sends a nudge with a fresh Idempotency-Key, sparkles, then shows the cooldown', async () => {
    const client = setup('Editor', seed);
    await screen.findByText('Ada Runner');
    await act(async () => {
      fireEvent.click(within(card('u1')).getByRole('button', { name: /Send nudge/ }));
    });
    expect(client.calls.filter((c) => c.method === 'nudge').map((c) => c.args)).toEqual([['u1', 'key-1']]);
    expect(within(card('u1')).getByTestId('nudge-sent')).toHaveTextContent('Nudge on its way');
    await act(async () => {
      jest.advanceTimersByTime(2000);
    });
    expect(within(card('u1')).queryByTestId('nudge-sent')).toBeNull();
    expect(within(card('u1')).getByTestId('cooldown')).toHaveTextContent(/Cooling down · 23h 59m left/);
    expect(card('u1')).toHaveTextContent('Last nudge2s ago');
  });

  it('shows a refusal as a Grafana alert on the card, and the cooldown a 409 names', async () => {
    const client = setup('Editor', seed);
    await screen.findByText('Ada Runner');
    client.failNext(
      'nudge',
      new OpsApiError(409, 'Conflict', 'user u1 was nudged within the last 24 h; retry in 3600 s', [], 3600),
    );
    await act(async () => {
      fireEvent.click(within(card('u1')).getByRole('button', { name: /Send nudge/ }));
    });
    const alert = within(card('u1')).getByTestId('ops-error');
    expect(alert).toHaveTextContent('Could not nudge Ada Runner');
    expect(alert).toHaveTextContent(
      'Conflict: user u1 was nudged within the last 24 h; retry in 3600 s (HTTP 409)',
    );
    expect(within(card('u1')).getByTestId('cooldown')).toHaveTextContent('Cooling down · 1h 00m left');

    client.failNext(
      'nudge',
      new OpsApiError(503, 'Dependency unavailable', 'the nudge queue is unavailable', [], undefined),
    );
    await act(async () => {
      fireEvent.click(within(card('u1')).queryByRole('button', { name: /Send nudge/ }) ?? document.body);
    });
    // Cooling down: no button, so no second call.
    expect(client.calls.filter((c) => c.method === 'nudge')).toHaveLength(1);
  });

  it('keeps an error on the card until dismissed, and the button for another try', async () => {
    const client = setup('Editor', seed);
    await screen.findByText('Ada Runner');
    client.failNext(
      'nudge',
      new OpsApiError(503, 'Dependency unavailable', 'the nudge queue is unavailable', [], undefined),
    );
    await act(async () => {
      fireEvent.click(within(card('u1')).getByRole('button', { name: /Send nudge/ }));
    });
    expect(within(card('u1')).getByTestId('ops-error')).toHaveTextContent(
      'the nudge queue is unavailable (HTTP 503)',
    );
    expect(within(card('u1')).getByRole('button', { name: /Send nudge/ })).toBeEnabled();
    fireEvent.click(within(card('u1')).getByRole('button', { name: /Close alert/ }));
    expect(within(card('u1')).queryByTestId('ops-error')).toBeNull();
  });

  it('lets a viewer see the list but not nudge, and loads more pages', async () => {
    setup('Viewer', (client) => {
      seed(client);
      client.nextCursor = 'c1';
      client.morePage = [quietUser('u3', 'Cy Swimmer', 11)];
    });
    await screen.findByText('Ada Runner');
    expect(within(card('u1')).getByRole('button', { name: /Send nudge/ })).toHaveAttribute(
      'aria-disabled',
      'true',
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    });
    expect(screen.getByText('Cy Swimmer')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });
});
