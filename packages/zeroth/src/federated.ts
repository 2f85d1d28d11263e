/**
 * The simulated federated protocol shared by {@link fzoos} and {@link fedZo}: N clients with their
 * own objectives f_i, a server that broadcasts x̄, collects the clients' local iterates and averages
 * them, the global objective F = Σ_i p_i f_i, and honest query counting.
 *
 * This is a federated protocol, not a population method, so these optimisers are not
 * {@link Strategy} instances: each round interleaves many small, sequential local steps per client
 * (each depending on the previous one's result) with a server step, which ask/tell over one
 * population cannot express.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type GradientTransformation,
  type Key,
  applyUpdates,
  checkKnownOptions,
  checkNumber,
  invalidOption,
  isKey,
  treeDispose,
  treeLeaves,
} from '@descent/core';

/** A client's objective: a batch of points `[n, dim]` to values `[n]`, minimised. */
export type ClientObjective = (x: tf.Tensor2D) => tf.Tensor1D;

/** Options of `run` of {@link fzoos} and {@link fedZo}. */
export interface FederatedRunOptions {
  /** The clients' objectives f_i (at least one). */
  clients: ClientObjective[];
  /** Dimension d of x. */
  dim: number;
  /** The starting point x̄₀ (length `dim`). */
  x0: ArrayLike<number>;
  /** Communication rounds R ≥ 1. */
  rounds: number;
  /** Local steps T ≥ 1 per client per round. */
  localSteps: number;
  /** All randomness of the run. */
  key: Key;
  /** Client weights p_i ≥ 0 (normalised to sum 1) of F = Σ p_i f_i. Default 1/N each. */
  weights?: number[];
}

/** One entry of the trajectory: after `round` rounds (0 = the start). */
export interface FederatedRecord {
  /** Rounds completed. */
  round: number;
  /** Cumulative objective evaluations by all clients (the algorithm's queries). */
  queries: number;
  /**
   * F(x̄) = Σ p_i f_i(x̄) at the server's iterate. A monitor: its evaluations are not counted in
   * `queries` and the algorithm never sees them.
   */
  value: number;
}

/** The result of a federated run. */
export interface FederatedRunResult {
  /** The final server iterate x̄_R. */
  x: number[];
  /** F(x̄_R). */
  value: number;
  /** Total queries (sum over clients). */
  queries: number;
  /** Queries per client. */
  clientQueries: number[];
  /** One record per round, starting with round 0. */
  history: FederatedRecord[];
}

/** A federated optimiser: a configured algorithm whose `run` simulates the whole protocol. */
export interface FederatedOptimizer {
  run(options: FederatedRunOptions): Promise<FederatedRunResult>;
}

/** Validated run options. @internal */
export interface CheckedRun {
  clients: ClientObjective[];
  dim: number;
  x0: Float64Array;
  rounds: number;
  localSteps: number;
  key: Key;
  p: number[];
}

/**
 * Validates {@link FederatedRunOptions} (unknown names, shapes, domains) and normalises the client
 * weights to p_i = w_i / Σ w. @internal
 */
export function checkRunOptions(where: string, options: FederatedRunOptions): CheckedRun {
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['clients', 'dim', 'x0', 'rounds', 'localSteps', 'key', 'weights']);
  const { clients } = options;
  if (!Array.isArray(clients) || clients.length === 0 || clients.some((c) => typeof c !== 'function')) {
    invalidOption(where, 'clients', clients, 'a non-empty array of objective functions');
  }
  const dim = checkNumber(where, 'dim', options.dim, { integer: true, min: 1 });
  const x0in = options.x0;
  if (x0in === null || typeof x0in !== 'object' || typeof x0in.length !== 'number' || x0in.length !== dim) {
    invalidOption(where, 'x0', x0in, `an array of ${dim} numbers (dim)`);
  }
  const x0 = new Float64Array(dim);
  for (let m = 0; m < dim; m++) x0[m] = checkNumber(where, `x0[${m}]`, x0in[m]);
  const rounds = checkNumber(where, 'rounds', options.rounds, { integer: true, min: 1 });
  const localSteps = checkNumber(where, 'localSteps', options.localSteps, { integer: true, min: 1 });
  if (!isKey(options.key)) invalidOption(where, 'key', options.key, 'a Key (from key(seed), split or foldIn)');
  let p: number[];
  if (options.weights === undefined) {
    p = clients.map(() => 1 / clients.length);
  } else {
    const w = options.weights;
    if (!Array.isArray(w) || w.length !== clients.length) {
      invalidOption(where, 'weights', w, `an array of ${clients.length} numbers (one per client)`);
    }
    const checked = w.map((v, i) => checkNumber(where, `weights[${i}]`, v, { min: 0 }));
    const total = checked.reduce((a, b) => a + b, 0);
    if (!(total > 0)) invalidOption(where, 'weights', w, 'weights with a positive sum');
    p = checked.map((v) => v / total);
  }
  return { clients, dim, x0, rounds, localSteps, key: options.key, p };
}

/**
 * Evaluates one client on a batch of points (rows of length dim) and returns the values on the
 * host. A wrong output shape is a `structure-mismatch` error and a non-finite value a `non-finite`
 * error: a NaN would silently corrupt a gradient estimate or a GP fit. @internal
 */
export async function evaluateClient(
  where: string,
  client: ClientObjective,
  clientIndex: number,
  points: readonly ArrayLike<number>[],
  dim: number,
): Promise<Float64Array> {
  const n = points.length;
  const flat = new Float32Array(n * dim);
  points.forEach((p, j) => {
    for (let m = 0; m < dim; m++) flat[j * dim + m] = p[m]!;
  });
  const input = tf.tensor2d(flat, [n, dim]);
  let out: tf.Tensor;
  try {
    out = client(input);
  } finally {
    input.dispose();
  }
  try {
    if (!(out instanceof tf.Tensor) || out.rank !== 1 || out.shape[0] !== n) {
      throw new DescentError(
        'structure-mismatch',
        `${where}: clients[${clientIndex}] must return a tensor of shape [${n}] for a batch of ${n} points, got ${
          out instanceof tf.Tensor ? `[${out.shape.join(',')}]` : typeof out
        }`,
        { parameter: `clients[${clientIndex}]`, value: out instanceof tf.Tensor ? out.shape : out },
      );
    }
    const values = Float64Array.from(await out.data());
    for (let j = 0; j < n; j++) {
      if (!Number.isFinite(values[j]!)) {
        throw new DescentError('non-finite', `${where}: clients[${clientIndex}] returned ${values[j]} at query ${j}`, {
          parameter: `clients[${clientIndex}]`,
          value: values[j],
        });
      }
    }
    return values;
  } finally {
    if (out instanceof tf.Tensor) out.dispose();
  }
}

/** F(x̄) = Σ p_i f_i(x̄), the monitor of {@link FederatedRecord.value} (not counted as queries). @internal */
export async function globalValue(where: string, run: CheckedRun, x: Float64Array): Promise<number> {
  let v = 0;
  for (let i = 0; i < run.clients.length; i++) {
    v += run.p[i]! * (await evaluateClient(where, run.clients[i]!, i, [x], run.dim))[0]!;
  }
  return v;
}

/**
 * A client's local optimiser during one round: `init(x̄)`, then `step(g)` maps x ← x + u where u
 * comes from the {@link GradientTransformation} (its state is reset every round, as the FZooS and
 * FedZO reference code re-initialise theirs in each client `update`). @internal
 */
export class LocalOptimizer {
  private x: tf.Tensor1D;
  private state: unknown;

  constructor(
    private readonly transformation: GradientTransformation,
    x0: Float64Array,
  ) {
    this.x = tf.tensor1d(Float32Array.from(x0));
    this.state = this.transformation.init(this.x);
  }

  /** Applies gradient `g` and returns the new x on the host. */
  async step(g: Float64Array): Promise<Float64Array> {
    let state: unknown;
    const x = tf.tidy(() => {
      const grad = tf.tensor1d(Float32Array.from(g));
      const out = this.transformation.update(grad, this.state, this.x);
      state = out.state;
      for (const leaf of treeLeaves(out.state as never)) if ((leaf as unknown) instanceof tf.Tensor) tf.keep(leaf);
      return applyUpdates(this.x, out.updates) as tf.Tensor1D;
    });
    const kept = new Set<unknown>(treeLeaves(state as never));
    for (const leaf of treeLeaves(this.state as never) as unknown[]) {
      if (leaf instanceof tf.Tensor && !kept.has(leaf)) leaf.dispose();
    }
    this.x.dispose();
    this.x = x;
    this.state = state;
    return Float64Array.from(await x.data());
  }

  /** Frees the tensors. */
  dispose(): void {
    treeDispose(this.state);
    this.x.dispose();
  }
}

/** x̄ ← x̄ − η Σ_i p_i (x̄ − x_i): η = 1 is plain averaging (code: `FedZoo.run_server`). @internal */
export function serverStep(x: Float64Array, locals: readonly Float64Array[], p: readonly number[], eta: number): Float64Array {
  const out = Float64Array.from(x);
  for (let m = 0; m < x.length; m++) {
    let d = 0;
    for (let i = 0; i < locals.length; i++) d += p[i]! * (x[m]! - locals[i]![m]!);
    out[m] = x[m]! - eta * d;
  }
  return out;
}
