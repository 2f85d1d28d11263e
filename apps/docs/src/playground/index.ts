/**
 * The live playground's runtime, loaded by the page only in the browser (never during the
 * static build): backend choice, test surfaces, optimizer runs, the CBO swarm, schedule curves
 * and contour drawing.
 *
 * @packageDocumentation
 */
export * from './backend-choice.js';
export * from './test-surfaces.js';
export * from './optimizer-runs.js';
export * from './cbo-swarm.js';
export * from './schedule-curves.js';
export * from './contour-map.js';
