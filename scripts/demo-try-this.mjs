// @ts-check
// The "try this" block `npm start` prints in demo mode: one curl per operator action, each working exactly as
// printed against the running demo (scripts/test/start-demo.test.ts runs them). Pure: text in, text out.

/**
 * @param {{ exporter: string; simulator: string; operatorToken: string; alertmanagerToken: string; nowIso: string }} o
 * @returns {string[]} the lines; comments start with '#', every other line is one shell command
 */
export function tryThisCommands(o) {
  const operator = `-H 'Authorization: Bearer ${o.operatorToken}'`;
  const json = `-H 'Content-Type: application/json'`;
  const pick = (expr) => `node -pe 'JSON.parse(require("fs").readFileSync(0)).${expr}'`;
  const alert = JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'ops-cockpit',
    groupKey: 'demo',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'DemoAlert', severity: 'warning' },
        annotations: { summary: 'A test alert from the demo' },
        startsAt: o.nowIso,
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'demo',
      },
    ],
  });
  return [
    '# Nudge the quietest user who may be nudged now; the e-mail lands in the simulator outbox',
    `user=$(curl -fsS '${o.exporter}/api/ops/quiet-users?limit=50' | ${pick('users.find((u) => !u.cooldownUntil).id')})`,
    `curl -fsS -X POST ${o.exporter}/api/ops/nudge ${operator} ${json} -d "{\\"userId\\":\\"$user\\"}"`,
    `curl -fsS ${o.simulator}/control/outbox`,
    '# Spike Lab: a Strava outage for 5 minutes, then Restore Calm',
    `curl -fsS -X PUT ${o.exporter}/api/ops/chaos/outage ${operator} ${json} -d '{"target":"provider","providers":["strava"],"ttlSeconds":300}'`,
    `curl -fsS -X POST ${o.exporter}/api/ops/chaos/restore ${operator}`,
    '# An alert as Alertmanager posts it, then acknowledge the incident it opened',
    `curl -fsS -X POST ${o.exporter}/api/alertmanager -H 'Authorization: Bearer ${o.alertmanagerToken}' ${json} -d '${alert}'`,
    `incident=$(curl -fsS '${o.exporter}/api/ops/incidents?limit=1' | ${pick('incidents[0].id')})`,
    `curl -fsS -X POST ${o.exporter}/api/ops/incidents/$incident/acknowledge ${operator}`,
  ];
}
