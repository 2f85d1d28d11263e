// The page's bundle already imports and registers tfjs's CPU and WebGPU backends and its gradient
// functions. @descent/core's useBackend() also imports them by bare name at run time (so that
// bundlers leave optional packages out); the import map in the page head points those names here.
export {};
