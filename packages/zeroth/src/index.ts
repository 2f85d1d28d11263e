/**
 * `@descent/zeroth`: derivative-free optimization with ask/tell and batched independent runs.
 *
 * @packageDocumentation
 */
export * from './strategy.js';
export * from './init-population.js';
export * from './minimize.js';
export type { HostStrategy } from './host-strategy.js';
export * from './cma-es.js';
export * from './test-functions.js';
export type { ClientObjective, FederatedOptimizer, FederatedRecord, FederatedRunOptions, FederatedRunResult } from './federated.js';
export * from './gp-surrogate.js';
export * from './federated-quadratic.js';
export * from './fed-zo.js';
export * from './fzoos.js';
export * from './centered-ranks.js';
export * from './openai-es.js';
export * from './gaussian-smoothing.js';
export * from './zo-rank-sgd.js';
export * from './consensus.js';
export * from './cbo.js';
export * from './deep-ga.js';
export * from './worker-pool-evaluator.js';
export * from './polar-cbo.js';
export * from './cbs.js';
export * from './consensus-hopping.js';
