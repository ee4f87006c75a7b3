import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@ops-cockpit/core/testing';

// The benchmarks run only by hand (`npm run bench`, bench/*.mjs), so nothing else notices when a module they
// import from is reshaped: `npm run bench` once failed at its first line for months after a read model moved
// from core to the exporter. Every named import of every bench module must resolve, against the build the test
// command makes first (the benchmarks start the built services).
const BENCH = path.join(REPO_ROOT, 'bench');

function benchModules(): string[] {
  const top = readdirSync(BENCH).filter((f) => f.endsWith('.mjs'));
  const lib = readdirSync(path.join(BENCH, 'lib'))
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => path.join('lib', f));
  return [...top, ...lib].map((f) => path.join(BENCH, f));
}

interface NamedImport {
  from: string;
  specifier: string;
  names: string[];
}

/** `import { a, b as c } from 'x'` statements of one module (type-free JavaScript: no `import type`). */
function namedImports(file: string, source: string): NamedImport[] {
  const found: NamedImport[] = [];
  for (const m of source.matchAll(/^import\s*\{([^}]*)\}\s*from\s*'([^']+)';/gm)) {
    const names = m[1]!
      .split(',')
      .map((n) => n.trim().split(/\s+as\s+/)[0]!)
      .filter(Boolean);
    found.push({ from: file, specifier: m[2]!, names });
  }
  return found;
}

it('reads the named imports of a module, aliases included', () => {
  const src = "import { a, b as c,\n  d } from './x.mjs';\nimport os from 'node:os';\n";
  expect(namedImports('f.mjs', src)).toEqual([
    { from: 'f.mjs', specifier: './x.mjs', names: ['a', 'b', 'd'] },
  ]);
});

it('every named import of every benchmark module exists in the module it names', () => {
  const imports = benchModules().flatMap((f) => namedImports(f, readFileSync(f, 'utf8')));
  expect(imports.length).toBeGreaterThan(20);
  // One Node process (ESM, as the benchmarks run): a relative specifier from its module's place, a package from
  // the repository's root (where bench/ finds it too).
  const probe = `
    const imports = ${JSON.stringify(
      imports.map((i) => ({ ...i, url: pathToFileURL(i.from).href, from: path.relative(REPO_ROOT, i.from) })),
    )};
    const missing = [];
    for (const i of imports) {
      const mod = await import(i.specifier.startsWith('.') ? new URL(i.specifier, i.url).href : i.specifier);
      for (const name of i.names) if (!(name in mod)) missing.push(i.from + ': ' + name + ' from ' + i.specifier);
    }
    console.log(JSON.stringify(missing));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.stderr).toBe('');
  const missing = JSON.parse(run.stdout.trim().split('\n').pop()!) as string[];
  expect(missing).toEqual([]);
});
