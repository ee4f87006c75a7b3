/**
 * The local demo's public credentials (`npm start` with DEMO=true sets them and prints them), so every operator
 * action can be tried. They are in this repository for anyone to read: the exporter refuses to start with any
 * of them unless DEMO=true.
 */
export const DEMO_OPERATOR = { name: 'demo', token: 'ops-cockpit-demo-operator-token' } as const;
export const DEMO_ALERTMANAGER_TOKEN = 'ops-cockpit-demo-alertmanager-token';

/** The demo credentials `value` carries, if any: a `name:token` list or a bare token. */
export function holdsDemoCredential(value: string | undefined): boolean {
  if (!value) return false;
  if (value === DEMO_ALERTMANAGER_TOKEN) return true;
  return value.split(',').some((pair) => pair.slice(pair.indexOf(':') + 1) === DEMO_OPERATOR.token);
}
