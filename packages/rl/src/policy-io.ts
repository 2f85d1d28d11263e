/**
 * `loadPolicy(bytes)`: the inverse of `Policy.save()` for the built-in policies.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, treeDispose } from '@descent/core';
import { CategoricalPolicy } from './categorical-policy.js';
import { FLOAT32_MAX, GaussianPolicy, type GaussianParams } from './gaussian-policy.js';
import { GsdePolicy } from './gsde-policy.js';
import { type Activation, type MlpParams, ownedVariable } from './mlp.js';
import { type SavedTensor, decodePolicyBytes } from './policy-bytes.js';
import type { ObservationNormalization } from './trainable-policy.js';

function corrupt(message: string): never {
  throw new DescentError('checkpoint-corrupt', `loadPolicy: ${message}`, { parameter: 'bytes' });
}

function need(tensors: Map<string, SavedTensor>, name: string, rank?: number): SavedTensor {
  const t = tensors.get(name);
  if (t === undefined) corrupt(`missing tensor '${name}'`);
  if (rank !== undefined && t.shape.length !== rank) corrupt(`tensor '${name}' has shape [${t.shape}], expected rank ${rank}`);
  return t;
}

function readNet(tensors: Map<string, SavedTensor>, layers: unknown): MlpParams<tf.Variable> {
  if (!Number.isInteger(layers) || (layers as number) < 1) corrupt(`bad layer count ${String(layers)}`);
  const ws = [];
  for (let i = 0; i < (layers as number); i++) {
    const w = need(tensors, `net.${i}.w`, 2);
    const b = need(tensors, `net.${i}.b`, 1);
    if (b.shape[0] !== w.shape[1]) corrupt(`layer ${i}: bias [${b.shape}] does not match weight [${w.shape}]`);
    if (i > 0 && ws[i - 1].w.shape[1] !== w.shape[0]) corrupt(`layer ${i}: input width ${w.shape[0]} does not match the previous layer`);
    ws.push({ w, b });
  }
  return ws.map(({ w, b }) => ({ w: ownedVariable(tf.tensor2d(w.data, w.shape as [number, number])), b: ownedVariable(tf.tensor1d(b.data)) }));
}

function readNormalization(header: Record<string, unknown>, tensors: Map<string, SavedTensor>, dim: number): ObservationNormalization | undefined {
  const spec = header.observationNormalization as { clip?: unknown; epsilon?: unknown } | null | undefined;
  if (spec === null || spec === undefined) return undefined;
  if (typeof spec.clip !== 'number' || typeof spec.epsilon !== 'number') corrupt('malformed observationNormalization');
  const mean = need(tensors, 'obs.mean', 1);
  const variance = need(tensors, 'obs.variance', 1);
  if (mean.shape[0] !== dim || variance.shape[0] !== dim) corrupt(`normalisation statistics do not match observationDim ${dim}`);
  return { mean: mean.data, variance: variance.data, clip: spec.clip, epsilon: spec.epsilon };
}

function unboundsSafe(data: Float32Array): Float32Array {
  return data.map((v) => (v >= FLOAT32_MAX ? Infinity : v <= -FLOAT32_MAX ? -Infinity : v));
}

/**
 * Rebuilds a policy from `Policy.save()` bytes: the same kind, environment id, architecture, weights, action bounds
 * and observation-normalisation statistics, so `act` returns identical actions. The bytes carry a format version
 * and a checksum; a wrong version throws `DescentError('checkpoint-mismatch')`, anything malformed
 * `DescentError('checkpoint-corrupt')`, and nothing is allocated before the whole file validated.
 */
export function loadPolicy(bytes: Uint8Array): CategoricalPolicy | GaussianPolicy | GsdePolicy {
  const { header, tensors } = decodePolicyBytes(bytes);
  const kind = header.kind;
  if (kind !== 'categorical' && kind !== 'gaussian') corrupt(`unknown policy kind ${JSON.stringify(kind)}`);
  if (typeof header.envId !== 'string') corrupt('missing envId');
  const activation = header.activation as Activation;
  if (activation !== 'tanh' && activation !== 'relu') corrupt(`unknown activation ${JSON.stringify(activation)}`);
  // Validate everything before creating any variable.
  const first = need(tensors, 'net.0.w', 2);
  const norm = readNormalization(header, tensors, first.shape[0]);
  if (kind === 'categorical') {
    const net = readNet(tensors, header.layers);
    return new CategoricalPolicy({ envId: header.envId, params: { net }, activation, observationNormalization: norm });
  }
  if (header.exploration === 'gsde') return readGsdePolicy(header, tensors, header.envId, norm);
  const stateDependentStd = header.stateDependentStd;
  const squash = header.squash;
  const bounds = header.logStdBounds;
  if (typeof stateDependentStd !== 'boolean' || typeof squash !== 'boolean') corrupt('malformed gaussian flags');
  if (!Array.isArray(bounds) || bounds.length !== 2 || !bounds.every((v) => typeof v === 'number')) corrupt('malformed logStdBounds');
  const low = need(tensors, 'action.low', 1);
  const high = need(tensors, 'action.high', 1);
  const logStd = stateDependentStd ? undefined : need(tensors, 'logStd', 1);
  const net = readNet(tensors, header.layers);
  const params: GaussianParams<tf.Variable> = { net };
  if (logStd) params.logStd = ownedVariable(tf.tensor1d(logStd.data));
  try {
    return new GaussianPolicy({
      envId: header.envId,
      params,
      actionLow: unboundsSafe(low.data),
      actionHigh: unboundsSafe(high.data),
      activation,
      squash,
      stateDependentStd,
      logStdBounds: bounds as [number, number],
      observationNormalization: norm,
    });
  } catch (e) {
    treeDispose(params);
    const message = e instanceof Error ? e.message : String(e);
    corrupt(`inconsistent gaussian policy (${message})`);
  }
}

/** The gSDE branch of {@link loadPolicy}: feature network + mean head, the [f × d] log-σ matrix, bounds, clipMean, flags. */
function readGsdePolicy(
  header: Record<string, unknown>,
  tensors: Map<string, SavedTensor>,
  envId: string,
  norm: ObservationNormalization | undefined,
): GsdePolicy {
  if (typeof header.clipMean !== 'number') corrupt('malformed clipMean');
  // Policies saved before the unsquashed (PPO) form existed carry neither flag: SAC's squashed, feature-learning actor.
  const squash = header.squash ?? true;
  const learnFeatures = header.learnFeatures ?? true;
  if (typeof squash !== 'boolean' || typeof learnFeatures !== 'boolean') corrupt('malformed gSDE flags');
  const low = need(tensors, 'action.low', 1);
  const high = need(tensors, 'action.high', 1);
  const logStd = need(tensors, 'logStd', 2);
  const net = readNet(tensors, header.layers);
  const params = { net, logStd: ownedVariable(tf.tensor2d(logStd.data, logStd.shape as [number, number])) };
  try {
    return new GsdePolicy({
      envId,
      params,
      actionLow: unboundsSafe(low.data),
      actionHigh: unboundsSafe(high.data),
      clipMean: header.clipMean,
      activation: header.activation as Activation,
      squash,
      learnFeatures,
      observationNormalization: norm,
    });
  } catch (e) {
    treeDispose(params);
    const message = e instanceof Error ? e.message : String(e);
    corrupt(`inconsistent gSDE policy (${message})`);
  }
}
