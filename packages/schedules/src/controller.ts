/**
 * The interface shared by the stateful controllers ({@link reduceOnPlateau},
 * {@link adadagradBatchSize}): hyper-parameters that depend on observations, not only on the step.
 *
 * @packageDocumentation
 */

/**
 * A stateful controller: it starts in its initial state, takes one observation at a time
 * (a validation loss, gradient statistics, …) and exposes the hyper-parameter it controls.
 *
 * The observation is a host number or a record of host numbers — read tensors back with
 * `await t.data()` first — so a controller never touches the device. To feed its value to an
 * optimizer option that accepts a schedule, pass `() => controller.value`.
 */
export interface Controller<Observation> {
  /** Resets the controller to its initial state and returns the initial value. */
  init(): number;
  /** Takes one observation and returns the (possibly) new value. */
  update(observation: Observation): number;
  /** The current value. */
  readonly value: number;
}
