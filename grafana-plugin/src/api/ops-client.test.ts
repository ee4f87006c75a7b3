import { createOpsClient, errorFromAnswer, OpsApiError, type FetchLike } from './ops-client';

interface Sent {
  url: string;
  init: RequestInit;
}

/** A fetch that answers from a list and records what was asked; Response objects as the browser makes them. */
function fakeFetch(
  answers: Array<{ status: number; body?: unknown; headers?: Record<string, string> } | Error>,
) {
  const sent: Sent[] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    sent.push({ url, init });
    const answer = answers.shift();
    if (!answer) {
      throw new Error('no answer left');
    }
    if (answer instanceof Error) {
      throw answer;
    }
    const text =
      answer.body === undefined
        ? ''
        : typeof answer.body === 'string'
          ? answer.body
          : JSON.stringify(answer.body);
    return {
      ok: answer.status >= 200 && answer.status < 300,
      status: answer.status,
      statusText: '',
      headers: { get: (name: string) => answer.headers?.[name.toLowerCase()] ?? null },
      text: async () => text,
    } as unknown as Response;
  };
  return { fetch, sent };
}

describe('createOpsClient', () => {
  it('calls the plugin proxy paths with JSON bodies and the nudge Idempotency-Key', async () => {
    const { fetch, sent } = fakeFetch([
      { status: 200, body: { enabled: true, faults: [] } },
      { status: 200, body: { mode: 'outage' } },
      { status: 200, body: { incidents: [{ id: 1 }] } },
      { status: 200, body: { id: 3 } },
      { status: 200, body: { users: [], nextCursor: null } },
      { status: 202, body: { nudgeId: 'n1' } },
      { status: 200, body: { cleared: [] } },
      { status: 200, body: { cleared: null } },
    ]);
    const client = createOpsClient({ baseUrl: '/grafana/api/plugin-proxy/ops-cockpit-app/', fetch });
    await client.chaos();
    await client.setFault('outage', { target: 'ingest', probability: 50, ttlSeconds: 60 });
    expect(await client.incidents('open', 200)).toEqual([{ id: 1 }]);
    await client.acknowledge(3);
    await client.quietUsers({ limit: 50, cursor: 'abc' });
    expect(await client.nudge('u-1', 'key-1')).toEqual({ nudgeId: 'n1' });
    await client.restoreCalm();
    await client.clearFault('latency');
    const base = '/grafana/api/plugin-proxy/ops-cockpit-app';
    expect(sent.map((s) => `${s.init.method} ${s.url}`)).toEqual([
      `GET ${base}/api/ops/chaos`,
      `PUT ${base}/api/ops/chaos/outage`,
      `GET ${base}/api/ops/incidents?state=open&limit=200`,
      `POST ${base}/api/ops/incidents/3/acknowledge`,
      `GET ${base}/api/ops/quiet-users?limit=50&cursor=abc`,
      `POST ${base}/api/ops/nudge`,
      `POST ${base}/api/ops/chaos/restore`,
      `DELETE ${base}/api/ops/chaos/latency`,
    ]);
    expect(JSON.parse(String(sent[1].init.body))).toEqual({
      target: 'ingest',
      probability: 50,
      ttlSeconds: 60,
    });
    expect(sent[1].init.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(sent[5].init.headers).toMatchObject({ 'Idempotency-Key': 'key-1' });
    expect(JSON.parse(String(sent[5].init.body))).toEqual({ userId: 'u-1', channel: 'email' });
    // The browser's session cookie authenticates to Grafana; no token is ever in the page.
    expect(sent.every((s) => s.init.credentials === 'same-origin')).toBe(true);
    expect(JSON.stringify(sent)).not.toMatch(/authorization/i);
  });

  it('turns the exporter problem+json into an error naming each field', async () => {
    const { fetch } = fakeFetch([
      {
        status: 400,
        body: {
          type: 'https://ops-cockpit.dev/problems/bad-request',
          title: 'Bad request',
          status: 400,
          detail: 'invalid fault: probability',
          errors: [{ field: 'probability', message: 'Too big: expected number to be <=100' }],
        },
      },
    ]);
    const client = createOpsClient({ baseUrl: '/p', fetch });
    const error = await client.setFault('outage', { target: 'ingest', probability: 500 }).catch((e) => e);
    expect(error).toBeInstanceOf(OpsApiError);
    expect(error).toMatchObject({
      status: 400,
      title: 'Bad request',
      detail: 'invalid fault: probability',
      fieldErrors: [{ field: 'probability', message: 'Too big: expected number to be <=100' }],
    });
  });

  it("reads Grafana's own refusals and a dead network as errors too", async () => {
    const { fetch } = fakeFetch([
      { status: 403, body: { message: 'plugin proxy route access denied' } },
      { status: 502, body: 'Bad Gateway' },
      new TypeError('Failed to fetch'),
      { status: 409, body: { title: 'Conflict', detail: 'nudged', retryAfterSeconds: 3600 } },
    ]);
    const client = createOpsClient({ baseUrl: '/p', fetch });
    await expect(client.acknowledge(1)).rejects.toMatchObject({
      status: 403,
      title: 'plugin proxy route access denied',
      detail: 'your Grafana role may not do this',
    });
    await expect(client.chaos()).rejects.toMatchObject({
      status: 502,
      title: 'HTTP 502',
      detail: 'Bad Gateway',
    });
    await expect(client.chaos()).rejects.toMatchObject({ status: 0, detail: 'Failed to fetch' });
    await expect(client.nudge('u', 'k')).rejects.toMatchObject({ status: 409, retryAfterSeconds: 3600 });
  });

  it('takes Retry-After from the header when the body has none', () => {
    expect(errorFromAnswer(429, 'Too Many Requests', undefined, '17').retryAfterSeconds).toBe(17);
    expect(errorFromAnswer(500, '', {}, null)).toMatchObject({
      title: 'HTTP 500',
      retryAfterSeconds: undefined,
    });
  });
});
