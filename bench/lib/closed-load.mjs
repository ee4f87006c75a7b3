// Closed-model load (a fixed number of connections, each sending its next request when the last is answered)
// with autocannon: the throughput ceiling, the figure the exporter / bare-node ratio is taken from.
import autocannon from 'autocannon';

/**
 * Drives `url` with POSTs whose body `bodyFor(n)` builds, n counting up from `firstId`, so every request is a
 * distinct event. With pipelining 1 each connection has one request in flight, so the id set in
 * setupRequest is the one onResponse sees: `acked` is exactly the set of ids answered 2xx.
 */
export async function closedLoad({ url, connections, durationSeconds, bodyFor, firstId, trackAcks = false }) {
  let next = firstId;
  const acked = trackAcks ? new Set() : undefined;
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    pipelining: 1,
    duration: durationSeconds,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest(req, context) {
          const id = next++;
          context.id = id;
          return { ...req, body: bodyFor(id) };
        },
        onResponse(status, _body, context) {
          if (acked && status >= 200 && status < 300) acked.add(context.id);
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    idsUsed: [firstId, next - 1],
    acked,
  };
}
