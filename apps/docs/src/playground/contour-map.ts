/**
 * Draws a surface as log-scaled filled contours (iso-bands with dark edges) on a canvas, and maps
 * between the surface's coordinates and the canvas's pixels. The grid is evaluated with the same
 * tfjs function the optimizers minimise.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Surface } from './test-surfaces.js';

const STOPS: [number, number, number][] = [
  [13, 8, 135],
  [84, 2, 163],
  [139, 10, 165],
  [185, 50, 137],
  [219, 92, 104],
  [244, 136, 73],
  [254, 188, 43],
  [240, 249, 33],
];

function color(t: number): [number, number, number] {
  const u = Math.min(Math.max(t, 0), 1) * (STOPS.length - 1);
  const i = Math.min(Math.floor(u), STOPS.length - 2);
  const a = STOPS[i];
  const b = STOPS[i + 1];
  const w = u - i;
  return [a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w, a[2] + (b[2] - a[2]) * w];
}

/** A surface rendered once into an offscreen image, redrawn under the trajectories each frame. */
export class ContourMap {
  private image: HTMLCanvasElement | undefined;

  constructor(
    readonly surface: Surface,
    readonly grid = 128,
    readonly bands = 16,
  ) {}

  /** Evaluates f on the grid (one batched call) and paints the bands. */
  async render(): Promise<void> {
    const { surface, grid: g } = this;
    const [x0, x1] = surface.xRange;
    const [y0, y1] = surface.yRange;
    const points = new Float32Array(g * g * 2);
    for (let j = 0; j < g; j++) {
      for (let i = 0; i < g; i++) {
        const k = 2 * (j * g + i);
        points[k] = x0 + ((i + 0.5) / g) * (x1 - x0);
        points[k + 1] = y1 - ((j + 0.5) / g) * (y1 - y0);
      }
    }
    const values = tf.tidy(() => surface.f(tf.tensor2d(points, [g * g, 2])));
    const f = await values.data();
    values.dispose();
    const level = new Float32Array(g * g);
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < g * g; k++) {
      level[k] = Math.log10(Math.max(f[k] - surface.fMin, 0) + 1e-3);
      lo = Math.min(lo, level[k]);
      hi = Math.max(hi, level[k]);
    }
    const band = (k: number) => Math.min(this.bands - 1, Math.floor(((level[k] - lo) / (hi - lo || 1)) * this.bands));
    const canvas = document.createElement('canvas');
    canvas.width = g;
    canvas.height = g;
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const img = ctx.createImageData(g, g);
    for (let j = 0; j < g; j++) {
      for (let i = 0; i < g; i++) {
        const k = j * g + i;
        const b = band(k);
        const edge = (i + 1 < g && band(k + 1) !== b) || (j + 1 < g && band(k + g) !== b);
        const [r, gr, bl] = color(b / (this.bands - 1));
        const shade = edge ? 0.6 : 1;
        img.data.set([r * shade, gr * shade, bl * shade, 255], 4 * k);
      }
    }
    ctx.putImageData(img, 0, 0);
    this.image = canvas;
  }

  /** Canvas pixel of a surface point. */
  toPixel(target: HTMLCanvasElement, p: readonly [number, number]): [number, number] {
    const [x0, x1] = this.surface.xRange;
    const [y0, y1] = this.surface.yRange;
    return [((p[0] - x0) / (x1 - x0)) * target.width, ((y1 - p[1]) / (y1 - y0)) * target.height];
  }

  /** Paints the contour image and the minimiser's star. */
  draw(target: HTMLCanvasElement): CanvasRenderingContext2D {
    const ctx = target.getContext('2d') as CanvasRenderingContext2D;
    ctx.clearRect(0, 0, target.width, target.height);
    if (this.image) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.image, 0, 0, target.width, target.height);
    }
    const [mx, my] = this.toPixel(target, this.surface.minimum);
    ctx.fillStyle = '#ffffff';
    ctx.font = '18px sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('★', mx, my);
    return ctx;
  }
}
