import type { Provider } from '@ops-cockpit/core';
import type { WorkerMetrics } from '../metrics.js';
import type { HealthSource, ProbeErrorReason } from './provider-health-logs.js';

/**
 * What one health sample does to the probe metrics, whichever its source (the active probe, or a real call):
 * the provider's last result, the duration histogram and the outcome counter.
 */
export function countHealthSample(
  metrics: Pick<WorkerMetrics, 'probes' | 'probeDuration' | 'probeSuccess'>,
  sample: { provider: Provider; source: HealthSource; reason: ProbeErrorReason | undefined; seconds: number },
): void {
  const { provider, source, reason } = sample;
  metrics.probeSuccess.set({ provider }, reason ? 0 : 1);
  metrics.probeDuration.observe({ provider, source }, sample.seconds);
  metrics.probes.inc({ provider, result: reason ? 'error' : 'success', reason: reason ?? 'none', source });
}
