import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, key } from '@descent/core';
import { randomSearch } from './fixtures/random-search.js';
import { type Objective, type Strategy, initPopulation, minimize } from '@descent/zeroth';

/** f(x) = Σ x², batched, as a tensor program. */
const sphere: Objective = (x) => tf.tidy(() => tf.sum(tf.square(x), 1) as tf.Tensor1D);

interface ScriptState {
  t: number;
  runs: number;
  popSize: number;
  dim: number;
  pop: tf.Tensor | null;
  values: number[][][];
  bestX: number[][];
  bestF: number[];
  told: number[][][];
}

/**
 * A scripted strategy: at iteration t (1-based) individual p of run r is `points(t, r, p)`; it
 * remembers every fitness it was told and the best point; its consensus is the population mean.
 * With `size`, iteration t asks for `size(t)` individuals per run instead of popSize (as CBO's batches).
 */
function scripted(points: (t: number, r: number, p: number) => number[], withConsensus = true, size?: (t: number) => number) {
  const strategy: Strategy<ScriptState> & { tellAsync(s: ScriptState, p: tf.Tensor, f: tf.Tensor): Promise<ScriptState> } = {
    init: ({ dim, popSize, runs = 1 }) => ({
      t: 0,
      runs,
      popSize,
      dim,
      pop: null,
      values: [],
      bestX: Array.from({ length: runs }, () => new Array<number>(dim).fill(NaN)),
      bestF: new Array<number>(runs).fill(Infinity),
      told: [],
    }),
    ask: (s) => {
      const t = s.t + 1;
      const k = size?.(t) ?? s.popSize;
      const values = Array.from({ length: s.runs }, (_, r) => Array.from({ length: k }, (_, p) => points(t, r, p)));
      const pop = tf.tensor(values.flat(2), [s.runs, k, values[0]?.[0]?.length ?? s.dim]);
      return { population: pop, state: { ...s, t, pop, values } };
    },
    tell: () => {
      throw new Error('minimize should call tellAsync');
    },
    tellAsync: async (s, _population, fitness) => {
      const f = (await fitness.array()) as number[][];
      const bestX = s.bestX.map((x) => [...x]);
      const bestF = [...s.bestF];
      f.forEach((row, r) =>
        row.forEach((v, p) => {
          if (v < bestF[r]!) {
            bestF[r] = v;
            bestX[r] = [...s.values[r]![p]!];
          }
        }),
      );
      return { ...s, bestX, bestF, told: [...s.told, f] };
    },
    best: (s) => ({ x: s.bestX.map((x) => [...x]), fitness: [...s.bestF] }),
  };
  if (withConsensus) {
    (strategy as Strategy<ScriptState>).consensus = (s) =>
      s.values.map((run) => run[0]!.map((_, i) => run.reduce((a, x) => a + x[i]!, 0) / run.length));
  }
  return strategy;
}

async function rejects(p: Promise<unknown>): Promise<DescentError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DescentError);
    return e as DescentError;
  }
  throw new Error('expected a DescentError');
}

describe('minimize', () => {
  it('stops at maxIterations with runs × popSize evaluations per iteration', async () => {
    const calls: number[] = [];
    const objective: Objective = (x) => {
      calls.push(x.shape[0]);
      return sphere(x);
    };
    const res = await minimize(objective, scripted((t, r, p) => [t + r + p]), { dim: 1, popSize: 3, runs: 2, maxIterations: 4, key: key(0) });
    expect(calls).toEqual([6, 6, 6, 6]);
    expect(res.history.evaluations).toEqual([6, 6, 6, 6]);
    expect(res.runs.map((r) => [r.iterations, r.evaluations, r.stopReason])).toEqual([
      [4, 12, 'maxIterations'],
      [4, 12, 'maxIterations'],
    ]);
    // Best over t = 1..4, p = 0..2 of (t + r + p)² is at t = 1, p = 0.
    expect(res.runs.map((r) => [r.x, r.fitness])).toEqual([
      [[1], 1],
      [[2], 4],
    ]);
    expect(res.history.best).toEqual([
      [1, 4],
      [1, 4],
      [1, 4],
      [1, 4],
    ]);
    expect(res.runs[0]!.consensus).toEqual([5]); // mean of 4, 5, 6 at t = 4
  });

  it('maxEvaluations follows CBXpy: M = 4, N = 3, max_eval = 6 → 6 evaluations each; max_eval = 10 → 9', async () => {
    const a = await minimize(sphere, scripted((t) => [t]), { dim: 1, popSize: 3, runs: 4, maxIterations: 100, key: key(0), stop: { maxEvaluations: 6 } });
    expect(a.runs.map((r) => r.evaluations)).toEqual([6, 6, 6, 6]);
    expect(a.runs.every((r) => r.iterations === 2 && r.stopReason === 'maxEvaluations')).toBe(true);
    const b = await minimize(sphere, scripted((t) => [t]), { dim: 1, popSize: 3, maxIterations: 100, key: key(0), stop: { maxEvaluations: 10 } });
    expect([b.runs[0]!.iterations, b.runs[0]!.evaluations]).toEqual([3, 9]);
  });

  it('fTol stops each run at its own iteration and stops evaluating it', async () => {
    // Run r has all particles at (r + 1)·2^−t, so its best is (r + 1)²·4^−t: ≤ 1e-3 at t = 5 (r = 0), t = 6 (r = 1).
    const calls: number[] = [];
    const objective: Objective = (x) => {
      calls.push(x.shape[0]);
      return sphere(x);
    };
    const strategy = scripted((t, r) => [(r + 1) * 2 ** -t]);
    let last: ScriptState | undefined;
    const res = await minimize(objective, strategy, {
      dim: 1,
      popSize: 2,
      runs: 2,
      maxIterations: 50,
      key: key(0),
      stop: { fTol: 1e-3 },
      onIteration: ({ state }) => {
        last = { ...state, pop: null };
      },
    });
    expect(res.runs.map((r) => [r.iterations, r.evaluations, r.stopReason])).toEqual([
      [5, 10, 'fTol'],
      [6, 12, 'fTol'],
    ]);
    expect(calls).toEqual([4, 4, 4, 4, 4, 2]);
    expect(res.runs[0]!.fitness).toBeCloseTo(4 ** -5, 9);
    expect(res.runs[1]!.fitness).toBeCloseTo(4 * 4 ** -6, 9);
    // The stopped run 0 is told its last real values (4^-5) as placeholders in iteration 6.
    expect(last!.told[5]![0]![0]).toBeCloseTo(4 ** -5, 9);
    expect(res.history.best[5]![0]).toBe(res.runs[0]!.fitness);
  });

  it('diffTol stops when the consensus moves less than diffTol', async () => {
    // Consensus of run r is (r + 1)·2^−t, so ‖c_t − c_{t−1}‖ = (r + 1)·2^−t < 0.01 first at t = 7 (r = 0), 8 (r = 1).
    const res = await minimize(sphere, scripted((t, r) => [(r + 1) * 2 ** -t]), {
      dim: 1,
      popSize: 2,
      runs: 2,
      maxIterations: 50,
      key: key(0),
      stop: { diffTol: 0.01 },
    });
    expect(res.runs.map((r) => [r.iterations, r.stopReason])).toEqual([
      [7, 'diffTol'],
      [8, 'diffTol'],
    ]);
    expect(res.runs[0]!.consensus![0]).toBeCloseTo(2 ** -7, 12);
    // Without consensus the criterion never fires.
    const none = await minimize(sphere, scripted((t) => [2 ** -t], false), { dim: 1, popSize: 2, maxIterations: 12, key: key(0), stop: { diffTol: 0.01 } });
    expect([none.runs[0]!.iterations, none.runs[0]!.stopReason, none.runs[0]!.consensus]).toEqual([12, 'maxIterations', undefined]);
  });

  it('updateTol (CBXpy diff_tol) stops when ‖X_t − X_{t−1}‖_F / popSize < updateTol', async () => {
    // Particle p of run r sits at (r + 1)·2^−t + p: every one of the 4 particles moves by (r + 1)·2^−t,
    // so ‖ΔX‖_F / 4 = (r + 1)·2^−t·√4 / 4 = (r + 1)·2^−(t+1) < 0.01 first at t = 6 (r = 0), 7 (r = 1).
    const before = tf.memory().numTensors;
    const res = await minimize(sphere, scripted((t, r, p) => [(r + 1) * 2 ** -t + p], false), {
      dim: 1,
      popSize: 4,
      runs: 2,
      maxIterations: 50,
      key: key(0),
      stop: { updateTol: 0.01 },
    });
    expect(res.runs.map((r) => [r.iterations, r.stopReason])).toEqual([
      [6, 'updateTol'],
      [7, 'updateTol'],
    ]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('maxTime stops on the given clock', async () => {
    let clock = 0;
    const objective: Objective = (x) => {
      clock += 10; // each evaluation takes 10 ms of simulated time
      return sphere(x);
    };
    const res = await minimize(objective, scripted((t) => [t]), {
      dim: 1,
      popSize: 2,
      runs: 3,
      maxIterations: 100,
      key: key(0),
      stop: { maxTime: 25, now: () => clock },
    });
    expect(res.runs.map((r) => [r.iterations, r.stopReason])).toEqual([
      [3, 'maxTime'],
      [3, 'maxTime'],
      [3, 'maxTime'],
    ]);
  });

  it('treats NaN as +∞, counts it, and never passes NaN to the strategy', async () => {
    const objective: Objective = (x) =>
      tf.tidy(() => {
        const f = sphere(x) as tf.Tensor1D;
        const n = x.shape[0];
        // Every even row (particle 0 of each run, popSize 2) is NaN.
        const mask = tf.tensor1d(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : 0)), 'bool');
        return tf.where(mask, tf.fill([n], NaN), f) as tf.Tensor1D;
      });
    let told: number[][][] = [];
    const res = await minimize(objective, scripted((t, r, p) => [r + p + 1]), {
      dim: 1,
      popSize: 2,
      runs: 2,
      maxIterations: 3,
      key: key(0),
      onIteration: ({ state }) => {
        told = state.told;
      },
    });
    expect(res.runs.map((r) => r.nanEvaluations)).toEqual([3, 3]);
    expect(res.history.nanEvaluations).toEqual([2, 2, 2]);
    expect(told[0]).toEqual([
      [Infinity, 4],
      [Infinity, 9],
    ]);
    expect(res.runs.map((r) => [r.x, r.fitness])).toEqual([
      [[2], 4],
      [[3], 9],
    ]);
  });

  it("direction 'max' negates fitness for tell and reports un-negated values", async () => {
    const objective: Objective = (x) => tf.tidy(() => tf.neg(sphere(x) as tf.Tensor1D));
    let told: number[][][] = [];
    let seen: number[] = [];
    const res = await minimize(objective, scripted((t, r, p) => [p - 1 + r]), {
      dim: 1,
      popSize: 3,
      runs: 2,
      maxIterations: 2,
      key: key(0),
      direction: 'max',
      stop: { fTol: -0.5 },
      onIteration: ({ state, best }) => {
        told = state.told;
        seen = best.fitness;
      },
    });
    // Run 0 has points −1, 0, 1 → −f = −1, 0, −1; the maximum 0 is at x = 0 ≥ fTol, so it stops at once.
    expect(told[0]).toEqual([
      [1, 0, 1],
      [0, 1, 4],
    ]);
    expect(res.runs[0]).toMatchObject({ x: [0], fitness: -0, iterations: 1, stopReason: 'fTol' });
    expect(res.runs[1]).toMatchObject({ x: [0], fitness: -0, iterations: 1, stopReason: 'fTol' });
    expect(seen).toEqual([-0, -0]);
  });

  it('rejects an objective of the wrong shape, naming both shapes, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const objective: Objective = (x) => tf.tidy(() => tf.sum(tf.square(x), 1, true) as unknown as tf.Tensor1D);
    const e = await rejects(minimize(objective, scripted((t, r, p) => [p]), { dim: 1, popSize: 3, runs: 2, maxIterations: 2, key: key(0) }));
    expect(e.code).toBe('structure-mismatch');
    expect(e.message).toContain('[6,1]');
    expect(e.message).toContain('expected [6]');
    expect(tf.memory().numTensors).toBe(before);
    const notTensor = await rejects(
      minimize(() => [1, 2] as unknown as tf.Tensor1D, scripted((t, r, p) => [p]), { dim: 1, popSize: 2, maxIterations: 2, key: key(0) }),
    );
    expect(notTensor.message).toContain('expected [2]');
  });

  it('rejects popSize < 2, a dim mismatch and bad options', async () => {
    const s = scripted((t, r, p) => [p, p]);
    const e1 = await rejects(minimize(sphere, s, { dim: 2, popSize: 1, maxIterations: 2, key: key(0) }));
    expect(e1.parameter).toBe('popSize');
    expect(e1.message).toContain('got 1');
    const before = tf.memory().numTensors;
    const e2 = await rejects(minimize(sphere, s, { dim: 3, popSize: 2, maxIterations: 2, key: key(0) }));
    expect([e2.code, e2.parameter]).toEqual(['structure-mismatch', 'dim']);
    expect(e2.message).toContain('[1,2,2]');
    expect(e2.message).toContain('[1,2,3]');
    expect(tf.memory().numTensors).toBe(before);
    const base = { dim: 2, popSize: 2, maxIterations: 2, key: key(0) };
    expect((await rejects(minimize(sphere, s, { ...base, maxIterations: 0 }))).parameter).toBe('maxIterations');
    expect((await rejects(minimize(sphere, s, { ...base, runs: 1.5 }))).parameter).toBe('runs');
    expect((await rejects(minimize(sphere, s, { ...base, direction: 'up' as 'min' }))).parameter).toBe('direction');
    expect((await rejects(minimize(sphere, s, { ...base, stop: { maxEvaluations: 1 } }))).parameter).toBe('stop.maxEvaluations');
    expect((await rejects(minimize(sphere, s, { ...base, stop: { fTol: NaN } }))).parameter).toBe('stop.fTol');
    expect((await rejects(minimize(sphere, s, { ...base, stop: { tol: 1 } as never }))).parameter).toBe('tol');
    expect((await rejects(minimize(sphere, s, { ...base, popsize: 3 } as never))).parameter).toBe('popsize');
    expect((await rejects(minimize(sphere, {} as never, base))).parameter).toBe('strategy');
  });

  it('consensusFitness evaluates f at the consensus and counts it', async () => {
    const res = await minimize(sphere, scripted((t, r, p) => [p + r]), { dim: 1, popSize: 3, runs: 2, maxIterations: 2, key: key(0), consensusFitness: true });
    expect(res.history.consensusFitness).toEqual([
      [1, 4],
      [1, 4],
    ]);
    expect(res.history.evaluations).toEqual([8, 8]);
    expect(res.runs.map((r) => r.evaluations)).toEqual([8, 8]);
  });

  it('accepts an async objective and awaits an async onIteration', async () => {
    const order: string[] = [];
    const objective: Objective = async (x) => {
      const v = await x.data();
      order.push('f');
      return tf.tensor1d(Array.from(v, (a) => a * a));
    };
    const res = await minimize(objective, scripted((t) => [t]), {
      dim: 1,
      popSize: 2,
      maxIterations: 2,
      key: key(0),
      onIteration: async () => {
        await new Promise((r) => setTimeout(r, 1));
        order.push('cb');
      },
    });
    expect(order).toEqual(['f', 'cb', 'f', 'cb']);
    expect(res.runs[0]!.fitness).toBe(1);
  });

  it('populations of k < popSize individuals (CBO batches): k evaluations per run, fitness [runs, k], budget by k', async () => {
    const calls: number[][] = [];
    const objective: Objective = (x) => {
      calls.push(x.shape);
      return sphere(x);
    };
    let told: number[][][] = [];
    const before = tf.memory().numTensors;
    const res = await minimize(objective, scripted((t, r, p) => [t + r + p], true, () => 2), {
      dim: 1,
      popSize: 4,
      runs: 2,
      maxIterations: 3,
      key: key(0),
      onIteration: ({ state }) => {
        told = state.told;
      },
    });
    expect(calls).toEqual([
      [4, 1],
      [4, 1],
      [4, 1],
    ]);
    expect(res.history.evaluations).toEqual([4, 4, 4]);
    expect(res.runs.map((r) => [r.iterations, r.evaluations, r.stopReason])).toEqual([
      [3, 6, 'maxIterations'],
      [3, 6, 'maxIterations'],
    ]);
    // tell received [runs, k] = [2, 2] each iteration: (t + r + p)² for p = 0, 1.
    expect(told).toEqual([
      [[1, 4], [4, 9]],
      [[4, 9], [9, 16]],
      [[9, 16], [16, 25]],
    ]);
    expect(res.runs.map((r) => [r.x, r.fitness])).toEqual([
      [[1], 1],
      [[2], 4],
    ]);
    expect(res.runs[0]!.consensus).toEqual([3.5]); // mean of 3, 4 at t = 3
    expect(tf.memory().numTensors).toBe(before);

    // maxEvaluations counts k = 2, not popSize = 4: a budget of 7 allows 3 iterations (2 + 2 + 2; a 4th would make 8).
    const budget = await minimize(sphere, scripted((t) => [t], true, () => 2), {
      dim: 1, popSize: 4, runs: 2, maxIterations: 100, key: key(0), stop: { maxEvaluations: 7 },
    });
    expect(budget.runs.map((r) => [r.iterations, r.evaluations, r.stopReason])).toEqual([
      [3, 6, 'maxEvaluations'],
      [3, 6, 'maxEvaluations'],
    ]);
    expect(budget.history.evaluations).toEqual([4, 4, 4]);
    // A budget of k = 2 (below popSize) allows exactly one iteration; with consensusFitness k + 1 = 3 is needed.
    const one = await minimize(sphere, scripted((t) => [t], true, () => 2), {
      dim: 1, popSize: 4, maxIterations: 100, key: key(0), stop: { maxEvaluations: 2 },
    });
    expect([one.runs[0]!.iterations, one.runs[0]!.evaluations, one.runs[0]!.stopReason]).toEqual([1, 2, 'maxEvaluations']);
    const withC = await minimize(sphere, scripted((t) => [t], true, () => 2), {
      dim: 1, popSize: 4, maxIterations: 100, key: key(0), consensusFitness: true, stop: { maxEvaluations: 6 },
    });
    expect([withC.runs[0]!.iterations, withC.runs[0]!.evaluations]).toEqual([2, 6]);
    const e = await rejects(
      minimize(sphere, scripted((t) => [t], true, () => 2), { dim: 1, popSize: 4, maxIterations: 5, key: key(0), consensusFitness: true, stop: { maxEvaluations: 2 } }),
    );
    expect([e.code, e.parameter]).toEqual(['invalid-option', 'stop.maxEvaluations']);
    expect(e.message).toContain('≥ 3');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('k may change between iterations: updateTol compares equal shapes only; stopped runs get their last row as placeholders', async () => {
    // Particles never move, so updateTol would stop at iteration 2 if populations of different k were compared.
    const alternating = (t: number) => (t % 2 === 1 ? 2 : 3);
    const still = await minimize(sphere, scripted((t, r, p) => [p + r], false, alternating), {
      dim: 1, popSize: 3, runs: 2, maxIterations: 5, key: key(0), stop: { updateTol: 1e-9 },
    });
    expect(still.runs.map((r) => [r.iterations, r.evaluations, r.stopReason])).toEqual([
      [5, 12, 'maxIterations'],
      [5, 12, 'maxIterations'],
    ]);
    expect(still.history.evaluations).toEqual([4, 6, 4, 6, 4]);
    const fixed = await minimize(sphere, scripted((t, r, p) => [p + r], false, () => 2), {
      dim: 1, popSize: 3, runs: 2, maxIterations: 5, key: key(0), stop: { updateTol: 1e-9 },
    });
    expect(fixed.runs.map((r) => [r.iterations, r.stopReason])).toEqual([
      [2, 'updateTol'],
      [2, 'updateTol'],
    ]);
    // Run 0 reaches fTol (f = 0 at x = 0) in iteration 1 with k = 2, then k = 3: its row [0, 1] is repeated cyclically.
    let told: number[][][] = [];
    const stopped = await minimize(sphere, scripted((t, r, p) => [p + 2 * r], true, alternating), {
      dim: 1, popSize: 3, runs: 2, maxIterations: 2, key: key(0), stop: { fTol: 0 },
      onIteration: ({ state }) => {
        told = state.told;
      },
    });
    expect(told[1]).toEqual([
      [0, 1, 0],
      [4, 9, 16],
    ]);
    expect(stopped.runs.map((r) => [r.iterations, r.evaluations, r.stopReason])).toEqual([
      [1, 2, 'fTol'],
      [2, 5, 'maxIterations'],
    ]);
    expect(stopped.history.evaluations).toEqual([4, 3]);
  });

  it('rejects a population with k = 0 or k > popSize, naming [runs, k ≤ popSize, dim]', async () => {
    const before = tf.memory().numTensors;
    for (const k of [0, 5]) {
      const e = await rejects(minimize(sphere, scripted((t) => [t], true, () => k), { dim: 1, popSize: 4, runs: 2, maxIterations: 2, key: key(0) }));
      expect([e.code, e.parameter]).toEqual(['structure-mismatch', 'dim']);
      expect(e.message).toContain(`has shape [2,${k},1], expected [runs, k ≤ popSize, dim] = [2, 1..4, 1]`);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('random search is reproducible by key, and memory is flat over 500 iterations', async () => {
    const opts = { dim: 3, popSize: 8, runs: 2, maxIterations: 20, key: key(7) };
    const a = await minimize(sphere, randomSearch, opts);
    const b = await minimize(sphere, randomSearch, opts);
    expect(a.runs).toEqual(b.runs);
    const c = await minimize(sphere, randomSearch, { ...opts, key: key(8) });
    expect(c.runs[0]!.fitness).not.toBe(a.runs[0]!.fitness);
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await minimize(sphere, randomSearch, {
      dim: 3,
      popSize: 4,
      runs: 2,
      maxIterations: 500,
      key: key(1),
      onIteration: ({ iteration }) => {
        if (iteration === 10 || iteration === 500) counts.push(tf.memory().numTensors);
      },
    });
    expect(counts[1]).toBe(counts[0]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('initPopulation', () => {
  it('draws uniform and normal populations of the requested shape from the key', async () => {
    const u = initPopulation({ uniform: { low: -3, high: 3 } }, key(0), [2, 5, 4], { normal: { mean: 0, std: 1 } });
    expect(u.shape).toEqual([2, 5, 4]);
    const uv = await u.data();
    expect(Array.from(uv).every((v) => v >= -3 && v < 3)).toBe(true);
    const again = initPopulation(undefined, key(0), [2, 5, 4], { uniform: { low: -3, high: 3 } });
    expect(Array.from(await again.data())).toEqual(Array.from(uv));
    const n = initPopulation({ normal: { mean: 5, std: 0 } }, key(1), [1, 3, 2], { uniform: { low: 0, high: 1 } });
    expect(Array.from(await n.data())).toEqual([5, 5, 5, 5, 5, 5]);
    tf.dispose([u, again, n]);
  });

  it('validates the spec and the shape a function returns', () => {
    const fb = { uniform: { low: 0, high: 1 } };
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(DescentError);
        return e as DescentError;
      }
      throw new Error('expected a DescentError');
    };
    expect(err(() => initPopulation({ uniform: { low: 1, high: 1 } }, key(0), [1, 2, 2], fb)).parameter).toBe('init.uniform.high');
    expect(err(() => initPopulation({ normal: { mean: 0, std: -1 } }, key(0), [1, 2, 2], fb)).parameter).toBe('init.normal.std');
    expect(err(() => initPopulation({ gauss: {} } as never, key(0), [1, 2, 2], fb)).parameter).toBe('init');
    expect(err(() => initPopulation(3 as never, key(0), [1, 2, 2], fb)).parameter).toBe('init');
    const before = tf.memory().numTensors;
    const e = err(() => initPopulation(() => tf.zeros([1, 2, 3]), key(0), [1, 2, 2], fb, 'cbo'));
    expect(e.code).toBe('structure-mismatch');
    expect(e.message).toContain('cbo: init returned a tensor of shape [1,2,3], expected [runs, popSize, dim] = [1,2,2]');
    expect(tf.memory().numTensors).toBe(before);
    const ok = initPopulation((k, shape) => tf.fill(shape, 2), key(0), [1, 2, 2], fb);
    expect(ok.shape).toEqual([1, 2, 2]);
    ok.dispose();
  });
});
