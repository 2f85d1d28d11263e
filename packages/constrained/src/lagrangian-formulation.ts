/**
 * Cooper-style Lagrangian formulations of a constrained minimization problem and the primal–dual runner that trains
 * under them: the path for constrained deep learning in descent.
 *
 * Follows Cooper v1.0.0 (Gallego-Posada, Ramirez, Hashemizadeh, Lacoste-Julien, "Cooper: A Library for Constrained
 * Optimization in Deep Learning", arXiv:2504.01212; code `cooper-org/cooper`, `src/cooper/formulations/formulations.py`,
 * `optim/constrained_optimizers/{simultaneous,alternating,extrapolation}_optimizer.py`), written from its equations.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type GradientTransformation,
  type Params,
  type ScalarOrSchedule,
  type Tree,
  applyUpdates,
  checkKnownOptions,
  checkOneOf,
  checkScalarOrSchedule,
  invalidOption,
  treeDispose,
  treeFlatten,
  treeLeaves,
  treeUnflatten,
} from '@descent/core';

/**
 * What the closure of a constrained minimization problem computes at the current parameters (Cooper's `CMPState`).
 *
 * - `loss`: the objective f(x), a scalar.
 * - `eq`: equality defects h(x) (target h = 0), any shape; flattened in row-major order, one multiplier per entry.
 * - `ineq`: inequality defects g(x) (target g ≤ 0), any shape; one non-negative multiplier per entry.
 * - `strictEq` / `strictIneq` (optional): the true, possibly non-differentiable defects used for the dual update
 *   only (Cooper's `strict_violation`, "proxy constraints", Cotter et al. 2019); `eq` / `ineq` are then the
 *   differentiable surrogates that drive the primal update. Same sizes as `eq` / `ineq`.
 *
 * The runner owns every tensor the closure returns and disposes it.
 */
export interface CmpState {
  loss: tf.Scalar;
  eq?: tf.Tensor;
  ineq?: tf.Tensor;
  strictEq?: tf.Tensor;
  strictIneq?: tf.Tensor;
}

/** The closure of a constrained minimization problem: parameters (a tree of tensors) → {@link CmpState}. */
export type CmpClosure<P extends Params = Params> = (params: P) => CmpState;

/** The multipliers: μ for equalities (free sign) and λ ≥ 0 for inequalities, flattened. */
export interface MultiplierTensors<T> {
  eq?: T;
  ineq?: T;
}

/** The formulations {@link constrainedOptimizer} accepts. */
export type FormulationName = 'lagrangian' | 'augmented-lagrangian' | 'quadratic-penalty';

/**
 * A formulation: how the defects enter the primal Lagrangian (minimised over x) and the dual Lagrangian (maximised
 * over the multipliers), as in Cooper's `Formulation` classes. Build one with {@link lagrangianFormulation},
 * {@link augmentedLagrangianFormulation} or {@link quadraticPenaltyFormulation}.
 */
export interface Formulation {
  readonly name: FormulationName;
  /** Whether the formulation has multipliers (and so needs a dual optimizer). */
  readonly usesMultipliers: boolean;
  /** The penalty coefficient c_t at dual step t (0 for the plain Lagrangian). */
  penaltyCoefficient(step: number): number;
  /**
   * The constraint part of the primal Lagrangian, P(g, λ, c) + Q(h, μ, c), a scalar. The multipliers are constants
   * here (no gradient flows into them).
   */
  primal(defects: MultiplierTensors<tf.Tensor>, multipliers: MultiplierTensors<tf.Tensor>, c: number): tf.Scalar;
  /** ∂𝓛_dual/∂(μ, λ): the ascent direction of the multipliers, from the (strict) defects. */
  dualGradient(defects: MultiplierTensors<tf.Tensor>, c: number): MultiplierTensors<tf.Tensor>;
}

function sumAll(t: tf.Tensor): tf.Scalar {
  return tf.sum(t);
}

function zeroScalar(): tf.Scalar {
  return tf.scalar(0);
}

/**
 * The Lagrangian formulation (Cooper `Lagrangian`):
 *
 * $$\mathcal L(x, \mu, \lambda) = f(x) + \mu^\top h(x) + \lambda^\top g(x),\qquad \lambda \ge 0,$$
 *
 * primal gradient ∇f + Jₕᵀμ + J_gᵀλ, dual ascent direction (h, g). The sign convention makes μ* = −1 for
 * min x² + y² s.t. x + y − 1 = 0 (Cooper issue #80). Needs a dual optimizer.
 */
export function lagrangianFormulation(): Formulation {
  return {
    name: 'lagrangian',
    usesMultipliers: true,
    penaltyCoefficient: () => 0,
    primal(defects, multipliers) {
      return tf.tidy(() => {
        let total: tf.Scalar = zeroScalar();
        if (defects.eq && multipliers.eq) total = tf.add(total, sumAll(tf.mul(multipliers.eq, defects.eq)));
        if (defects.ineq && multipliers.ineq) total = tf.add(total, sumAll(tf.mul(multipliers.ineq, defects.ineq)));
        return total;
      });
    },
    dualGradient(defects) {
      return { eq: defects.eq ? tf.clone(defects.eq) : undefined, ineq: defects.ineq ? tf.clone(defects.ineq) : undefined };
    },
  };
}

/** Options of {@link augmentedLagrangianFormulation} and {@link quadraticPenaltyFormulation}. */
export interface PenaltyFormulationOptions {
  /**
   * The penalty coefficient c ≥ 0: a number or a schedule of the dual step count (an increasing schedule is the
   * classical increasing-penalty method). Default 1.
   */
  penaltyCoefficient?: ScalarOrSchedule;
}

/**
 * The augmented Lagrangian formulation (Cooper `AugmentedLagrangian`; Powell–Hestenes–Rockafellar, Nocedal & Wright
 * eqs. 17.64–17.65 for inequalities):
 *
 * $$\mathcal L_c = f + \mu^\top h + \tfrac c2\|h\|^2 + \tfrac1{2c}\sum_i\big(\max(0, \lambda_i + c\,g_i)^2 - \lambda_i^2\big),$$
 *
 * so the primal gradient is ∇f + Jₕᵀ(μ + c h) + J_gᵀ max(0, λ + c g). The dual ascent direction is c·(h, g): with a
 * plain SGD dual optimizer of learning rate 1 the dual step is the method-of-multipliers update λ ← max(0, λ + c g),
 * μ ← μ + c h (Cooper multiplies the dual step by c the same way). c = 0 is allowed and reduces exactly to the
 * Lagrangian — the inequality term is evaluated as λg + (c/2)g² where λ + cg ≥ 0 and −λ²/(2c) elsewhere, never
 * dividing by zero (Cooper issue #106: NaN for inequalities with c = 0). Default c = 1.
 */
export function augmentedLagrangianFormulation(options: PenaltyFormulationOptions = {}): Formulation {
  const where = 'augmentedLagrangianFormulation';
  checkKnownOptions(where, options, ['penaltyCoefficient']);
  const c = checkScalarOrSchedule(where, 'penaltyCoefficient', options.penaltyCoefficient ?? 1, { min: 0 });
  return {
    name: 'augmented-lagrangian',
    usesMultipliers: true,
    penaltyCoefficient: c,
    primal(defects, multipliers, coef) {
      return tf.tidy(() => {
        let total: tf.Scalar = zeroScalar();
        const cs = tf.scalar(coef);
        if (defects.eq) {
          const h = defects.eq;
          const mu = multipliers.eq ?? tf.zerosLike(h);
          total = tf.add(total, sumAll(tf.add(tf.mul(mu, h), tf.mul(tf.scalar(coef / 2), tf.square(h)))));
        }
        if (defects.ineq) {
          const g = defects.ineq;
          const lam = multipliers.ineq ?? tf.zerosLike(g);
          const active = tf.greaterEqual(tf.add(lam, tf.mul(cs, g)), 0);
          const inside = tf.add(tf.mul(lam, g), tf.mul(tf.scalar(coef / 2), tf.square(g)));
          // −λ²/(2c) does not depend on x; the safe divisor keeps the unselected branch finite when c = 0.
          const outside = tf.div(tf.neg(tf.square(lam)), tf.scalar(2 * (coef > 0 ? coef : 1)));
          total = tf.add(total, sumAll(tf.where(active, inside, outside)));
        }
        return total;
      });
    },
    dualGradient(defects, coef) {
      return tf.tidy(() => ({
        eq: defects.eq ? tf.mul(tf.scalar(coef), defects.eq) : undefined,
        ineq: defects.ineq ? tf.mul(tf.scalar(coef), defects.ineq) : undefined,
      }));
    },
  };
}

/**
 * The quadratic penalty formulation (Cooper `QuadraticPenalty`; Nocedal & Wright eq. 17.1 with inequalities):
 *
 * $$\mathcal L_c = f + \tfrac c2\|h\|^2 + \tfrac c2\|\max(0, g)\|^2,$$
 *
 * no multipliers (so no dual optimizer: the runner takes primal steps only). With a fixed c the minimiser is only
 * approximately feasible (defects O(1/c)); give an increasing schedule, or use {@link penalty}, which re-solves with
 * growing c. Default c = 1.
 */
export function quadraticPenaltyFormulation(options: PenaltyFormulationOptions = {}): Formulation {
  const where = 'quadraticPenaltyFormulation';
  checkKnownOptions(where, options, ['penaltyCoefficient']);
  const c = checkScalarOrSchedule(where, 'penaltyCoefficient', options.penaltyCoefficient ?? 1, { min: 0 });
  return {
    name: 'quadratic-penalty',
    usesMultipliers: false,
    penaltyCoefficient: c,
    primal(defects, _multipliers, coef) {
      return tf.tidy(() => {
        let total: tf.Scalar = zeroScalar();
        const half = tf.scalar(coef / 2);
        if (defects.eq) total = tf.add(total, tf.mul(half, sumAll(tf.square(defects.eq))));
        if (defects.ineq) total = tf.add(total, tf.mul(half, sumAll(tf.square(tf.relu(defects.ineq)))));
        return total;
      });
    },
    dualGradient() {
      return {};
    },
  };
}

/** How {@link constrainedOptimizer} interleaves the primal and dual steps. */
export type ConstrainedUpdate = 'simultaneous' | 'alternating-x-first' | 'alternating-lambda-first' | 'extragradient';

/** Options of {@link constrainedOptimizer}. */
export interface ConstrainedOptimizerOptions {
  /** The formulation (required). */
  formulation: Formulation;
  /** Any gradient transformation, applied to ∇ₓ𝓛 (descent, e.g. `adam({ learningRate: 1e-3 })`) (required). */
  primal: GradientTransformation<any>;
  /**
   * Any gradient transformation for the multipliers. It is given −∂𝓛/∂(μ, λ), so an ordinary descent transform
   * performs gradient *ascent* on the multipliers — the counterpart of `maximize=True` on Cooper's dual optimizer.
   * Required when the formulation has multipliers. Cooper's FAQ advice: plain SGD (momentum hurts multipliers),
   * learning rate ≈ 10× the primal one.
   */
  dual?: GradientTransformation<any>;
  /**
   * Update scheme. Default `'alternating-lambda-first'` (Cooper's `AlternatingDualPrimalOptimizer`, recommended
   * as the starting point by Cooper's FAQ):
   * - `'simultaneous'` (GDA, `SimultaneousOptimizer`): both players step from (xₜ, λₜ).
   * - `'alternating-x-first'` (`AlternatingPrimalDualOptimizer`): xₜ₊₁ with λₜ, then λₜ₊₁ from the defects at xₜ₊₁
   *   (one extra forward evaluation of the closure).
   * - `'alternating-lambda-first'` (`AlternatingDualPrimalOptimizer`): λₜ₊₁ from the defects at xₜ, then xₜ₊₁ with
   *   λₜ₊₁. Cooper reuses one forward pass; tfjs fixes a VJP's cotangent before the forward pass, so here the
   *   defects at xₜ come from one extra forward evaluation without the tape.
   * - `'extragradient'` (`ExtrapolationConstrainedOptimizer`, Korpelevich 1976): extrapolate both players to
   *   (x̂, λ̂) with the gradients at (xₜ, λₜ), then step from (xₜ, λₜ) with the gradients at (x̂, λ̂). The
   *   extrapolation uses the transforms' current state and discards the state it returns, so stateful transforms
   *   advance once per step (Cooper requires its `ExtraSGD` / `ExtraAdam` for the same purpose).
   */
  update?: ConstrainedUpdate;
  /** Start values of the multipliers (default zeros); the inequality ones must be ≥ 0. */
  initialMultipliers?: { eq?: number[]; ineq?: number[] };
  /**
   * A projection applied to the parameters after every primal step (e.g. clipping to bounds). Returns new
   * tensors; must not dispose its argument.
   */
  project?: (params: Params) => Params;
}

/** What one step of a {@link ConstrainedOptimizer} reports (Cooper's `RollOut`), as host numbers. */
export interface ConstrainedStepResult {
  /** f at the point where the primal gradient was taken. */
  loss: number;
  /** The primal Lagrangian there. */
  lagrangian: number;
  /** The defects there (strict ones where the closure gave them), flattened. */
  eq: number[];
  ineq: number[];
  /** The multipliers after the step. */
  multipliers: { eq: number[]; ineq: number[] };
  /** The penalty coefficient used in this step. */
  penaltyCoefficient: number;
}

/** A primal–dual runner created by {@link constrainedOptimizer}. */
export interface ConstrainedOptimizer {
  /**
   * One step on `params` (a tree of `tf.Variable`s — object, array or single variable — updated in place with
   * `assign`) under `closure`, which receives a tree of the same structure (of tensors). Reads back a
   * few numbers synchronously (CPU/WASM); use {@link ConstrainedOptimizer.stepAsync} on WebGPU. Throws a
   * `non-finite` DescentError, changing nothing, when the loss, a defect or a gradient is NaN/±Inf.
   */
  step<P extends object>(params: P, closure: (params: P) => CmpState): ConstrainedStepResult;
  /** {@link ConstrainedOptimizer.step} with asynchronous read-back. */
  stepAsync<P extends object>(params: P, closure: (params: P) => CmpState): Promise<ConstrainedStepResult>;
  /** The current multipliers (copies the caller owns), undefined before the first step. */
  multipliers(): MultiplierTensors<tf.Tensor>;
  /** Number of steps taken. */
  readonly stepCount: number;
  /** Frees the optimizer's state and multipliers. */
  dispose(): void;
}

interface Evaluation {
  value: tf.Scalar;
  loss: tf.Scalar;
  grads: tf.Tensor[];
  dualDefects: MultiplierTensors<tf.Tensor>;
}

/** Identity whose gradient is zero (tfjs has no `stop_gradient`): copies of values that must not carry gradient. */
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({ value: tf.mul(x, 1), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as never) as (
  x: tf.Tensor,
) => tf.Tensor;

function flat(t: tf.Tensor | undefined): tf.Tensor1D | undefined {
  return t === undefined ? undefined : (tf.reshape(t, [-1]) as tf.Tensor1D);
}

function tensorsOf(tree: unknown): tf.Tensor[] {
  return (treeLeaves(tree as Tree<unknown>) as unknown[]).filter((l): l is tf.Tensor => l instanceof tf.Tensor);
}

/** Disposes the tensors of `old` that `next` does not reuse. */
function disposeReplaced(old: unknown, next: unknown): void {
  const keep = new Set(tensorsOf(next));
  for (const t of tensorsOf(old)) if (!keep.has(t) && !t.isDisposed) t.dispose();
}

function multiplierTree(m: MultiplierTensors<tf.Tensor>): Record<string, tf.Tensor> {
  const tree: Record<string, tf.Tensor> = {};
  if (m.eq) tree.eq = m.eq;
  if (m.ineq) tree.ineq = m.ineq;
  return tree;
}

/**
 * A primal–dual runner for a Cooper-style constrained minimization problem:
 *
 * $$\min_x \max_{\mu,\ \lambda \ge 0} \mathcal L(x, \mu, \lambda),$$
 *
 * primal steps xₜ₊₁ = proj(xₜ + T_p(∇ₓ𝓛)) with any transform T_p, dual steps (μ, λ)ₜ₊₁ = (μ, [λ]₊) +
 * T_d(−∂𝓛_dual/∂(μ, λ)) — gradient ascent, the inequality multipliers projected onto λ ≥ 0 after each dual step
 * (Cooper's `post_step_`). Multipliers are tensors created at the first step from the sizes of the closure's
 * defects (zeros unless `initialMultipliers`); their dual-optimizer state is created then too.
 *
 * @example
 * ```ts
 * const w = tf.variable(tf.zeros([d]));
 * const opt = constrainedOptimizer({
 *   formulation: lagrangianFormulation(), primal: adam({ learningRate: 1e-2 }), dual: sgd({ learningRate: 1e-1 }),
 * });
 * for (let t = 0; t < 1000; t++) opt.step({ w }, ({ w }) => ({ loss: lossOf(w), ineq: tf.sub(tf.norm(w), r) }));
 * ```
 *
 * References: Cooper v1.0.0 (arXiv:2504.01212, `cooper-org/cooper`); Gallego-Posada et al.; Korpelevich (1976) for
 * extragradient.
 */
export function constrainedOptimizer(options: ConstrainedOptimizerOptions): ConstrainedOptimizer {
  const where = 'constrainedOptimizer';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['formulation', 'primal', 'dual', 'update', 'initialMultipliers', 'project']);
  const formulation = options.formulation;
  if (formulation === null || typeof formulation !== 'object' || typeof formulation.primal !== 'function') {
    invalidOption(where, 'formulation', formulation, 'a formulation (lagrangianFormulation(), augmentedLagrangianFormulation(), …)');
  }
  const isTransform = (t: unknown): boolean =>
    t !== null && typeof t === 'object' && typeof (t as GradientTransformation).init === 'function' && typeof (t as GradientTransformation).update === 'function';
  if (!isTransform(options.primal)) invalidOption(where, 'primal', options.primal, 'a GradientTransformation');
  if (formulation.usesMultipliers && !isTransform(options.dual)) {
    invalidOption(where, 'dual', options.dual, `a GradientTransformation (the '${formulation.name}' formulation has multipliers)`);
  }
  if (options.dual !== undefined && !isTransform(options.dual)) invalidOption(where, 'dual', options.dual, 'a GradientTransformation');
  const update = checkOneOf(where, 'update', options.update ?? 'alternating-lambda-first', [
    'simultaneous',
    'alternating-x-first',
    'alternating-lambda-first',
    'extragradient',
  ] as const);
  const init = options.initialMultipliers ?? {};
  for (const kind of ['eq', 'ineq'] as const) {
    const v = init[kind];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x) || (kind === 'ineq' && x < 0))) {
      invalidOption(where, `initialMultipliers.${kind}`, v, kind === 'ineq' ? 'an array of finite numbers >= 0' : 'an array of finite numbers');
    }
  }
  if (options.project !== undefined && typeof options.project !== 'function') invalidOption(where, 'project', options.project, 'a function');
  const primalT = options.primal;
  const dualT = options.dual;
  const project = options.project;

  let primalState: unknown;
  let dualState: unknown;
  let mult: MultiplierTensors<tf.Tensor> | undefined;
  let sizes: { eq: number; ineq: number } | undefined;
  let steps = 0;
  let disposed = false;

  const usesDual = (): boolean => formulation.usesMultipliers && dualT !== undefined;

  function checkSizes(state: CmpState): void {
    const eqSize = state.eq?.size ?? 0;
    const ineqSize = state.ineq?.size ?? 0;
    if (!(state.loss instanceof tf.Tensor) || state.loss.size !== 1) {
      invalidOption(where, 'closure(params).loss', state.loss, 'a scalar tensor');
    }
    for (const [name, strict, size] of [
      ['strictEq', state.strictEq, eqSize],
      ['strictIneq', state.strictIneq, ineqSize],
    ] as const) {
      if (strict !== undefined && strict.size !== size) {
        invalidOption(where, `closure(params).${name}`, strict.shape, `a tensor with ${size} entries (as many as its surrogate)`);
      }
    }
    if (sizes === undefined) {
      sizes = { eq: eqSize, ineq: ineqSize };
      if (init.eq !== undefined && init.eq.length !== eqSize) {
        invalidOption(where, 'initialMultipliers.eq', init.eq, `an array of length ${eqSize} (the closure's equality defects)`);
      }
      if (init.ineq !== undefined && init.ineq.length !== ineqSize) {
        invalidOption(where, 'initialMultipliers.ineq', init.ineq, `an array of length ${ineqSize} (the closure's inequality defects)`);
      }
    } else if (sizes.eq !== eqSize || sizes.ineq !== ineqSize) {
      throw new DescentError(
        'structure-mismatch',
        `${where}: the closure returned ${eqSize} equality and ${ineqSize} inequality defects, but ${sizes.eq} and ${sizes.ineq} at the first step`,
      );
    }
  }

  function ensureMultipliers(): MultiplierTensors<tf.Tensor> {
    if (mult !== undefined) return mult;
    const s = sizes as { eq: number; ineq: number };
    const m: MultiplierTensors<tf.Tensor> = {};
    if (formulation.usesMultipliers) {
      if (s.eq > 0) m.eq = tf.tensor1d(init.eq ?? new Array<number>(s.eq).fill(0));
      if (s.ineq > 0) m.ineq = tf.tensor1d(init.ineq ?? new Array<number>(s.ineq).fill(0));
    }
    mult = m;
    if (usesDual() && (m.eq || m.ineq)) dualState = (dualT as GradientTransformation<any>).init(multiplierTree(m));
    // Created possibly inside the taped forward pass: keep them out of its tidy scope.
    for (const t of [...tensorsOf(m), ...tensorsOf(dualState)]) tf.keep(t);
    return m;
  }

  /** Primal Lagrangian value and gradients at `leaves` with multipliers `m`; all results kept (caller disposes). */
  function evaluate(treedef: ReturnType<typeof treeFlatten>['treedef'], leaves: tf.Tensor[], closure: CmpClosure, m: MultiplierTensors<tf.Tensor> | 'init', c: number): Evaluation {
    let loss: tf.Scalar | undefined;
    let dualDefects: MultiplierTensors<tf.Tensor> = {};
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
      const state = closure(treeUnflatten(treedef, xs) as Params);
      checkSizes(state);
      const mm = m === 'init' ? ensureMultipliers() : m;
      const eq = flat(state.eq);
      const ineq = flat(state.ineq);
      loss = tf.keep(tf.reshape(stopGradient(state.loss), []) as tf.Scalar);
      dualDefects = {
        eq: eq ? tf.keep(flat(stopGradient(state.strictEq ?? eq)) as tf.Tensor) : undefined,
        ineq: ineq ? tf.keep(flat(stopGradient(state.strictIneq ?? ineq)) as tf.Tensor) : undefined,
      };
      return tf.add(tf.reshape(state.loss, []), formulation.primal({ eq, ineq }, mm, c)) as tf.Scalar;
    })(leaves);
    return { value: value as tf.Scalar, loss: loss as tf.Scalar, grads, dualDefects };
  }

  /** The dual defects at `leaves`, forward only. */
  function defectsAt(treedef: ReturnType<typeof treeFlatten>['treedef'], leaves: tf.Tensor[], closure: CmpClosure): MultiplierTensors<tf.Tensor> {
    return tf.tidy(() => {
      const state = closure(treeUnflatten(treedef, leaves) as Params);
      checkSizes(state);
      const eq = state.strictEq ?? state.eq;
      const ineq = state.strictIneq ?? state.ineq;
      const out: MultiplierTensors<tf.Tensor> = {};
      if (eq) out.eq = flat(eq) as tf.Tensor;
      if (ineq) out.ineq = flat(ineq) as tf.Tensor;
      return out as unknown as tf.TensorContainer;
    }) as unknown as MultiplierTensors<tf.Tensor>;
  }

  /** A primal step from `leaves` with gradients `grads`: new leaves and the transform's new state (not yet owned). */
  function primalStep(treedef: ReturnType<typeof treeFlatten>['treedef'], leaves: tf.Tensor[], grads: tf.Tensor[]): { leaves: tf.Tensor[]; state: unknown } {
    let state: unknown;
    const next = tf.tidy(() => {
      const params = treeUnflatten(treedef, leaves) as Params;
      const out = primalT.update(treeUnflatten(treedef, grads) as Params, primalState, params);
      state = out.state;
      for (const t of tensorsOf(out.state)) tf.keep(t);
      let moved = applyUpdates(params, out.updates);
      if (project !== undefined) moved = project(moved);
      return treeLeaves(moved) as tf.Tensor[];
    });
    return { leaves: next, state };
  }

  /** A dual step from `m` along the ascent direction of `defects`: new multipliers (projected) and the new state. */
  function dualStep(m: MultiplierTensors<tf.Tensor>, defects: MultiplierTensors<tf.Tensor>, c: number): { mult: MultiplierTensors<tf.Tensor>; state: unknown } {
    if (!usesDual() || (!m.eq && !m.ineq)) return { mult: m, state: dualState };
    let state: unknown;
    const next = tf.tidy(() => {
      const ascent = formulation.dualGradient(defects, c);
      const negGrad: Record<string, tf.Tensor> = {};
      if (m.eq) negGrad.eq = tf.neg(ascent.eq as tf.Tensor);
      if (m.ineq) negGrad.ineq = tf.neg(ascent.ineq as tf.Tensor);
      const params = multiplierTree(m);
      const out = (dualT as GradientTransformation<any>).update(negGrad, dualState, params);
      state = out.state;
      for (const t of tensorsOf(out.state)) tf.keep(t);
      const moved = applyUpdates(params, out.updates) as Record<string, tf.Tensor>;
      const r: MultiplierTensors<tf.Tensor> = {};
      if (moved.eq) r.eq = moved.eq;
      if (moved.ineq) r.ineq = tf.relu(moved.ineq);
      return r as unknown as tf.TensorContainer;
    }) as unknown as MultiplierTensors<tf.Tensor>;
    return { mult: next, state };
  }

  interface Pending {
    leaves: tf.Tensor[];
    primalState: unknown;
    mult: MultiplierTensors<tf.Tensor>;
    dualState: unknown;
    report: { loss: tf.Scalar; lagrangian: tf.Scalar; eq?: tf.Tensor; ineq?: tf.Tensor };
    finite: tf.Tensor;
    scratch: tf.Tensor[];
  }

  function compute(params: Tree<tf.Variable>, closure: CmpClosure): Pending {
    if (disposed) throw new DescentError('unsupported', `${where}: step called after dispose()`);
    if (typeof closure !== 'function') invalidOption(where, 'closure', closure, 'a function params -> { loss, eq?, ineq? }');
    const { leaves, treedef } = treeFlatten(params as Tree<tf.Tensor>);
    if (leaves.length === 0 || leaves.some((l) => !(l instanceof tf.Variable))) {
      invalidOption(where, 'params', params, 'a non-empty tree of tf.Variable (updated in place)');
    }
    if (primalState === undefined) primalState = primalT.init(params as Params);
    const c = formulation.penaltyCoefficient(steps);
    const scratch: tf.Tensor[] = [];
    const first = mult === undefined;
    let m0: MultiplierTensors<tf.Tensor> | 'init' = first ? 'init' : (mult as MultiplierTensors<tf.Tensor>);

    let x1: { leaves: tf.Tensor[]; state: unknown };
    let d1: { mult: MultiplierTensors<tf.Tensor>; state: unknown };
    let ev: Evaluation;
    let reportDefects: MultiplierTensors<tf.Tensor>;

    if (update === 'alternating-lambda-first') {
      const defects = defectsAt(treedef, leaves, closure);
      scratch.push(...tensorsOf(defects));
      const m = first ? ensureMultipliers() : (mult as MultiplierTensors<tf.Tensor>);
      d1 = dualStep(m, defects, c);
      ev = evaluate(treedef, leaves, closure, d1.mult, c);
      x1 = primalStep(treedef, leaves, ev.grads);
      reportDefects = defects;
    } else {
      ev = evaluate(treedef, leaves, closure, m0, c);
      m0 = mult as MultiplierTensors<tf.Tensor>;
      if (update === 'simultaneous') {
        x1 = primalStep(treedef, leaves, ev.grads);
        d1 = dualStep(m0, ev.dualDefects, c);
      } else if (update === 'alternating-x-first') {
        x1 = primalStep(treedef, leaves, ev.grads);
        const defects = defectsAt(treedef, x1.leaves, closure);
        scratch.push(...tensorsOf(defects));
        d1 = dualStep(m0, defects, c);
      } else {
        // Extragradient: extrapolate from (xₜ, λₜ), evaluate there, step from (xₜ, λₜ).
        const xh = primalStep(treedef, leaves, ev.grads);
        const dh = dualStep(m0, ev.dualDefects, c);
        const evh = evaluate(treedef, xh.leaves, closure, dh.mult, c);
        x1 = primalStep(treedef, leaves, evh.grads);
        d1 = dualStep(m0, evh.dualDefects, c);
        for (const t of [...xh.leaves, ...tensorsOf(evh)]) scratch.push(t);
        disposeReplaced(xh.state, primalState);
        if (dh.mult !== m0) scratch.push(...tensorsOf(dh.mult));
        disposeReplaced(dh.state, dualState);
      }
      reportDefects = ev.dualDefects;
    }
    scratch.push(...tensorsOf(ev));
    const finite = tf.tidy(() => {
      const all = [ev.loss, ...ev.grads, ...tensorsOf(reportDefects), ...tensorsOf(d1.mult), ...x1.leaves];
      return tf.stack(all.map((t) => tf.all(tf.isFinite(t))));
    });
    return {
      leaves: x1.leaves,
      primalState: x1.state,
      mult: d1.mult,
      dualState: d1.state,
      report: { loss: ev.loss, lagrangian: ev.value, eq: reportDefects.eq, ineq: reportDefects.ineq },
      finite,
      scratch,
    };
  }

  function discard(p: Pending): void {
    disposeReplaced(p.primalState, primalState);
    disposeReplaced(p.dualState, dualState);
    if (p.mult !== mult) for (const t of tensorsOf(p.mult)) if (!t.isDisposed) t.dispose();
    for (const t of [...p.leaves, ...p.scratch, p.finite]) if (!t.isDisposed) t.dispose();
  }

  function commit(params: Tree<tf.Variable>, p: Pending, values: { finite: ArrayLike<number>; numbers: number[][] }): ConstrainedStepResult {
    if (Array.from(values.finite).some((f) => f === 0)) {
      discard(p);
      throw new DescentError('non-finite', `${where}: step ${steps + 1}: the loss, a defect, a gradient or a multiplier is NaN or ±Infinity; nothing was changed`);
    }
    const vars = treeLeaves(params as Tree<tf.Tensor>) as tf.Variable[];
    vars.forEach((v, i) => v.assign(p.leaves[i] as tf.Tensor));
    disposeReplaced(primalState, p.primalState);
    primalState = p.primalState;
    disposeReplaced(dualState, p.dualState);
    dualState = p.dualState;
    if (p.mult !== mult) {
      for (const t of tensorsOf(mult)) if (!tensorsOf(p.mult).includes(t)) t.dispose();
      mult = p.mult;
    }
    for (const t of [...p.leaves, ...p.scratch, p.finite]) if (!t.isDisposed) t.dispose();
    const c = formulation.penaltyCoefficient(steps);
    steps++;
    const [loss, lagrangian, eq, ineq, meq, mineq] = values.numbers as [number[], number[], number[], number[], number[], number[]];
    return {
      loss: loss[0] as number,
      lagrangian: lagrangian[0] as number,
      eq,
      ineq,
      multipliers: { eq: meq, ineq: mineq },
      penaltyCoefficient: c,
    };
  }

  function readList(p: Pending): (tf.Tensor | undefined)[] {
    return [p.report.loss, p.report.lagrangian, p.report.eq, p.report.ineq, p.mult.eq, p.mult.ineq];
  }

  return {
    step(params, closure) {
      const p = compute(params as Tree<tf.Variable>, closure as unknown as CmpClosure);
      let values: { finite: ArrayLike<number>; numbers: number[][] };
      try {
        values = { finite: p.finite.dataSync(), numbers: readList(p).map((t) => (t ? Array.from(t.dataSync()) : [])) };
      } catch (e) {
        discard(p);
        throw new DescentError(
          'unsupported',
          `${where}: step needs a synchronous read-back, which backend '${tf.getBackend()}' lacks (${(e as Error).message}); use await stepAsync`,
        );
      }
      return commit(params as Tree<tf.Variable>, p, values);
    },
    async stepAsync(params, closure) {
      const p = compute(params as Tree<tf.Variable>, closure as unknown as CmpClosure);
      const finite = await p.finite.data();
      const numbers = await Promise.all(readList(p).map(async (t) => (t ? Array.from(await t.data()) : [])));
      return commit(params as Tree<tf.Variable>, p, { finite, numbers });
    },
    multipliers() {
      if (mult === undefined) return {};
      return { eq: mult.eq ? tf.clone(mult.eq) : undefined, ineq: mult.ineq ? tf.clone(mult.ineq) : undefined };
    },
    get stepCount() {
      return steps;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      treeDispose(primalState);
      treeDispose(dualState);
      if (mult) treeDispose([mult.eq, mult.ineq].filter((t) => t !== undefined));
    },
  };
}
