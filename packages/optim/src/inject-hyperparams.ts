/**
 * `injectHyperparams`: numeric hyper-parameters live in the optimizer state, where they can be
 * read and changed between steps (optax `inject_hyperparams`).
 *
 * @packageDocumentation
 */
import {
  type GradientTransformation,
  type InPlaceStep,
  checkNumber,
  invalidOption,
} from '@descent/core';
import { checkOptionsObject } from './inner-transformation.js';

/** State of an {@link injectHyperparams} transformation. */
export interface InjectHyperparamsState<S = unknown> {
  /** Steps taken so far; schedules are evaluated at it. */
  count: number;
  /**
   * The numeric hyper-parameters used by the last step (after `init`: those of the first step).
   * Change a constant one between steps (`state.hyperparams.learningRate = 1e-4`) and the next
   * step uses it; a scheduled one is overwritten by its schedule at every step.
   */
  hyperparams: Record<string, number>;
  /** The inner transformation's state. */
  inner: S;
}

/** Options of {@link injectHyperparams}. */
export interface InjectHyperparamsConfig {
  /** Option names passed to the factory as given, never injected (e.g. a function that is not a schedule). */
  staticArgs?: readonly string[];
}

/**
 * Wraps an optimizer factory so that its numeric hyper-parameters live in the state:
 *
 * ```ts
 * const opt = injectHyperparams(sgd)({ learningRate: 0.1, momentum: 0.9 });
 * let state = opt.init(params);
 * ({ updates, state } = opt.update(grads, state, params));
 * state.hyperparams.learningRate = 0.01;   // the next step uses 0.01
 * ```
 *
 * `injectHyperparams(factory)(options)` splits the options: numbers become
 * `state.hyperparams`; functions are schedules, evaluated at the step count `t` (0-based) at every
 * step and stored in `state.hyperparams`; everything else (booleans, strings, `staticArgs`) is
 * passed through unchanged. Each `update` rebuilds the inner transformation, as optax does:
 *
 * $$h_t = \{\text{constants from } \texttt{state.hyperparams}\} \cup \{\eta(t) : \eta \text{ scheduled}\},\qquad
 *   (\text{out}_t, s_t) = \text{factory}(\text{static} \cup h_t).\text{update}(u_t, s_{t-1}).$$
 *
 * Since descent's factories already evaluate schedules at the step count, this gives the same
 * numbers as `factory(options)` called directly (tested for the aliases), while letting a training
 * loop change a constant — a learning rate cut on plateau — without rebuilding the optimizer. The
 * factory validates the values at every step before anything changes (an invalid value set in the
 * state throws its `DescentError`). When the rebuilt transformation has an in-place step (fused
 * chains), so does this one.
 *
 * Reference: optax `inject_hyperparams` (`optax/schedules/_inject.py`); hyper-parameters are host
 * numbers here, not device arrays, so changing them needs no device transfer.
 */
export function injectHyperparams<O extends object, S>(
  factory: (options: O) => GradientTransformation<S>,
  config: InjectHyperparamsConfig = {},
): (options: O) => GradientTransformation<InjectHyperparamsState<S>> {
  const where = 'injectHyperparams';
  if (typeof factory !== 'function') invalidOption(where, 'factory', factory, 'a function (options) => GradientTransformation');
  checkOptionsObject(where, config);
  const staticArgs = new Set(config.staticArgs ?? []);

  return (options: O) => {
    checkOptionsObject(where, options);
    const statics: Record<string, unknown> = {};
    const constants: Record<string, number> = {};
    const schedules: Record<string, (step: number) => number> = {};
    for (const [name, value] of Object.entries(options)) {
      if (staticArgs.has(name)) statics[name] = value;
      else if (typeof value === 'number') constants[name] = value;
      else if (typeof value === 'function') schedules[name] = value as (step: number) => number;
      else statics[name] = value;
    }

    const hyperparamsAt = (count: number, current: Record<string, number>): Record<string, number> => {
      const h: Record<string, number> = {};
      for (const name of Object.keys(constants)) h[name] = checkNumber(where, `hyperparams.${name}`, current[name]);
      for (const [name, schedule] of Object.entries(schedules)) {
        h[name] = checkNumber(where, `${name}(step ${count})`, schedule(count));
      }
      return h;
    };
    const build = (h: Record<string, number>): GradientTransformation<S> => factory({ ...statics, ...h } as O);

    // Validate now, under the factory's own option names, with the first step's values.
    const initial = hyperparamsAt(0, constants);
    build(initial);

    const inPlace: InPlaceStep<InjectHyperparamsState<S>> = (params, grads, state) => {
      const h = hyperparamsAt(state.count, state.hyperparams);
      const step = build(h).inPlace;
      if (step === undefined) return undefined;
      const next = step(params, grads, state.inner);
      return next === undefined ? undefined : { count: state.count + 1, hyperparams: h, inner: next };
    };

    return {
      init: (params) => {
        const h = hyperparamsAt(0, constants);
        return { count: 0, hyperparams: h, inner: build(h).init(params) };
      },
      update(updates, state, params) {
        const h = hyperparamsAt(state.count, state.hyperparams);
        const out = build(h).update(updates, state.inner, params);
        return { updates: out.updates, state: { count: state.count + 1, hyperparams: h, inner: out.state } };
      },
      inPlace,
    };
  };
}
