/**
 * Node flags each service runs with, wherever it is started (`npm start`, the Dockerfiles, tests, the
 * benchmark), so what is measured is what runs.
 *
 * The exporter's young generation is capped at 2 x 8 MB semi-spaces (V8's default is 2 x 16 MB on 64-bit):
 * under full webhook load that keeps its resident set ~25 MB lower (peak 100 vs 127 MB in
 * `bench/profile.mjs`), at no measurable cost in throughput: the scavenges are more frequent but each is shorter.
 */
export const SERVICE_NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  exporter: ['--max-semi-space-size=8'],
};

/** The arguments to `node` that run `script` of `service`: its flags, then the script. */
export function serviceNodeArgs(service: string, script: string): string[] {
  return [...(SERVICE_NODE_FLAGS[service] ?? []), script];
}
