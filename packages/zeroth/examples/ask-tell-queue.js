// descent zeroth example: ask/tell driven by an external queue. CMA-ES proposes a population; each
// point goes out as an independent task on a queue; "remote workers" (here async loops with random
// latency, standing in for machines behind a message broker) answer in whatever order they finish;
// the answers are put back by id and told to the strategy. Replace AsyncQueue with your broker.
// Run after `pnpm build`: node packages/zeroth/examples/ask-tell-queue.js
import * as tf from '@tensorflow/tfjs-core';
import { key, useBackend } from '@descent/core';
import { cmaEs, cmaEsPopSize } from '@descent/zeroth';

await useBackend('cpu');

/** An unbounded FIFO whose pop() waits for an item; close() releases waiting consumers with undefined. */
class AsyncQueue {
  #items = [];
  #waiting = [];
  #closed = false;
  push(item) {
    const w = this.#waiting.shift();
    if (w) w(item);
    else this.#items.push(item);
  }
  pop() {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift());
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  close() {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w(undefined);
  }
}

// The expensive, non-tensor objective the workers run: Rosenbrock in plain JS.
const rosenbrock = (x) => x.slice(0, -1).reduce((a, v, i) => a + 100 * (x[i + 1] - v * v) ** 2 + (1 - v) ** 2, 0);

async function remoteWorker(name, tasks, answers) {
  let served = 0;
  for (let task = await tasks.pop(); task !== undefined; task = await tasks.pop()) {
    await new Promise((r) => setTimeout(r, Math.random() * 3)); // network + compute latency
    answers.push({ id: task.id, value: rosenbrock(task.x) });
    served++;
  }
  return `${name}: ${served} evaluations`;
}

const dim = 6;
const popSize = cmaEsPopSize(dim);
const tasks = new AsyncQueue();
const answers = new AsyncQueue();
const workers = ['worker-a', 'worker-b', 'worker-c', 'worker-d'].map((n) => remoteWorker(n, tasks, answers));

const es = cmaEs({ sigma0: 0.3, mean0: 0.1 });
let state = es.init({ dim, popSize, key: key(0) });
for (let generation = 1; generation <= 600; generation++) {
  const { population, state: asked } = es.ask(state);
  const x = await population.array(); // [runs = 1, popSize, dim]
  x[0].forEach((point, id) => tasks.push({ id, x: point }));
  const fitness = new Float32Array(popSize);
  for (let k = 0; k < popSize; k++) {
    const { id, value } = await answers.pop(); // out of order: put back by id
    fitness[id] = value;
  }
  const f = tf.tensor2d(fitness, [1, popSize]);
  state = await es.tellAsync(asked, population, f);
  tf.dispose([population, f]);
  const best = es.best(state);
  if (generation % 100 === 0 || best.fitness[0] < 1e-10) {
    console.log(`generation ${generation}: best f = ${best.fitness[0].toExponential(3)} after ${generation * popSize} evaluations`);
  }
  if (best.fitness[0] < 1e-10) break;
}
tasks.close();
console.log((await Promise.all(workers)).join('\n'));
console.log(`best x = [${es.best(state).x[0].map((v) => v.toFixed(5)).join(', ')}] (optimum: all ones)`);
