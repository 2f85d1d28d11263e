/**
 * `@descent/constrained`: constrained and bilevel optimization — augmented Lagrangian, exact augmented Lagrangian with
 * randomized sketching, Cooper-style Lagrangian formulations (GDA, penalty), LV-HBA, and test problem sets.
 *
 * @packageDocumentation
 */
export {};
export * from './lagrangian-formulation.js';
export * from './gda.js';
export * from './penalty.js';
export * from './cooper-issue-80.js';
export * from './sketch-solver.js';
export * from './exact-augmented-lagrangian.js';
export * from './exact-augmented-lagrangian-sketch.js';
export * from './lv-hba.js';
export * from './bilevel-toys.js';
export * from './problem.js';
export * from './problem-evaluator.js';
export * from './kkt.js';
export * from './validate-problem.js';
export * from './least-squares-multipliers.js';
export * from './augmented-lagrangian.js';
export * from './hock-schittkowski.js';
export * from './solve.js';
