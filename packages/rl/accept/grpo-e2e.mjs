// End-to-end proof of the GRPO family (issue 7): a tiny GRU policy on 2-digit addition, briefly supervised-warmed,
// then trained with GRPO (DAPO loss, clip-higher) under the same rollout budget with: uniform allocation, Knapsack-RL
// budgets, the GAIN-RL sampler, and COPO. Writes accuracy curves and non-zero-gradient fractions to
// packages/rl/accept/results/grpo-e2e.json and exits non-zero when the acceptance checks fail.
//
// Run from the repository root after building:  npx tsc -b packages/rl && node packages/rl/accept/grpo-e2e.mjs
// Environment overrides (for quick looks): WARMUP, STEPS, SEED, LR, MU, HIDDEN, TRAIN, PROMPTS, DIGITS,
// VARIANTS=uniform,knapsack,gain-rl,copo, OUT=<json path>
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { key, useBackend } from '@descent/core';
import { additionTask, evaluateAccuracy, gruParameterCount, initGruPolicy, supervisedWarmup, trainGrpoSequence } from '@descent/rl';

await useBackend('cpu');
const env = process.env;
const cfg = {
  digits: Number(env.DIGITS ?? 1),
  trainSize: Number(env.TRAIN ?? 32),
  hiddenDim: Number(env.HIDDEN ?? 32),
  embedDim: 16,
  warmupSteps: Number(env.WARMUP ?? 20),
  warmupBatch: 32,
  warmupLearningRate: 1e-2,
  steps: Number(env.STEPS ?? 60),
  promptsPerStep: Number(env.PROMPTS ?? 8),
  rolloutsPerPrompt: 8,
  learningRate: Number(env.LR ?? 1e-2),
  iterations: Number(env.MU ?? 2),
  lossType: 'dapo',
  epsLow: 0.2,
  epsHigh: 0.28,
  evalEvery: 10,
  seed: Number(env.SEED ?? 0),
};
const variants = (env.VARIANTS ?? 'uniform,knapsack,gain-rl,copo').split(',');
const t0 = Date.now();

const task = additionTask({ digits: cfg.digits });
// A small RL prompt set (`train`, 32 of the 100 one-digit problems). The warm start is a brief supervised pass on
// these prompts, stopped early (partial accuracy); GRPO then trains on the same prompts from 0/1 rewards only.
// Accuracy is greedy exact-match on the RL prompts (the curves) and, at the end, on all 100 problems.
const all = Array.from({ length: task.size }, (_, i) => i);
const train = cfg.trainSize >= task.size ? all : task.split(key(cfg.seed + 1000), cfg.trainSize, 0).train;
const pool = train;
const test = train;

const params = initGruPolicy(key(cfg.seed), { vocabSize: task.vocabSize, outputSize: task.outputSize, embedDim: cfg.embedDim, hiddenDim: cfg.hiddenDim });
const warmLoss = supervisedWarmup(task, params, { problems: pool, steps: cfg.warmupSteps, batchSize: cfg.warmupBatch, learningRate: cfg.warmupLearningRate, seed: cfg.seed });
const warm = {
  parameters: gruParameterCount(params),
  steps: cfg.warmupSteps,
  finalLoss: warmLoss.at(-1),
  testAccuracy: evaluateAccuracy(task, params, test),
  trainAccuracy: evaluateAccuracy(task, params, train),
  allProblemsAccuracy: evaluateAccuracy(task, params, all),
  seconds: (Date.now() - t0) / 1000,
};
console.log(
  `warm start: ${warm.parameters} params, loss ${warm.finalLoss?.toFixed(3)}, task acc ${warm.testAccuracy.toFixed(3)}, ` +
    `all 100 problems ${warm.allProblemsAccuracy.toFixed(3)} (${warm.seconds.toFixed(1)} s)`,
);

/** A fresh copy of the warm parameters (each variant starts from the same point). */
function cloneParams(p) {
  const c = (t) => tf.variable(tf.clone(t));
  return { embedding: c(p.embedding), layers: p.layers.map((l) => ({ wx: c(l.wx), wh: c(l.wh), bx: c(l.bx), bh: c(l.bh) })), head: { w: c(p.head.w), b: c(p.head.b) } };
}
function disposeParams(p) {
  tf.dispose([p.embedding, p.head.w, p.head.b, ...p.layers.flatMap((l) => [l.wx, l.wh, l.bx, l.bh])]);
}

const settings = {
  uniform: {},
  knapsack: { allocation: 'knapsack' },
  'gain-rl': { sampler: 'gain-rl' },
  copo: { objective: 'copo' },
};
const results = {};
for (const name of variants) {
  const t1 = Date.now();
  const p = cloneParams(params);
  const r = trainGrpoSequence(task, p, {
    train,
    test,
    steps: cfg.steps,
    promptsPerStep: cfg.promptsPerStep,
    rolloutsPerPrompt: cfg.rolloutsPerPrompt,
    learningRate: cfg.learningRate,
    iterations: cfg.iterations,
    lossType: cfg.lossType,
    epsLow: cfg.epsLow,
    epsHigh: cfg.epsHigh,
    evalEvery: cfg.evalEvery,
    seed: cfg.seed,
    ...settings[name],
  });
  const finalAccuracy = r.accuracy.at(-1).accuracy;
  results[name] = {
    settings: settings[name],
    accuracy: r.accuracy,
    finalAccuracy,
    bestAccuracy: Math.max(...r.accuracy.map((a) => a.accuracy)),
    trainAccuracy: evaluateAccuracy(task, p, train),
    allProblemsAccuracy: evaluateAccuracy(task, p, all),
    meanGroupSignalFraction: r.meanGroupSignalFraction,
    meanRolloutSignalFraction: r.meanRolloutSignalFraction,
    // after the first epoch (uniform for every variant: unseen prompts all get p = 0.5)
    laterGroupSignalFraction: mean(r.steps.slice(cfg.trainSize / cfg.promptsPerStep).map((s) => s.groupSignalFraction)),
    laterRolloutSignalFraction: mean(r.steps.slice(cfg.trainSize / cfg.promptsPerStep).map((s) => s.rolloutSignalFraction)),
    rewardCurve: r.steps.map((s) => round(s.reward)),
    groupSignalCurve: r.steps.map((s) => round(s.groupSignalFraction)),
    rolloutSignalCurve: r.steps.map((s) => round(s.rolloutSignalFraction)),
    maxBudget: Math.max(...r.steps.flatMap((s) => s.budgets)),
    gainRlMu: r.gainRlMu,
    seconds: (Date.now() - t1) / 1000,
  };
  disposeParams(p);
  const x = results[name];
  console.log(
    `${name.padEnd(9)} acc ${warm.testAccuracy.toFixed(3)} -> ${finalAccuracy.toFixed(3)} (best ${x.bestAccuracy.toFixed(3)}, all ${x.allProblemsAccuracy.toFixed(3)}), ` +
      `groups with signal ${x.meanGroupSignalFraction.toFixed(3)} (after epoch 1: ${x.laterGroupSignalFraction.toFixed(3)}), ` +
      `rollouts with signal ${x.meanRolloutSignalFraction.toFixed(3)} (${x.laterRolloutSignalFraction.toFixed(3)}), ${x.seconds.toFixed(1)} s`,
  );
}

function mean(xs) {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}
function round(x) {
  return Math.round(x * 1e4) / 1e4;
}

const checks = {};
if (results.uniform) checks.grpoImproves = results.uniform.finalAccuracy >= warm.testAccuracy + 0.1;
if (results.uniform && results.knapsack) {
  checks.knapsackRaisesGroupSignal = results.knapsack.laterGroupSignalFraction > results.uniform.laterGroupSignalFraction;
  checks.knapsackRaisesRolloutSignal = results.knapsack.laterRolloutSignalFraction > results.uniform.laterRolloutSignalFraction;
}
const out = { config: cfg, warmStart: warm, variants: results, checks, totalSeconds: (Date.now() - t0) / 1000, node: process.version };
const here = dirname(fileURLToPath(import.meta.url));
const file = env.OUT ?? join(here, 'results', 'grpo-e2e.json');
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(out, null, 1));
console.log('checks', JSON.stringify(checks), `total ${out.totalSeconds.toFixed(1)} s`);
// Acceptance: GRPO improves on the warm start, and Knapsack raises the effective-gradient ratio (the share of
// rollouts whose group has a non-zero advantage: the Knapsack paper's metric). The group-level fraction is reported
// too; it can fall, because Knapsack gives solved prompts only minBudget rollouts.
const gate = [checks.grpoImproves, checks.knapsackRaisesRolloutSignal].filter((c) => c !== undefined);
process.exit(gate.every(Boolean) ? 0 : 1);
