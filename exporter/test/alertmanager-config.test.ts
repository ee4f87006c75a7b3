// The alert rules and the Alertmanager routing, checked with the real tools: `promtool test rules` runs the
// rules' unit tests, `amtool check-config` validates alertmanager.yml, `amtool config routes test` shows where
// each kind of alert goes. Lives in the exporter project only because that is where jest looks.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** Runs a tool from PATH and returns its output; a non-zero exit or a missing binary fails with the output. */
function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (result.error) {
    throw new Error(
      `${command}: ${result.error.message} (apt-get install -y --no-install-recommends prometheus prometheus-alertmanager)`,
    );
  }
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${output}`);
  return output;
}

const rules = (parse(readFileSync(path.join(ROOT, 'rules', 'ops-cockpit.yml'), 'utf8')) as Json).groups
  .flatMap((g: Json) => g.rules)
  .filter((r: Json) => r.alert);
const alertmanager = parse(readFileSync(path.join(ROOT, 'alertmanager', 'alertmanager.yml'), 'utf8')) as Json;

/** Receivers an alert with these labels reaches, in routing-tree order. */
function receivers(labels: Record<string, string>): string[] {
  const args = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  return run('amtool', ['config', 'routes', 'test', '--config.file=alertmanager/alertmanager.yml', ...args])
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('Warning'))
    .join(',')
    .split(',');
}

describe('rules/', () => {
  it('passes every promtool rule test', () => {
    const tests = readdirSync(path.join(ROOT, 'rules', 'tests'))
      .filter((f) => f.endsWith('.yml'))
      .map((f) => path.join('rules', 'tests', f));
    expect(tests.length).toBeGreaterThan(0);
    expect(run('promtool', ['test', 'rules', ...tests])).toContain('SUCCESS');
  });

  it('has the alerts the issue asks for, each with severity, summary, description and a runbook section', () => {
    expect(rules.map((r: Json) => r.alert).sort()).toEqual(
      [
        'CalmScoreLow',
        'ChallengeDrift',
        'DependencyDown',
        'ExporterDown',
        'IngestDeadLettered',
        'IngestStalled',
        'NudgesFailing',
        'ProbesStopped',
        'SpikeLabFaultLingering',
        'QuarantinePilingUp',
        'RetentionNotApplied',
        'ProviderDailyBudgetRunningOut',
        'IngestBacklog',
        'ProviderDown',
        'ProviderSlow',
        'WebhookErrorBudgetBurnFast',
        'WebhookErrorBudgetBurnSlow',
        'WebhookFlatline',
        'WebhookSpike',
        'WorkerDown',
      ].sort(),
    );
    const runbooks = readFileSync(path.join(ROOT, 'rules', 'runbooks.md'), 'utf8');
    for (const rule of rules) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({
        alert: rule.alert,
        severity: expect.stringMatching(/^(critical|error|warning)$/),
      });
      expect(Object.keys(rule.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
      // Built from the exporter's ops_runbook_info{url}: runbooks.test.ts opens each expanded link.
      const link =
        /^\{\{ with query "max by \(url\) \(ops_runbook_info\)" \}\}\{\{ \. \| first \| label "url" \}\}\{\{ end \}\}#([a-z]+)$/.exec(
          rule.annotations.runbook_url,
        );
      expect([rule.alert, link !== null]).toEqual([rule.alert, true]);
      const anchor = link![1]!;
      if (!runbooks.includes(`<a id="${anchor}"></a>`))
        throw new Error(`rules/runbooks.md has no #${anchor}`);
    }
  });
});

describe('alertmanager/alertmanager.yml', () => {
  it('passes amtool check-config', () => {
    expect(run('amtool', ['check-config', 'alertmanager/alertmanager.yml'])).toContain('SUCCESS');
  });

  it('sends every alert to the exporter and critical ones also to on-call', () => {
    expect(receivers({ alertname: 'ProviderDown', provider: 'strava', severity: 'critical' })).toEqual([
      'oncall-pagerduty',
      'ops-cockpit-exporter',
    ]);
    expect(receivers({ alertname: 'ProviderSlow', provider: 'strava', severity: 'warning' })).toEqual([
      'ops-cockpit-exporter',
    ]);
    expect(receivers({ alertname: 'Anything' })).toEqual(['ops-cockpit-exporter']);
  });

  it('pages on-call for the calm-score alert without turning it into an incident', () => {
    const calm = rules.find((r: Json) => r.alert === 'CalmScoreLow');
    expect(receivers({ alertname: 'CalmScoreLow', ...calm.labels })).toEqual(['oncall-pagerduty']);
  });

  it('inhibits warnings by a critical alert of the same provider only', () => {
    expect(alertmanager.inhibit_rules[0]).toEqual({
      source_matchers: ['severity="critical"', 'provider=~".+"'],
      target_matchers: ['severity="warning"'],
      equal: ['provider'],
    });
  });

  it('reads the PagerDuty key from a file that is in the repository under the mounted secrets', () => {
    const pagerduty = alertmanager.receivers.find(
      (r: Json) => r.name === 'oncall-pagerduty',
    ).pagerduty_configs;
    expect(pagerduty).toHaveLength(1);
    const file: string = pagerduty[0].routing_key_file;
    expect(file.startsWith('/etc/alertmanager/secrets/')).toBe(true);
    const local = path.join(ROOT, 'alertmanager', 'secrets', path.basename(file));
    expect(statSync(local).isFile()).toBe(true);
    expect(readFileSync(local, 'utf8').trim()).toMatch(/^\S+$/);
    expect(pagerduty[0].routing_key).toBeUndefined();
  });
});
