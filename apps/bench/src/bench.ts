#!/usr/bin/env node
/**
 * `pnpm bench`: runs every package's benchmark (`packages/<name>/bench/*.bench.js`), each of
 * which measures descent against its peer in the same process and writes
 * `bench-results/<suite>.json` and `.md`; then gathers the Markdown tables into
 * `bench-results/README.md`. Set `DESCENT_BENCH_SIZES` (e.g. `1e5,1e6`) for a quicker run.
 *
 * @packageDocumentation
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const packagesDir = join(root, 'packages');
const suites = readdirSync(packagesDir)
  .flatMap((pkg) => {
    const dir = join(packagesDir, pkg, 'bench');
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.bench.js')).map((f) => join(dir, f)) : [];
  })
  .sort();

let failed = 0;
for (const suite of suites) {
  console.log(`\n=== ${suite.slice(root.length + 1)} ===`);
  const run = spawnSync(process.execPath, [suite], { stdio: 'inherit', cwd: root, env: process.env });
  if (run.status !== 0) failed++;
}

const results = join(root, 'bench-results');
mkdirSync(results, { recursive: true });
const tables = readdirSync(results)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .sort()
  .map((f) => `## ${f.replace(/\.md$/, '')}\n\n${readFileSync(join(results, f), 'utf8')}`);
writeFileSync(join(results, 'README.md'), `# descent benchmarks\n\nRatios are against peers measured in the same run (${new Date().toISOString()}, Node ${process.version}).\n\n${tables.join('\n')}`);
console.log(`\nwrote ${join(results, 'README.md')}`);
if (failed > 0) {
  console.error(`${failed} benchmark suite(s) failed`);
  process.exit(1);
}
