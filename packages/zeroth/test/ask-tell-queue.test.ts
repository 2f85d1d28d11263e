/**
 * Ask/tell driven by an external queue: the population goes out as independent tasks, simulated
 * remote workers take them from an in-process async queue and answer after different delays, and
 * the answers — arriving out of order — are put back by id before `tell`. This is the pattern for
 * evaluation beyond one machine (examples/ask-tell-queue.js shows it with CMA-ES).
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { key } from '@descent/core';
import { minimize, sphere } from '@descent/zeroth';
import { randomSearch } from './fixtures/random-search.js';

/** An unbounded FIFO whose `pop` waits for an item; `close` releases waiting consumers with undefined. */
class AsyncQueue<T> {
  private items: T[] = [];
  private waiting: ((v: T | undefined) => void)[] = [];
  private closed = false;
  push(item: T): void {
    const w = this.waiting.shift();
    if (w) w(item);
    else this.items.push(item);
  }
  pop(): Promise<T | undefined> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  close(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w(undefined);
  }
}

interface Task {
  id: number;
  x: number[];
}
interface Answer {
  id: number;
  value: number;
}

/** A remote worker: takes tasks until the queue closes, answers f(x) = Σ x² after an id-dependent delay. */
async function remoteWorker(tasks: AsyncQueue<Task>, answers: AsyncQueue<Answer>): Promise<void> {
  for (let task = await tasks.pop(); task !== undefined; task = await tasks.pop()) {
    await new Promise((r) => setTimeout(r, (task!.id * 7) % 4));
    answers.push({ id: task.id, value: task.x.reduce((a, v) => a + v * v, 0) });
  }
}

describe('ask/tell driven by an external queue', () => {
  it('gives the same optimisation as minimize, whatever order the answers arrive in', async () => {
    const dim = 3;
    const popSize = 8;
    const runs = 2;
    const iterations = 12;
    const tasks = new AsyncQueue<Task>();
    const answers = new AsyncQueue<Answer>();
    const workers = [0, 1, 2].map(() => remoteWorker(tasks, answers));
    const arrival: number[] = [];
    const before = tf.memory().numTensors;

    let state = randomSearch.init({ dim, popSize, runs, key: key(5) });
    for (let t = 0; t < iterations; t++) {
      const asked = randomSearch.ask(state);
      state.center.dispose(); // the asked state holds a copy; the strategy never disposes what it is given
      const x = (await asked.population.array()) as number[][][];
      x.forEach((run, r) => run.forEach((point, p) => tasks.push({ id: r * popSize + p, x: point })));
      const fitness = new Float32Array(runs * popSize);
      for (let k = 0; k < runs * popSize; k++) {
        const a = (await answers.pop())!;
        arrival.push(a.id);
        fitness[a.id] = a.value;
      }
      const f = tf.tensor2d(fitness, [runs, popSize]);
      state = await randomSearch.tellAsync(asked.state, asked.population, f);
      tf.dispose([asked.population, f]);
    }
    tasks.close();
    await Promise.all(workers);
    const queued = randomSearch.best(state);
    state.center.dispose();
    expect(tf.memory().numTensors).toBe(before);

    // The answers really came back out of order …
    expect(arrival.slice(0, runs * popSize)).not.toEqual([...arrival.slice(0, runs * popSize)].sort((a, b) => a - b));
    // … and the result is the one minimize gets with the objective as a tensor program.
    const direct = await minimize(sphere, randomSearch, { dim, popSize, runs, maxIterations: iterations, key: key(5) });
    direct.runs.forEach((r, i) => {
      expect(queued.x[i]).toEqual(r.x);
      expect(queued.fitness[i]).toBeCloseTo(r.fitness, 5);
    });
  });
});
