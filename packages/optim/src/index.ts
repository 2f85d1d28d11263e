/**
 * `@descent/optim`: first-order optimizers built from small gradient transformations, with
 * reference-exact numerics and fused kernels.
 *
 * @packageDocumentation
 */
export * from './scale-by-learning-rate.js';
export * from './add-decayed-weights.js';
export * from './trace.js';
export * from './sgd.js';
export * from './scale-by-rss.js';
export * from './scale-by-rms.js';
export * from './scale-by-adadelta.js';
export * from './scale-by-sign.js';
export * from './adagrad.js';
export * from './adadelta.js';
export * from './rmsprop.js';
export * from './sign-sgd.js';
export * from './scale-by-adam.js';
export * from './scale-by-adamax.js';
export * from './scale-by-nadam.js';
export * from './scale-by-radam.js';
export * from './adam.js';
export * from './adamw.js';
export * from './adamax.js';
export * from './nadam.js';
export * from './radam.js';
export * from './scale-by-diffgrad.js';
export * from './diffgrad.js';
export * from './scale-by-belief.js';
export * from './adabelief.js';
export * from './scale-by-lion.js';
export * from './lion.js';
export * from './clip-by-global-norm.js';
export * from './clip.js';
export * from './apply-if-finite.js';
export * from './multi-steps.js';
export * from './lookahead.js';
export * from './ema.js';
export * from './multi-transform.js';
export * from './inject-hyperparams.js';
export * from './ema-momentum.js';
export * from './orthogonalize-newton-schulz.js';
export * from './muon.js';
export * from './scale-by-factored-rms.js';
export * from './clip-by-block-rms.js';
export * from './scale-by-relative-step-size.js';
export * from './adafactor.js';
export * from './schedule-free.js';
export * from './lbfgs.js';
