/**
 * Acceptance T9 of the zeroth spec at full size: the FZooS federated quadratic (shuyao95/FZooS
 * `funcs/synthetics.py` `Quadratic`), 5 clients, div = 0.5, T = 10 local steps, R = 50 rounds,
 * d = 50 (FZOOS_BENCH_DIM=300 for the paper's size). FZooS (defaults: rff correction, γ = 1, Adam
 * lr 0.01) against FedZO (q = 20 orthonormal directions, μ = 0.01, Adam lr 0.01), both from the same
 * x̄₀. FedZO runs 50 rounds too (it then has used more queries than FZooS); the comparison is F at
 * equal cumulative queries: FedZO's F at its first record with at least as many queries as FZooS
 * has used. test/fzoos.test.ts asserts the 5-round version.
 *
 * Writes bench-results/zeroth-fzoos.json and .md. Run after `pnpm build`:
 *   node packages/zeroth/bench/fzoos.bench.js [seeds]   (env FZOOS_BENCH_SEEDS, FZOOS_BENCH_DIM,
 *   FZOOS_BENCH_ROUNDS also work)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { key, useBackend } from '@descent/core';
import { fedZo, federatedQuadratic, fzoos } from '@descent/zeroth';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const seeds = Number(process.argv[2] ?? process.env.FZOOS_BENCH_SEEDS ?? 3);
const dim = Number(process.env.FZOOS_BENCH_DIM ?? 50);
const rounds = Number(process.env.FZOOS_BENCH_ROUNDS ?? 50);
const backend = await useBackend(process.env.FZOOS_BENCH_BACKEND ?? 'cpu');

const valueAt = (history, queries) => (history.find((h) => h.queries >= queries) ?? history[history.length - 1]).value;
/** Queries of the first record with F − F* ≤ gap (null if never). */
const queriesTo = (history, gap) => history.find((h) => h.value - 0.075 <= gap)?.queries ?? null;
const budgets = [2500, 5000, 10000];
const gaps = [0.1, 0.01, 0.002];

const rows = [];
for (let seed = 0; seed < seeds; seed++) {
  const prob = federatedQuadratic({ dim, clients: 5, div: 0.5, key: key(1000 + seed) });
  const base = { clients: prob.clients, dim, x0: prob.x0, rounds, localSteps: 10, key: key(2000 + seed) };
  let t0 = performance.now();
  const fz = await fzoos().run(base);
  const fzSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const fe = await fedZo({ directions: 20, smoothing: 0.01 }).run(base);
  const feSeconds = (performance.now() - t0) / 1000;
  const row = {
    seed,
    F0: fz.history[0].value,
    fzoosQueries: fz.queries,
    fzoosF: fz.value,
    fedZoFAtEqualQueries: valueAt(fe.history, fz.queries),
    fedZoQueries: fe.queries,
    fedZoFinalF: fe.value,
    atBudget: budgets.map((b) => ({ queries: b, fzoosF: valueAt(fz.history, b), fedZoF: valueAt(fe.history, b) })),
    queriesToGap: gaps.map((g) => ({ gap: g, fzoos: queriesTo(fz.history, g), fedZo: queriesTo(fe.history, g) })),
    fzoosSeconds: fzSeconds,
    fedZoSeconds: feSeconds,
    fzoosHistory: fz.history,
    fedZoHistory: fe.history,
  };
  rows.push(row);
  for (const b of row.atBudget) console.log(`  F at >= ${b.queries} queries: FZooS ${b.fzoosF.toFixed(5)}, FedZO ${b.fedZoF.toFixed(5)}`);
  for (const g of row.queriesToGap) console.log(`  queries to F - F* <= ${g.gap}: FZooS ${g.fzoos}, FedZO ${g.fedZo}`);
  console.log(
    `seed ${seed}: F0 ${row.F0.toFixed(4)}; FZooS F ${row.fzoosF.toFixed(5)} at ${row.fzoosQueries} queries (${fzSeconds.toFixed(1)} s); ` +
      `FedZO F ${row.fedZoFAtEqualQueries.toFixed(5)} at equal queries, ${row.fedZoFinalF.toFixed(5)} at ${row.fedZoQueries} (${feSeconds.toFixed(1)} s)`,
  );
}
const wins = rows.filter((r) => r.fzoosF < r.fedZoFAtEqualQueries).length;
const result = { backend, dim, clients: 5, div: 0.5, localSteps: 10, rounds, minimum: 0.075, seeds, fzoosWinsAtEqualQueries: wins, rows };
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'zeroth-fzoos.json'), JSON.stringify(result, null, 2));
const md = [
  `# FZooS vs FedZO, federated quadratic (d = ${dim}, 5 clients, div 0.5, T = 10, R = ${rounds}, F* = 0.075, ${backend})`,
  '',
  '| seed | F(x̄₀) | FZooS queries | FZooS F | FedZO F at equal queries | FedZO F after R rounds (queries) |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.seed} | ${r.F0.toFixed(4)} | ${r.fzoosQueries} | ${r.fzoosF.toFixed(5)} | ${r.fedZoFAtEqualQueries.toFixed(5)} | ${r.fedZoFinalF.toFixed(5)} (${r.fedZoQueries}) |`,
  ),
  '',
  '| seed | ' + budgets.map((b) => `F at ${b} q (FZooS / FedZO)`).join(' | ') + ' | ' + gaps.map((g) => `queries to gap ${g} (FZooS / FedZO)`).join(' | ') + ' |',
  '|---|' + budgets.map(() => '---').join('|') + '|' + gaps.map(() => '---').join('|') + '|',
  ...rows.map(
    (r) =>
      `| ${r.seed} | ` +
      r.atBudget.map((b) => `${b.fzoosF.toFixed(4)} / ${b.fedZoF.toFixed(4)}`).join(' | ') +
      ' | ' +
      r.queriesToGap.map((g) => `${g.fzoos ?? '—'} / ${g.fedZo ?? '—'}`).join(' | ') +
      ' |',
  ),
  '',
  `FZooS lower at equal queries (its final count) in ${wins}/${seeds} seeds.`,
].join('\n');
writeFileSync(join(root, 'bench-results', 'zeroth-fzoos.md'), md + '\n');
console.log(md);
