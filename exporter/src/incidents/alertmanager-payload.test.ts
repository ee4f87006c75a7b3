import {
  alertChanges,
  alertmanagerNotificationSchema,
  levelFor,
  messageFor,
} from './alertmanager-payload.js';

const base = {
  status: 'firing',
  labels: { alertname: 'ProviderDown', provider: 'strava', severity: 'critical' },
  annotations: { summary: 'strava is down' },
  startsAt: '2026-11-26T08:39:05.815123456Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: '',
  fingerprint: 'f1',
};

function parse(alerts: object[]) {
  return alertmanagerNotificationSchema.parse({
    version: '4',
    status: 'firing',
    receiver: 'ops-cockpit-exporter',
    groupKey: '{}',
    alerts,
    someFutureField: true,
  });
}

describe('levelFor', () => {
  it('maps critical, error and page, and everything else to warn', () => {
    expect(['critical', 'CRITICAL', 'error', 'page', 'warning', 'info', '', undefined].map(levelFor)).toEqual(
      ['critical', 'critical', 'error', 'error', 'warn', 'warn', 'warn', 'warn'],
    );
  });
});

describe('messageFor', () => {
  it('prefers the summary, then the alert name, then the fingerprint', () => {
    expect(
      messageFor({ labels: { alertname: 'A' }, annotations: { summary: ' S ' }, fingerprint: 'f' }),
    ).toBe('S');
    expect(messageFor({ labels: { alertname: 'A' }, annotations: { summary: ' ' }, fingerprint: 'f' })).toBe(
      'A',
    );
    expect(messageFor({ labels: {}, annotations: {}, fingerprint: 'f' })).toBe('alert f');
  });
});

describe('alertChanges', () => {
  it('accepts nanosecond timestamps and unknown members, and keeps a zero endsAt out of resolvedAt', () => {
    const { changes, ignored } = alertChanges(
      parse([
        base,
        { ...base, status: 'resolved', fingerprint: 'f0', endsAt: '2026-11-26T09:00:00+01:00' },
        { ...base, status: 'resolved', fingerprint: 'f2' },
      ]),
    );
    expect(ignored).toBe(0);
    expect(changes.map((c) => [c.fingerprint, c.resolved, c.resolvedAt, c.generatorUrl])).toEqual([
      ['f0', true, '2026-11-26T09:00:00+01:00', null],
      ['f1', false, null, null],
      ['f2', true, null, null],
    ]);
  });

  it('orders changes by fingerprint, then start, so concurrent notifications lock rows alike', () => {
    const { changes } = alertChanges(
      parse([
        { ...base, fingerprint: 'b', startsAt: '2026-11-26T10:00:00Z' },
        { ...base, fingerprint: 'b', startsAt: '2026-11-26T09:00:00Z' },
        { ...base, fingerprint: 'a' },
      ]),
    );
    expect(changes.map((c) => `${c.fingerprint}@${c.startedAt}`)).toEqual([
      'a@2026-11-26T08:39:05.815123456Z',
      'b@2026-11-26T09:00:00Z',
      'b@2026-11-26T10:00:00Z',
    ]);
  });

  it('counts incident="false" alerts as ignored', () => {
    const result = alertChanges(
      parse([{ ...base, labels: { alertname: 'CalmScoreLow', incident: 'false' } }]),
    );
    expect(result).toEqual({ changes: [], ignored: 1 });
  });
});

describe('text Postgres cannot store', () => {
  it('refuses NUL in a label name or value, an annotation, the fingerprint or the group key, naming the field', () => {
    const nul = '\u0000';
    const issues = (body: object) => {
      const r = alertmanagerNotificationSchema.safeParse({
        version: '4',
        status: 'firing',
        receiver: 'ops-cockpit-exporter',
        groupKey: '{}',
        alerts: [base],
        ...body,
      });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    const why = 'must not contain the NUL character (U+0000)';
    expect(issues({ alerts: [{ ...base, labels: { alertname: `Provider${nul}Down` } }] })).toEqual([
      `alerts.0.labels.alertname: ${why}`,
    ]);
    expect(issues({ alerts: [{ ...base, labels: { [`a${nul}`]: 'x' } }] })).toHaveLength(1);
    expect(issues({ alerts: [{ ...base, annotations: { summary: nul } }] })).toEqual([
      `alerts.0.annotations.summary: ${why}`,
    ]);
    expect(issues({ alerts: [{ ...base, fingerprint: `f${nul}` }] })).toEqual([
      `alerts.0.fingerprint: ${why}`,
    ]);
    expect(issues({ groupKey: nul })).toEqual([`groupKey: ${why}`]);
    expect(issues({})).toEqual([]);
  });
});
