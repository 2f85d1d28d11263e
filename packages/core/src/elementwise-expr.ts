/**
 * The small expression language in which elementwise update rules are written once.
 *
 * A rule's body is run a single time on symbolic {@link Expr} values; the resulting expression
 * graph (a DAG: shared sub-expressions are computed once) is then compiled three ways — a CPU
 * loop over `Float32Array`s, a WGSL compute shader, and a tfjs-ops reference — by
 * `elementwise-rule.ts`. Keeping the language tiny (float arithmetic, a few unary functions,
 * comparisons and `select`) is what makes the three forms agree to float32 rounding.
 *
 * @packageDocumentation
 */

/** Operations of the expression language. */
export type ExprOp =
  | 'input'
  | 'scalar'
  | 'const'
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'neg'
  | 'sqrt'
  | 'abs'
  | 'sign'
  | 'square'
  | 'exp'
  | 'log'
  | 'tanh'
  | 'max'
  | 'min'
  | 'pow'
  | 'gt'
  | 'ge'
  | 'lt'
  | 'le'
  | 'eq'
  | 'select';

/** A node of an elementwise expression graph. Build nodes with {@link elementwiseOps}, never by hand. */
export interface Expr {
  readonly id: number;
  readonly op: ExprOp;
  readonly args: readonly Expr[];
  /** For `const` nodes. */
  readonly value?: number;
  /** For `input` and `scalar` nodes: the slot name. */
  readonly name?: string;
  /** True when the node depends on no per-element input (scalars and constants only): hoisted out of loops. */
  readonly uniform: boolean;
  /** True for comparison nodes, whose value is a boolean usable only as `select`'s condition. */
  readonly boolean: boolean;
}

let nextId = 0;

function node(op: ExprOp, args: readonly Expr[], extra: { value?: number; name?: string } = {}): Expr {
  const boolean = op === 'gt' || op === 'ge' || op === 'lt' || op === 'le' || op === 'eq';
  const uniform = op === 'scalar' || op === 'const' || (op !== 'input' && args.every((a) => a.uniform));
  return { id: nextId++, op, args, ...extra, uniform, boolean };
}

/** An operand: an expression or a plain number (lifted to a constant). */
export type Operand = Expr | number;

function lift(x: Operand): Expr {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new Error(`elementwise constant must be finite, got ${x}`);
    return node('const', [], { value: x });
  }
  return x;
}

/** A per-element input slot (the rule compiler creates these; rule bodies receive them). */
export function inputExpr(name: string): Expr {
  return node('input', [], { name });
}

/** A per-call scalar slot (a hyper-parameter value for this step). */
export function scalarExpr(name: string): Expr {
  return node('scalar', [], { name });
}

const binary = (op: ExprOp) => (a: Operand, b: Operand): Expr => node(op, [lift(a), lift(b)]);
const unary = (op: ExprOp) => (a: Operand): Expr => node(op, [lift(a)]);

/**
 * The operations a rule body may use. `select(cond, a, b)` is `cond ? a : b`; comparisons
 * yield booleans usable only as its condition. `pow` is defined for non-negative bases only
 * (WGSL leaves negative bases undefined).
 */
export const elementwiseOps = {
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  max: binary('max'),
  min: binary('min'),
  pow: binary('pow'),
  gt: binary('gt'),
  ge: binary('ge'),
  lt: binary('lt'),
  le: binary('le'),
  eq: binary('eq'),
  neg: unary('neg'),
  sqrt: unary('sqrt'),
  abs: unary('abs'),
  sign: unary('sign'),
  square: unary('square'),
  exp: unary('exp'),
  log: unary('log'),
  tanh: unary('tanh'),
  select: (cond: Expr, a: Operand, b: Operand): Expr => {
    if (!cond.boolean) throw new Error('elementwise select: cond must be a comparison');
    return node('select', [cond, lift(a), lift(b)]);
  },
  /** A constant node (numbers are lifted automatically; this is for clarity). */
  constant: (value: number): Expr => lift(value),
} as const;

/** The type of {@link elementwiseOps}, as handed to rule bodies. */
export type ElementwiseOps = typeof elementwiseOps;

/**
 * The nodes reachable from `roots` in dependency order (arguments before users), each once.
 * Compilers emit one temporary per node in this order, which is what makes shared
 * sub-expressions cost one evaluation.
 */
export function topologicalOrder(roots: readonly Expr[]): Expr[] {
  const seen = new Set<number>();
  const order: Expr[] = [];
  const visit = (e: Expr): void => {
    if (seen.has(e.id)) return;
    seen.add(e.id);
    e.args.forEach(visit);
    order.push(e);
  };
  roots.forEach(visit);
  return order;
}
