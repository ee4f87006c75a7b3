// The app in real Chromium against the real exporter and worker: the built dist/module.js loaded through AMD on
// a stand-in for Grafana (tests/grafana-standin.ts), every click going through the stand-in plugin proxy to the
// exporter with the operator token and the signed-in login, as Grafana would send them. Grafana itself is not
// run here (no Grafana binary on these machines).
import type { Browser, Page } from 'playwright-core';

import type { SignedInUser } from './plugin-proxy';
import { mailBody, startOpsBackend, waitFor, type OpsBackend } from './backend';
import { appStandIn, openAppPage } from './app-page';
import { launchChromium } from './chromium';
import type { GrafanaStandIn } from './grafana-standin';
import { APP_BASELINES } from './harness-page';
import { checkBaseline } from './screenshots';

const GRACE: SignedInUser = { login: 'grace@example.org', role: 'Editor' };
const VIC: SignedInUser = { login: 'vic', role: 'Viewer' };
const ADA: SignedInUser = { login: 'ada-admin', role: 'Admin' };

let backend: OpsBackend;
let grafana: GrafanaStandIn;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  backend = await startOpsBackend('grafapp');
  grafana = await appStandIn(backend);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await grafana?.close();
  await backend?.stop();
});

afterEach(() => {
  // A script error in any page, or a file the page asked for and did not get, fails the test that caused it.
  expect(errors.splice(0)).toEqual([]);
  expect(grafana.missing.splice(0)).toEqual([]);
});

/** Signs `user` in and opens an app page, as a browser tab on Grafana would. */
const open = (user: SignedInUser, page: string): Promise<Page> =>
  openAppPage(browser, grafana, user, page, errors);

/** A call from inside the page, as a tampered or scripted browser would send it: only the proxy stands between. */
function fetchInPage(tab: Page, method: string, proxyPath: string, body?: unknown) {
  return tab.evaluate(
    async ({ method, proxyPath, body }) => {
      const res = await fetch(`/api/plugin-proxy/ops-cockpit-app/${proxyPath}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-grafana-user': 'mallory' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.text() };
    },
    { method, proxyPath, body },
  );
}

/** An incident that started `minutesAgo` before `base` (times from this process, so a frozen page clock agrees). */
async function incident(
  message: string,
  level: string,
  minutesAgo: number,
  base = Date.now(),
): Promise<number> {
  const { rows } = await backend.db.pool.query<{ id: string }>(
    `INSERT INTO incidents (message, level, source, fingerprint, started_at)
     VALUES ($1, $2, 'alertmanager', md5($1), $3) RETURNING id`,
    [message, level, new Date(base - minutesAgo * 60_000)],
  );
  return Number(rows[0].id);
}

async function quietUser(name: string, email: string, daysQuiet: number, crew: string | null = null) {
  const { rows } = await backend.db.pool.query<{ id: string }>(
    `INSERT INTO users (name, email, crew, created_at, last_activity_at)
     VALUES ($1, $2, $3, now() - interval '200 days', now() - make_interval(days => $4)) RETURNING id`,
    [name, email, crew, daysQuiet],
  );
  return rows[0].id;
}

/** Freezes the page's clock, so ages and countdowns in a screenshot read the same on every run. */
async function screenshot(tab: Page, testId: string, name: string, at: number) {
  await tab.clock.setFixedTime(at);
  await tab.waitForTimeout(1100);
  const png = await tab.getByTestId(testId).screenshot({ animations: 'disabled' });
  expect(await checkBaseline(name, png, APP_BASELINES)).toBeUndefined();
}

function postStravaEvent(objectId: number) {
  return fetch(`${backend.exporterUrl}/api/webhooks/strava`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      object_type: 'activity',
      object_id: objectId,
      aspect_type: 'create',
      updates: {},
      owner_id: 4242,
      subscription_id: 1,
      event_time: Math.floor(Date.now() / 1000),
    }),
  });
}

describe('Incidents page', () => {
  test('an Editor acknowledges with the checkmark: struck through, recorded as their Grafana login', async () => {
    const seeded = Date.now();
    const old = await incident('ingest backlog above 1000', 'error', 30, seeded);
    const down = await incident('strava is down', 'critical', 3, seeded);
    const slow = await incident('garmin is slow', 'warn', 10, seeded);
    const tab = await open(GRACE, 'incidents');
    const rows = tab.getByRole('list', { name: 'Incident feed' }).getByRole('listitem');
    await waitFor(async () => (await rows.count()) === 3, 'three incidents listed');
    expect(await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-testid')))).toEqual([
      `incident-${down}`,
      `incident-${slow}`,
      `incident-${old}`,
    ]);

    await tab.getByRole('button', { name: `Acknowledge incident #${down}` }).click();
    const row = tab.getByTestId(`incident-${down}`);
    await row.and(tab.locator('[data-state="acknowledged"]')).waitFor();
    expect(await row.textContent()).toContain('acknowledged by grace@example.org');
    const decoration = await row
      .getByText('strava is down')
      .evaluate((el) => getComputedStyle(el).textDecorationLine);
    expect(decoration).toBe('line-through');
    const { rows: stored } = await backend.db.pool.query(
      'SELECT acknowledged_by, acknowledged_at IS NOT NULL AS acked FROM incidents WHERE id = $1',
      [down],
    );
    expect(stored).toEqual([{ acknowledged_by: 'grace@example.org', acked: true }]);
    expect(grafana.proxyLog).toContainEqual({
      method: 'POST',
      path: `api/ops/incidents/${down}/acknowledge`,
      status: 200,
    });

    // A new incident arrives while the page is open: typed in at the top of the feed.
    const fresh = await incident('apple health webhooks failing', 'critical', 0, seeded);
    const typed = tab.getByTestId(`incident-${fresh}`).getByTestId('typed');
    await typed.waitFor({ timeout: 10_000 });
    await waitFor(async () => (await typed.getAttribute('data-typing')) === 'false', 'typing finished');
    expect(await typed.textContent()).toBe('apple health webhooks failing');
    expect(await rows.first().getAttribute('data-testid')).toBe(`incident-${fresh}`);

    await tab.getByRole('radio', { name: 'Critical' }).click();
    expect(await rows.count()).toBe(2);
    await tab.getByRole('radio', { name: 'All levels' }).click();
    await screenshot(tab, 'incidents', 'app-incidents', seeded);
    await tab.close();
  });

  test('a Viewer sees the feed but cannot acknowledge: no control, and the proxy answers 403', async () => {
    const id = await incident('viewer cannot touch this', 'warn', 1);
    const tab = await open(VIC, 'incidents');
    const check = tab.getByRole('button', { name: `Acknowledge incident #${id} (editors and admins)` });
    await check.waitFor();
    expect(await check.isDisabled()).toBe(true);
    const forced = await fetchInPage(tab, 'POST', `api/ops/incidents/${id}/acknowledge`);
    expect(forced.status).toBe(403);
    expect(JSON.parse(forced.body)).toEqual({ message: 'plugin proxy route access denied' });
    const { rows } = await backend.db.pool.query('SELECT acknowledged_at FROM incidents WHERE id = $1', [id]);
    expect(rows).toEqual([{ acknowledged_at: null }]);
    await tab.close();
  });

  test('a signed-in Editor may not set chaos, even by hand', async () => {
    const tab = await open(GRACE, 'spike-lab');
    const forced = await fetchInPage(tab, 'PUT', 'api/ops/chaos/outage', { target: 'ingest' });
    expect(forced.status).toBe(403);
    expect((await fetchInPage(tab, 'GET', 'api/ops/chaos')).status).toBe(200);
    expect((await (await fetch(`${backend.exporterUrl}/api/ops/chaos`)).json()).faults).toEqual([]);
    await tab.close();
  });
});

describe('Spike Lab page', () => {
  test('an Admin sets an ingest outage: the page turns red, webhooks fail, Restore Calm clears it', async () => {
    const tab = await open(ADA, 'spike-lab');
    const lab = tab.getByTestId('spike-lab');
    await tab.getByText('All calm: no fault is set').waitFor();
    expect(await postStravaEvent(1001).then((r) => r.status)).toBe(200);

    const outage = tab.getByTestId('mode-outage');
    await outage.getByLabel('TTL seconds').fill('120');
    // The switch shows the exporter's state: it turns on once the fault is set, not on the click itself.
    await outage.getByRole('switch').click({ force: true });
    await tab.locator('[data-testid="spike-lab"][data-active-faults="1"]').waitFor();
    const countdown = tab.getByTestId('countdown-outage');
    expect(await countdown.textContent()).toMatch(
      /^(2:00|1:59|1:58) left · Incoming webhooks · all providers · 100% · set by grafana$/,
    );
    // The red fades in over 300 ms (a CSS transition): wait for it rather than read the first frame.
    await waitFor(
      async () => (await lab.evaluate((el) => getComputedStyle(el).backgroundColor)) !== 'rgba(0, 0, 0, 0)',
      'the Spike Lab page turning red',
      { timeoutMs: 5_000 },
    );

    const refused = await postStravaEvent(1002);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    const before = await countdown.textContent();
    await tab.waitForTimeout(2100);
    expect(await countdown.textContent()).not.toBe(before);

    const { faults } = await (await fetch(`${backend.exporterUrl}/api/ops/chaos`)).json();
    expect(faults).toHaveLength(1);
    await screenshot(tab, 'spike-lab', 'app-spike-lab', Date.parse(faults[0].expiresAt) - 90_000);
    await tab.clock.setFixedTime(Date.now() + 1000);

    await tab.getByRole('button', { name: /Restore Calm/ }).click();
    await tab.locator('[data-testid="spike-lab"][data-active-faults="0"]').waitFor();
    expect(await postStravaEvent(1003).then((r) => r.status)).toBe(200);
    const { rows } = await backend.db.pool.query('SELECT action, mode, actor FROM chaos_events ORDER BY id');
    expect(rows).toEqual([
      { action: 'set', mode: 'outage', actor: 'grafana' },
      { action: 'restore', mode: null, actor: 'grafana' },
    ]);
    await tab.close();
  });
});

describe('Quiet list page', () => {
  test('an Editor sends a nudge: it sparkles, the worker mails it to the SMTP server, the cooldown shows', async () => {
    const listed = Date.now();
    const ada = await quietUser('Ada Runner', 'ada@example.test', 23, 'Hill Goats');
    const bo = await quietUser('Bo Walker', 'bo@example.test', 15);
    await backend.db.pool.query(`UPDATE users SET last_nudge_at = now() - interval '2 hours' WHERE id = $1`, [
      bo,
    ]);
    const cy = await quietUser('Cy Gone', 'cy@example.test', 12);
    const tab = await open(GRACE, 'quiet-list');
    const card = (id: string) => tab.getByTestId(`quiet-${id}`);
    await card(ada).waitFor();
    expect(await card(ada).textContent()).toContain('23 days inactive');
    expect(await card(ada).textContent()).toContain('Hill Goats');
    await card(bo).getByTestId('cooldown').waitFor();
    expect(
      await card(bo)
        .getByRole('button', { name: /Send nudge/ })
        .count(),
    ).toBe(0);
    await screenshot(tab, 'quiet-list', 'app-quiet-list', listed);
    await tab.clock.setFixedTime(Date.now());

    await card(ada)
      .getByRole('button', { name: /Send nudge/ })
      .click();
    await card(ada).getByTestId('nudge-sent').waitFor();
    const mail = await waitFor(
      () => backend.smtp.received.find((m) => m.to.includes('ada@example.test')),
      'the nudge e-mail at the SMTP server',
      { timeoutMs: 15_000 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${backend.logs()}`);
    });
    expect(mailBody(mail.data)).toContain('It has been 23 days since your last activity');
    expect(mailBody(mail.data)).toContain('Your crew Hill Goats misses your miles');
    await card(ada).getByTestId('cooldown').waitFor({ timeout: 10_000 });
    const { rows } = await backend.db.pool.query('SELECT requested_by FROM nudges WHERE user_id = $1', [ada]);
    expect(rows).toEqual([{ requested_by: 'grafana' }]);

    // Gone between listing and clicking: the exporter's 404 is shown as a Grafana alert on the card.
    await backend.db.pool.query('DELETE FROM users WHERE id = $1', [cy]);
    await card(cy)
      .getByRole('button', { name: /Send nudge/ })
      .click();
    const alert = card(cy).getByTestId('ops-error');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Could not nudge Cy Gone');
    expect(await alert.textContent()).toContain(`Not found: no user ${cy} (HTTP 404)`);
    await tab.close();
  });
});

describe('Quarantine page', () => {
  /** An activity the worker held as impossible, for a new user; its id. */
  async function held(name: string, distanceM: number, reason: string): Promise<number> {
    const { rows } = await backend.db.pool.query<{ id: string }>(
      `WITH u AS (INSERT INTO users (name) VALUES ($1) RETURNING id)
       INSERT INTO activities (user_id, provider, external_id, type, distance_m, moving_time_s, start_date,
                               start_date_local, source_updated_at, review, quarantine_reason)
       SELECT u.id, 'garmin', md5($1), 'RUNNING', $2, 3600, now() - interval '2 hours',
              (now() - interval '2 hours')::timestamp, now(), 'quarantined', $3 FROM u
       RETURNING id`,
      [name, distanceM, reason],
    );
    return Number(rows[0].id);
  }

  const total = async () =>
    Number(
      (await backend.db.pool.query<{ m: string }>('SELECT total_meters::text AS m FROM global_stats')).rows[0]
        .m,
    );

  test('an Editor approves one and rejects another: the total moves by exactly the first, both recorded as their login', async () => {
    const forged = await held('Mallory Forger', 1_609_344, 'run: distance 1609.344 km over 350 km');
    const glitch = await held('Gus Glitch', 700_000, 'run: distance 700 km over 350 km');
    const before = await total();
    const tab = await open(GRACE, 'quarantine');
    await tab.getByTestId(`held-${forged}`).waitFor();
    expect(await tab.getByTestId(`held-${forged}`).textContent()).toContain(
      'run: distance 1609.344 km over 350 km',
    );

    await tab.getByRole('button', { name: `Approve activity #${forged}` }).click();
    await tab.getByText(`Approved #${forged} (Mallory Forger): +1,609.3 km counted`).waitFor();
    await tab.getByRole('button', { name: `Reject activity #${glitch}` }).click();
    await tab.getByText(`Rejected #${glitch} (Gus Glitch): left out of every total`).waitFor();
    await tab.getByText('Nothing is held for review.').waitFor();

    expect((await total()) - before).toBe(1_609_344);
    const { rows } = await backend.db.pool.query(
      `SELECT activity_id::int AS id, action, actor FROM activity_reviews ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: forged, action: 'approve', actor: 'grace@example.org' },
      { id: glitch, action: 'reject', actor: 'grace@example.org' },
    ]);
    expect(grafana.proxyLog).toContainEqual({
      method: 'POST',
      path: `api/ops/quarantine/${forged}/approve`,
      status: 200,
    });
    await tab.close();
  });

  test('a Viewer may neither read the queue nor decide: the proxy answers 403 and nothing moves', async () => {
    const id = await held('Vic Sees', 900_000, 'run: distance 900 km over 350 km');
    const before = await total();
    const tab = await open(VIC, 'quarantine');
    await tab.getByText('Could not load the review queue').waitFor();
    expect((await fetchInPage(tab, 'GET', 'api/ops/quarantine')).status).toBe(403);
    const forced = await fetchInPage(tab, 'POST', `api/ops/quarantine/${id}/approve`);
    expect(forced.status).toBe(403);
    expect(await total()).toBe(before);
    const { rows } = await backend.db.pool.query('SELECT review FROM activities WHERE id = $1', [id]);
    expect(rows).toEqual([{ review: 'quarantined' }]);
    await tab.close();
  });
});
