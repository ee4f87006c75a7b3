// Types of scripts/package.js (CommonJS, run by node directly) for the tests that call it.
export interface PluginRelease {
  zip: string;
  sha256File: string;
  sha256: string;
  id: string;
  version: string;
}

export function packagePlugin(options?: { root?: string; dist?: string; outDir?: string }): PluginRelease;
export function releaseProblems(input: { dist: string; version: string; changelog: string }): string[];
export function filesUnder(dir: string, prefix?: string): string[];
