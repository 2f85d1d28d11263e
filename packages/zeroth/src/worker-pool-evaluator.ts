/**
 * Evaluation of a population over a pool of worker threads ({@link https://github.com/piscinajs/piscina | piscina}),
 * for objectives that are not tensor programs (a simulator, a solver, native code): the batch
 * `[n, dim]` is cut into chunks, each chunk is one pool task, and the values are put back in
 * order. With {@link minimize} this runs `runs × popSize` evaluations per iteration on all cores.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { Piscina } from 'piscina';
import { DescentError, checkNumber, invalidOption } from '@descent/core';

/**
 * What a worker module receives per task: `n` points of dimension `dim`, row-major in `x`
 * (`x[i·dim + j]` is coordinate j of point i). Its default export must return (or resolve to)
 * `n` numbers (an array, Float32Array or Float64Array): the objective at each point, NaN allowed.
 *
 * @example
 * ```js
 * // sphere-worker.mjs
 * export default function ({ x, n, dim }) {
 *   const out = new Float64Array(n);
 *   for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) out[i] += x[i * dim + j] ** 2;
 *   return out;
 * }
 * ```
 */
export interface WorkerPoolTask {
  /** The points, row-major, float32. */
  x: Float32Array;
  /** Number of points in this chunk. */
  n: number;
  /** Dimension of each point. */
  dim: number;
}

/** The options of the piscina pool (see piscina's documentation), with `filename` required. */
export type PiscinaOptions = NonNullable<ConstructorParameters<typeof Piscina>[0]>;

/** Options of {@link workerPoolObjective}: piscina's pool options plus the chunking. */
export interface WorkerPoolObjectiveOptions extends PiscinaOptions {
  /** Path or `file:` URL of the worker module; its default export handles a {@link WorkerPoolTask}. */
  filename: string;
  /**
   * Points per task. Default: ⌈n / maxThreads⌉, one task per thread per call; use a smaller
   * value when evaluation times vary a lot between points, so idle threads take the rest.
   */
  chunkSize?: number;
}

/** An async objective backed by a worker pool; call `close()` when done to stop the threads. */
export interface WorkerPoolObjective {
  (x: tf.Tensor2D): Promise<tf.Tensor1D>;
  /** The underlying piscina pool (for its statistics: `completed`, `utilization`, …). */
  readonly pool: Piscina<WorkerPoolTask, ArrayLike<number>>;
  /** Waits for running tasks and stops the worker threads. */
  close(): Promise<void>;
}

const WHERE = 'workerPoolObjective';

/**
 * Builds an objective `[n, dim] → [n]` for {@link minimize} that evaluates the points on a
 * piscina worker pool. Each call reads the points back (`await x.data()`), splits them into
 * chunks of `chunkSize` rows, runs one pool task per chunk (the chunk's buffer is transferred,
 * not copied), checks that every task returned as many values as it was given points, and
 * returns the values as a float32 tensor in the original order.
 *
 * The evaluation is backend-independent (the workers see plain numbers) and, for a
 * deterministic worker, gives exactly what the same function would give on the main thread.
 *
 * @example
 * ```ts
 * const f = workerPoolObjective({ filename: new URL('./simulate.mjs', import.meta.url).href, maxThreads: 8 });
 * try { const res = await minimize(f, cbo({ sigma: 1, alpha: 30 }), { dim: 10, popSize: 64, maxIterations: 200, key: key(0) }); }
 * finally { await f.close(); }
 * ```
 * @throws DescentError `invalid-option` for a missing `filename` or a bad `chunkSize`; a task
 *   returning the wrong number of values rejects the call with `structure-mismatch`.
 */
export function workerPoolObjective(options: WorkerPoolObjectiveOptions): WorkerPoolObjective {
  if (options === null || typeof options !== 'object') invalidOption(WHERE, 'options', options, 'an object');
  const { chunkSize, ...poolOptions } = options;
  if (typeof poolOptions.filename !== 'string' || poolOptions.filename.length === 0) {
    invalidOption(WHERE, 'filename', poolOptions.filename, 'the path or file: URL of a worker module');
  }
  const chunk = chunkSize === undefined ? undefined : checkNumber(WHERE, 'chunkSize', chunkSize, { min: 1, integer: true });
  const pool = new Piscina<WorkerPoolTask, ArrayLike<number>>(poolOptions);

  const objective = async (x: tf.Tensor2D): Promise<tf.Tensor1D> => {
    if (!(x instanceof tf.Tensor) || x.rank !== 2) invalidOption(WHERE, 'x', x, 'a tensor of shape [n, dim]');
    const [n, dim] = x.shape;
    const data = Float32Array.from(await x.data());
    const size = chunk ?? Math.max(1, Math.ceil(n / pool.maxThreads));
    const tasks: Promise<ArrayLike<number>>[] = [];
    for (let start = 0; start < n; start += size) {
      const m = Math.min(size, n - start);
      const part = data.slice(start * dim, (start + m) * dim);
      tasks.push(pool.run({ x: part, n: m, dim }, { transferList: [part.buffer] }));
    }
    const parts = await Promise.all(tasks);
    const out = new Float32Array(n);
    parts.forEach((values, i) => {
      const m = Math.min(size, n - i * size);
      if (values === null || typeof values !== 'object' || values.length !== m) {
        const got = values === null || typeof values !== 'object' ? typeof values : `${values.length} values`;
        throw new DescentError(
          'structure-mismatch',
          `${WHERE}: the worker ${poolOptions.filename} returned ${got} for a task of ${m} points; it must return ${m} numbers`,
          { parameter: 'filename', value: got },
        );
      }
      for (let j = 0; j < m; j++) out[i * size + j] = Number(values[j]);
    });
    return tf.tensor1d(out, 'float32');
  };
  return Object.assign(objective, { pool, close: () => pool.close() });
}
