import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { allDigits, parseDemoArgs, runDemo, splitDigits } from '@descent/bench';
import { key } from '@descent/core';

describe('MNIST digits from the mnist package', () => {
  it('has 10,000 digits of 784 pixels in [0, 1], every class present, and a seeded disjoint split', () => {
    const { images, labels } = allDigits();
    expect(labels.length).toBe(10000);
    expect(images.length).toBe(10000 * 784);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of images) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    expect(lo).toBe(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(new Set(labels).size).toBe(10);
    const a = splitDigits(key(3), 100, 50);
    const b = splitDigits(key(3), 100, 50);
    expect(Array.from(a.trainLabels)).toEqual(Array.from(b.trainLabels));
    expect(Array.from(splitDigits(key(4), 100, 50).trainLabels)).not.toEqual(Array.from(a.trainLabels));
  });
});

describe('demo command line', () => {
  it('rejects bad flags with a clear message', () => {
    expect(() => parseDemoArgs(['--epochs', '0'])).toThrow(/--epochs must be a positive integer, got '0'/);
    expect(() => parseDemoArgs(['--optimizers', 'adam,rmsprop2'])).toThrow(/unknown optimizer 'rmsprop2'/);
    expect(() => parseDemoArgs(['--backend', 'tpu'])).toThrow(/--backend must be cpu, webgpu or auto/);
    expect(() => parseDemoArgs(['--train', '9000', '--test', '2000'])).toThrow(/at most 10000/);
    expect(() => parseDemoArgs(['--frobnicate'])).toThrow(/frobnicate/);
    expect(parseDemoArgs(['--help'])).toBe('help');
  });

  it('trains on a tiny budget, learns, and writes results.json and results.svg', async () => {
    const out = mkdtempSync(join(tmpdir(), 'descent-demo-'));
    const settings = parseDemoArgs(['--optimizers', 'adam,sgd-momentum', '--train', '640', '--test', '200', '--epochs', '2', '--out', out, '--seed', '7']);
    if (settings === 'help') throw new Error('unexpected help');
    const { results, files } = await runDemo({ ...settings, backend: tf.getBackend() as 'cpu' | 'webgpu' }, { progress: false });
    expect(results.map((r) => r.optimizer)).toEqual(['adam', 'sgd-momentum']);
    for (const r of results) {
      expect(r.steps).toBe(20);
      // 20 steps on 640 digits: far above chance (10%) on held-out digits, and the mean training loss of the
      // last 10 steps is well below the chance-level cross-entropy ln 10 ≈ 2.303 it starts near.
      expect(r.testAccuracy).toBeGreaterThan(0.5);
      expect(r.finalLoss).toBeLessThan(0.7 * Math.log(10));
    }
    const json = JSON.parse(readFileSync(files[0] as string, 'utf8'));
    expect(json.settings.seed).toBe(7);
    expect(json.results[0].lossCurve.length).toBe(2);
    expect(json.results[0].accuracyCurve.map((p: { epoch: number }) => p.epoch)).toEqual([1, 2]);
    const svg = readFileSync(files[1] as string, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)?.length).toBe(4);
    expect(svg).toContain('sgd-momentum');
  });
});
