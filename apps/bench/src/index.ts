/**
 * descent's bench app: the MNIST optimizer shoot-out (`pnpm demo`) and the benchmark runner (`pnpm bench`).
 *
 * @packageDocumentation
 */
export * from './mnist-digits.js';
export * from './models.js';
export * from './optimizer-presets.js';
export * from './shootout.js';
export * from './svg-plot.js';
export { parseDemoArgs, runDemo, type DemoSettings } from './demo.js';
