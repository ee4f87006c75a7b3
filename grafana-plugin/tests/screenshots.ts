import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

/** Share of pixels allowed to differ: anti-aliasing and font hinting move a few edge pixels between machines. */
export const MAX_DIFF_RATIO = 0.01;

export interface Comparison {
  sameSize: boolean;
  differing: number;
  ratio: number;
  diff?: Buffer;
}

/** Pixel comparison of two PNGs (pixelmatch's per-pixel colour threshold 0.1, anti-aliased pixels ignored). */
export function comparePngs(actual: Buffer, expected: Buffer): Comparison {
  const a = PNG.sync.read(actual);
  const e = PNG.sync.read(expected);
  if (a.width !== e.width || a.height !== e.height) {
    return { sameSize: false, differing: a.width * a.height, ratio: 1 };
  }
  const diff = new PNG({ width: a.width, height: a.height });
  const differing = pixelmatch(a.data, e.data, diff.data, a.width, a.height, { threshold: 0.1 });
  return { sameSize: true, differing, ratio: differing / (a.width * a.height), diff: PNG.sync.write(diff) };
}

export interface BaselineSettings {
  baselineDir: string;
  /** Where a failing comparison leaves the actual image and the diff. */
  outputDir: string;
  /** UPDATE_SCREENSHOTS=1: write every baseline anew. */
  update: boolean;
  /** CI=true: a missing baseline fails instead of being written. */
  ci: boolean;
}

export function baselineSettings(baselineDir: string, outputDir: string): BaselineSettings {
  return {
    baselineDir,
    outputDir,
    update: process.env.UPDATE_SCREENSHOTS === '1',
    ci: process.env.CI === 'true' || process.env.CI === '1',
  };
}

/** Compares a screenshot with its committed baseline; returns a failure message, or undefined when it matches. */
export async function checkBaseline(
  name: string,
  actual: Buffer,
  settings: BaselineSettings,
): Promise<string | undefined> {
  const baseline = path.join(settings.baselineDir, `${name}.png`);
  if (settings.update || (!existsSync(baseline) && !settings.ci)) {
    await mkdir(settings.baselineDir, { recursive: true });
    await writeFile(baseline, actual);
    return undefined;
  }
  if (!existsSync(baseline)) {
    return `no baseline ${baseline}: run \`npm run test:browser:update\` and commit it`;
  }
  const result = comparePngs(actual, await readFile(baseline));
  if (result.sameSize && result.ratio <= MAX_DIFF_RATIO) {
    return undefined;
  }
  await mkdir(settings.outputDir, { recursive: true });
  await writeFile(path.join(settings.outputDir, `${name}.actual.png`), actual);
  if (result.diff) {
    await writeFile(path.join(settings.outputDir, `${name}.diff.png`), result.diff);
  }
  return result.sameSize
    ? `${name}: ${(result.ratio * 100).toFixed(2)} % of pixels differ (max ${MAX_DIFF_RATIO * 100} %); see ${settings.outputDir}`
    : `${name}: size differs from the baseline; see ${settings.outputDir}`;
}
