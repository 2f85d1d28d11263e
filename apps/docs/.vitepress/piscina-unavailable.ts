// Stands in for `piscina` in the browser bundle: @descent/zeroth's workerPoolObjective uses Node
// worker threads, which a web page does not have (the playground never calls it).
export class Piscina {
  constructor() {
    throw new Error('workerPoolObjective needs Node worker threads (piscina); it is not available in the browser');
  }
}
