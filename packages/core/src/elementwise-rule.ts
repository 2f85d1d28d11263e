/**
 * Fused elementwise update rules: written once, run three ways.
 *
 * A rule describes one optimizer step for one parameter tensor, elementwise: from the
 * gradient `g`, optionally the parameter `p`, per-element state slots (momentum, second
 * moment, …) and per-step scalars (learning rate, bias corrections), it computes the update
 * `u` (what {@link applyUpdates} adds to `p`) and the new state. From that single definition
 * descent derives
 *
 * 1. a CPU kernel: one loop over `Float32Array`s ({@link compileCpuLoop});
 * 2. a WebGPU kernel: one WGSL compute shader, one dispatch ({@link runFusedWebGpu});
 * 3. a reference built from tfjs ops (other backends, and the test oracle).
 *
 * Each form exists twice: *functional* (`apply`: new tensors for `u` and the state, used by
 * `GradientTransformation.update`) and *in place* (`applyInPlace`: `p ← p + u` and the state
 * written into their own buffers, used by the `Optimizer` runner on tensors it owns, so a
 * training step allocates nothing).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { cpuKernels, fusedKernelsActive } from './backend.js';
import { DescentError } from './errors.js';
import { type ElementwiseOps, type Expr, elementwiseOps, inputExpr, scalarExpr, topologicalOrder } from './elementwise-expr.js';
import { type CpuLoop, type CpuLoopOptions, compileCpuLoop } from './fused-cpu-kernel.js';
import { compileWasmSimdLoop } from './fused-wasm-kernel.js';
import { type ElementwiseProgram, allocateWebGpuOutput, fitsOneWebGpuDispatch, fusedWebGpuSupported, runFusedWebGpu, webGpuCanRunFunctional } from './fused-webgpu-kernel.js';

/** What a rule body receives per element: the gradient, the parameter and each state slot. */
export type RuleInputs<S extends string> = { grad: Expr; param: Expr } & { [K in S]: Expr };
/** What a rule body returns per element: the update and the new value of each state slot. */
export type RuleOutputs<S extends string> = { update: Expr } & { [K in S]: Expr };

/** The definition of an elementwise rule (see {@link defineElementwiseRule}). */
export interface ElementwiseRuleSpec<S extends string, C extends string> {
  /** Unique name; include static variants (`'heavyBall[nesterov]'`), since kernels are cached by it. */
  name: string;
  /** Per-element state slots, each a tensor shaped like the parameter. */
  state: readonly S[];
  /** Per-step scalar hyper-parameters (already evaluated from schedules by the caller). */
  scalars: readonly C[];
  /** The rule, on symbolic values; run once at definition. */
  body(x: RuleInputs<S>, s: { [K in C]: Expr }, op: ElementwiseOps): RuleOutputs<S>;
}

/** A compiled elementwise rule. */
export interface ElementwiseRule<S extends string, C extends string> {
  readonly name: string;
  readonly state: readonly S[];
  readonly scalars: readonly C[];
  /** Whether the body reads the parameter (then `apply` needs `param`). */
  readonly usesParam: boolean;
  /**
   * Functional step: returns new tensors `{ update, state }` and disposes nothing. Fused on
   * CPU/WebGPU (one kernel), tfjs ops elsewhere. Call inside `tf.tidy` or dispose the results.
   */
  apply(
    grad: tf.Tensor,
    param: tf.Tensor | undefined,
    state: { [K in S]: tf.Tensor },
    scalars: { [K in C]: number },
  ): { update: tf.Tensor; state: { [K in S]: tf.Tensor } };
  /**
   * In-place step `p ← p + u`, state slots overwritten, on storage the caller owns exclusively
   * (any tensor sharing a `dataId` with `param` or a state slot sees the write). Returns false,
   * touching nothing, where no fused kernel runs (then use `apply`).
   */
  applyInPlace(
    param: tf.Tensor,
    grad: tf.Tensor,
    state: { [K in S]: tf.Tensor },
    scalars: { [K in C]: number },
  ): boolean;
  /** The tfjs-ops reference of `apply` (the oracle for tests). */
  reference(
    grad: tf.Tensor,
    param: tf.Tensor | undefined,
    state: { [K in S]: tf.Tensor },
    scalars: { [K in C]: number },
  ): { update: tf.Tensor; state: { [K in S]: tf.Tensor } };
  /** Generated sources, for inspection and docs. */
  readonly programs: { functional: ElementwiseProgram; inPlace: ElementwiseProgram };
  /** The definition, kept so that `chain` can compose consecutive rules into one fused rule. */
  readonly spec: ElementwiseRuleSpec<S, C>;
}

function evaluateWithTfOps(
  roots: readonly Expr[],
  inputs: Map<string, tf.Tensor>,
  scalars: Map<string, number>,
  shape: number[],
): tf.Tensor[] {
  return tf.tidy(() => {
    const memo = new Map<number, tf.Tensor>();
    for (const e of topologicalOrder(roots)) {
      const [a, b, c] = e.args.map((x) => memo.get(x.id) as tf.Tensor);
      let out: tf.Tensor;
      switch (e.op) {
        case 'input': out = inputs.get(e.name as string) as tf.Tensor; break;
        case 'scalar': out = tf.scalar(scalars.get(e.name as string) as number); break;
        case 'const': out = tf.scalar(e.value as number); break;
        case 'add': out = tf.add(a, b); break;
        case 'sub': out = tf.sub(a, b); break;
        case 'mul': out = tf.mul(a, b); break;
        case 'div': out = tf.div(a, b); break;
        case 'neg': out = tf.neg(a); break;
        case 'sqrt': out = tf.sqrt(a); break;
        case 'abs': out = tf.abs(a); break;
        case 'sign': out = tf.sign(a); break;
        case 'square': out = tf.square(a); break;
        case 'exp': out = tf.exp(a); break;
        case 'log': out = tf.log(a); break;
        case 'tanh': out = tf.tanh(a); break;
        case 'max': out = tf.maximum(a, b); break;
        case 'min': out = tf.minimum(a, b); break;
        case 'pow': out = tf.pow(a, b); break;
        case 'gt': out = tf.greater(a, b); break;
        case 'ge': out = tf.greaterEqual(a, b); break;
        case 'lt': out = tf.less(a, b); break;
        case 'le': out = tf.lessEqual(a, b); break;
        case 'eq': out = tf.equal(a, b); break;
        case 'select': {
          const full = (t: tf.Tensor) => (t.rank === shape.length ? t : tf.broadcastTo(t, shape));
          out = tf.where(full(a), full(b), full(c));
          break;
        }
        default: throw new Error(`elementwise reference: unexpected op ${e.op}`);
      }
      memo.set(e.id, out);
    }
    // Outputs must own fresh storage: never an input itself, never a broadcast scalar, never
    // the tensor of an earlier output (two outputs may be one expression, e.g. update = trace).
    const returned = new Set<tf.Tensor>();
    return roots.map((r) => {
      let t = memo.get(r.id) as tf.Tensor;
      if (r.op === 'input' || t.rank !== shape.length || returned.has(t)) t = tf.add(tf.zeros(shape), t);
      returned.add(t);
      return t;
    });
  });
}

function checkTensors(where: string, grad: tf.Tensor, others: [string, tf.Tensor | undefined][]): number {
  const n = grad.size;
  if (grad.dtype !== 'float32') {
    throw new DescentError('invalid-dtype', `${where}: grad must be float32, got ${grad.dtype}`, { parameter: 'grad', value: grad.dtype });
  }
  for (const [name, t] of others) {
    if (t === undefined) continue;
    if (t.dtype !== 'float32') {
      throw new DescentError('invalid-dtype', `${where}: ${name} must be float32, got ${t.dtype}`, { parameter: name, value: t.dtype });
    }
    if (!tf.util.arraysEqual(t.shape, grad.shape)) {
      throw new DescentError(
        'structure-mismatch',
        `${where}: ${name} must have the shape of grad [${grad.shape.join(',')}], got [${t.shape.join(',')}]`,
        { parameter: name, value: t.shape },
      );
    }
  }
  return n;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}

function cpuValues(backend: CpuBackendLike, t: tf.TensorInfo): Float32Array {
  return backend.data.get(t.dataId).values as Float32Array;
}

const registered = new Set<string>();

/**
 * The CPU kernel of a program in the form {@link cpuKernels} asks for: the WebAssembly SIMD loop when the graph has a
 * SIMD form and the runtime compiles it, else the scalar loop. Cached per form in `cache`.
 */
function cpuKernel(cache: Map<string, CpuLoop>, program: ElementwiseProgram, scalarNames: readonly string[], options: CpuLoopOptions = {}): CpuLoop {
  const kind = cpuKernels();
  let loop = cache.get(kind);
  if (loop === undefined) {
    loop = (kind === 'wasm-simd' ? compileWasmSimdLoop(program.inputNames, scalarNames, program.roots) : undefined) ??
      compileCpuLoop(program.inputNames, scalarNames, program.roots, options);
    cache.set(kind, loop);
  }
  return loop;
}

/**
 * Defines and compiles an elementwise rule. The body runs once, on symbolic values.
 *
 * @example Heavy-ball momentum (PyTorch SGD, `dampening` folded into a scalar):
 * ```ts
 * const rule = defineElementwiseRule({
 *   name: 'heavyBall', state: ['trace'], scalars: ['lr', 'mu', 'keep'],
 *   body: ({ grad, trace }, { lr, mu, keep }, op) => {
 *     const t = op.add(op.mul(mu, trace), op.mul(keep, grad));
 *     return { trace: t, update: op.mul(op.neg(lr), t) };
 *   },
 * });
 * ```
 */
export function defineElementwiseRule<S extends string, C extends string>(spec: ElementwiseRuleSpec<S, C>): ElementwiseRule<S, C> {
  const stateNames = [...spec.state];
  const scalarNames = [...spec.scalars];
  for (const reserved of ['grad', 'param', 'update']) {
    if ((stateNames as string[]).includes(reserved)) {
      throw new DescentError('invalid-option', `defineElementwiseRule: state slot '${reserved}' is reserved`, {
        parameter: 'state',
        value: reserved,
      });
    }
  }
  const x = { grad: inputExpr('grad'), param: inputExpr('param') } as RuleInputs<S>;
  for (const s of stateNames) (x as Record<string, Expr>)[s] = inputExpr(s);
  const sc = {} as { [K in C]: Expr };
  for (const c of scalarNames) (sc as Record<string, Expr>)[c] = scalarExpr(c);
  const out = spec.body(x, sc, elementwiseOps);
  for (const k of ['update', ...stateNames]) {
    if ((out as Record<string, Expr | undefined>)[k] === undefined) {
      throw new DescentError('invalid-option', `defineElementwiseRule '${spec.name}': body must return '${k}'`, {
        parameter: 'body',
        value: Object.keys(out),
      });
    }
  }
  const stateRoots = stateNames.map((s) => (out as Record<string, Expr>)[s] as Expr);
  const usesParam = topologicalOrder([out.update, ...stateRoots]).some((e) => e.op === 'input' && e.name === 'param');

  const functional: ElementwiseProgram = {
    key: `${spec.name}/functional`,
    inputNames: usesParam ? ['grad', 'param', ...stateNames] : ['grad', ...stateNames],
    scalarNames,
    roots: [out.update, ...stateRoots],
  };
  const inPlace: ElementwiseProgram = {
    key: `${spec.name}/in-place`,
    inputNames: ['grad', 'param', ...stateNames],
    scalarNames,
    roots: [elementwiseOps.add(x.param, out.update), ...stateRoots],
  };
  const cpuFunctional = new Map<string, CpuLoop>();
  const cpuInPlace = new Map<string, CpuLoop>();
  const kernelName = `descent:${spec.name}`;

  const scalarArray = (scalars: Record<string, number>): number[] =>
    scalarNames.map((c) => {
      const v = scalars[c];
      if (typeof v !== 'number') {
        throw new DescentError('invalid-option', `${spec.name}: scalar '${c}' must be a number, got ${String(v)}`, {
          parameter: c,
          value: v,
        });
      }
      return v;
    });

  const register = (): void => {
    if (registered.has(kernelName)) return;
    registered.add(kernelName);
    tf.registerKernel({
      kernelName,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as CpuBackendLike;
        const ins = functional.inputNames.map((k) => cpuValues(b, inputs[k] as tf.TensorInfo));
        const n = (inputs.grad as tf.TensorInfo).shape.reduce((p, d) => p * d, 1);
        const outs = functional.roots.map(() => new Float32Array(n));
        cpuKernel(cpuFunctional, functional, scalarNames)(ins, outs, (attrs as { scalars: number[] }).scalars, n);
        const shape = (inputs.grad as tf.TensorInfo).shape;
        return outs.map((o) => b.makeTensorInfo(shape, 'float32', o));
      },
    });
    tf.registerKernel({
      kernelName,
      backendName: 'webgpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        if (!fusedWebGpuSupported(backend)) throw new Error(`${kernelName}: not a tfjs-backend-webgpu backend`);
        const grad = inputs.grad as tf.TensorInfo;
        const n = grad.shape.reduce((p, d) => p * d, 1);
        const outs = functional.roots.map(() => allocateWebGpuOutput(backend, grad.shape));
        const ins = functional.inputNames.map((k) => inputs[k] as tf.TensorInfo);
        runFusedWebGpu(backend, functional, ins, outs, (attrs as { scalars: number[] }).scalars, n);
        return outs;
      },
    });
  };

  const reference: ElementwiseRule<S, C>['reference'] = (grad, param, state, scalars) => {
    const inputs = new Map<string, tf.Tensor>([['grad', grad]]);
    if (param !== undefined) inputs.set('param', param);
    for (const s of stateNames) inputs.set(s, state[s]);
    const [update, ...next] = evaluateWithTfOps(functional.roots, inputs, new Map(Object.entries(scalars)), grad.shape);
    const newState = {} as { [K in S]: tf.Tensor };
    stateNames.forEach((s, i) => (newState[s] = next[i] as tf.Tensor));
    return { update: update as tf.Tensor, state: newState };
  };

  const validate = (where: string, grad: tf.Tensor, param: tf.Tensor | undefined, state: Record<string, tf.Tensor>): number => {
    if (usesParam && param === undefined) {
      throw new DescentError('invalid-option', `${where}: params are required by '${spec.name}', got undefined`, {
        parameter: 'params',
        value: undefined,
      });
    }
    return checkTensors(where, grad, [['param', param], ...stateNames.map((s) => [s, state[s]] as [string, tf.Tensor])]);
  };

  return {
    spec,
    name: spec.name,
    state: stateNames,
    scalars: scalarNames,
    usesParam,
    programs: { functional, inPlace },
    reference,
    apply(grad, param, state, scalars) {
      validate(spec.name, grad, param, state);
      const values = scalarArray(scalars);
      if (!fusedKernelsActive()) return reference(grad, param, state, scalars);
      // An output that reads more inputs than a WebGPU dispatch may bind runs on tfjs ops instead.
      if (tf.getBackend() === 'webgpu' && !webGpuCanRunFunctional(tf.backend(), functional)) return reference(grad, param, state, scalars);
      register();
      const inputs: tf.NamedTensorMap = { grad };
      if (usesParam) inputs.param = param as tf.Tensor;
      for (const s of stateNames) inputs[s] = state[s];
      const outs = tf.engine().runKernel(kernelName, inputs, { scalars: values } as unknown as tf.NamedAttrMap) as tf.Tensor[];
      const newState = {} as { [K in S]: tf.Tensor };
      stateNames.forEach((s, i) => (newState[s] = outs[i + 1] as tf.Tensor));
      return { update: outs[0] as tf.Tensor, state: newState };
    },
    applyInPlace(param, grad, state, scalars) {
      const n = validate(spec.name, grad, param, state);
      const values = scalarArray(scalars);
      if (!fusedKernelsActive()) return false;
      const backend = tf.backend();
      const slots = [grad, param, ...stateNames.map((s) => state[s])];
      if (tf.getBackend() === 'cpu') {
        const b = backend as unknown as CpuBackendLike;
        const arrays = slots.map((t) => cpuValues(b, t));
        // outputs = [param, ...state] = inputs[1…]: the scalar loop writes through the inputs' names.
        const outputAliases = inPlace.roots.map((_, k) => k + 1);
        cpuKernel(cpuInPlace, inPlace, scalarNames, { outputAliases })(arrays, arrays.slice(1), values, n);
        return true;
      }
      // Too many buffers for one dispatch in place: decline, the runner takes the functional path.
      if (fusedWebGpuSupported(backend) && fitsOneWebGpuDispatch(backend, inPlace)) {
        runFusedWebGpu(backend, inPlace, slots, slots.slice(1), values, n);
        return true;
      }
      return false;
    },
  };
}
