import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { startExporterProcess, type ExporterProcess } from './process-support.js';

// Runbooks that open: the built exporter serves rules/runbooks.md at /runbooks and says where in
// ops_runbook_info{url}; the rules build every runbook_url from that metric. promtool (in
// alertmanager-config.test.ts) fires every alert with ops_runbook_info{url="http://exporter:8080/runbooks"} and
// checks the expanded link; here each of those links, pointed at the real exporter, opens its own section.
const ROOT = path.resolve(__dirname, '..', '..');
const TEST_BASE = 'http://exporter:8080/runbooks';

let exporter: ExporterProcess;

beforeAll(async () => {
  exporter = await startExporterProcess('runbooks', {});
});
afterAll(async () => {
  await exporter?.close();
});

// Rule and test files, read loosely: promtool checks their shape.
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every expanded runbook_url a promtool test expects, with the alert it belongs to. */
function expandedLinks(): Map<string, Set<string>> {
  const links = new Map<string, Set<string>>();
  const dir = path.join(ROOT, 'rules', 'tests');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yml'))) {
    const doc = parse(readFileSync(path.join(dir, file), 'utf8')) as Json;
    for (const group of doc.tests) {
      for (const t of group.alert_rule_test ?? []) {
        for (const alert of t.exp_alerts ?? []) {
          const url = alert.exp_annotations?.runbook_url as string | undefined;
          if (url) links.set(t.alertname, (links.get(t.alertname) ?? new Set()).add(url));
        }
      }
    }
  }
  return links;
}

it('serves the runbooks where ops_runbook_info says, as HTML with one anchor per alert', async () => {
  const metrics = await (await fetch(`${exporter.url}/metrics`)).text();
  const url = /^ops_runbook_info\{url="([^"]+)"\} 1$/m.exec(metrics)?.[1];
  expect(url).toBe(`${exporter.url}/runbooks`);
  const res = await fetch(url!);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const page = await res.text();
  expect(page).toMatch(/^<!doctype html>/);
  expect(page).toContain('<h2><a id="providerdown"></a>ProviderDown (critical)</h2>');
});

it("opens every alert's expanded runbook link at its own section", async () => {
  const rules = (parse(readFileSync(path.join(ROOT, 'rules', 'ops-cockpit.yml'), 'utf8')) as Json).groups
    .flatMap((g: Json) => g.rules)
    .filter((r: Json) => r.alert);
  const links = expandedLinks();
  const page = await (await fetch(`${exporter.url}/runbooks`)).text();
  for (const rule of rules) {
    // Every alert is fired by a promtool test that checks its expanded link.
    const urls = [...(links.get(rule.alert) ?? [])];
    expect([rule.alert, urls.length > 0]).toEqual([rule.alert, true]);
    for (const url of urls) {
      expect(url.startsWith(`${TEST_BASE}#`)).toBe(true);
      const anchor = url.slice(TEST_BASE.length + 1);
      // The same link on this exporter: its section is there.
      expect([rule.alert, page.includes(`<a id="${anchor}"></a>`)]).toEqual([rule.alert, true]);
    }
  }
});
