/**
 * Motion estimates between two RGB24 frames, for tests that check which way the demo camera moved.
 * Block matching on a band of columns: the horizontal offset that best explains the later frame.
 */

/** A rectangle of columns and rows, as fractions of the frame (0..1). */
export interface Band {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export const CENTRE: Band = { x0: 0.3, x1: 0.7, y0: 0.3, y1: 0.7 };
export const LEFT: Band = { x0: 0.12, x1: 0.32, y0: 0.3, y1: 0.7 };
export const RIGHT: Band = { x0: 0.68, x1: 0.88, y0: 0.3, y1: 0.7 };

/**
 * The shift dx (pixels) such that `later[x] ~ first[x - dx]` inside `band`: positive when the
 * picture content moved right. Searches integer offsets up to `maxShift`.
 */
export function horizontalShift(
  first: Uint8Array,
  later: Uint8Array,
  width: number,
  height: number,
  band: Band = CENTRE,
  maxShift = Math.floor(width / 4),
): number {
  const xs = Math.round(band.x0 * width);
  const xe = Math.round(band.x1 * width);
  const ys = Math.round(band.y0 * height);
  const ye = Math.round(band.y1 * height);
  let best = 0;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let dx = -maxShift; dx <= maxShift; dx++) {
    let cost = 0;
    let n = 0;
    for (let y = ys; y < ye; y++) {
      for (let x = Math.max(xs, dx); x < Math.min(xe, width + dx); x++) {
        const a = (y * width + x) * 3;
        const b = (y * width + x - dx) * 3;
        for (let c = 0; c < 3; c++) cost += Math.abs((later[a + c] as number) - (first[b + c] as number));
        n += 3;
      }
    }
    if (n > 0 && cost / n < bestCost) {
      bestCost = cost / n;
      best = dx;
    }
  }
  return best;
}
