/**
 * PIL's (Pillow's) resize for 8-bit RGB, ported so our preprocessing gives diffusers' pixels.
 *
 * diffusers' I2VGenXLPipeline prepares its inputs with PIL: `_center_crop_wide` (BOX resize, then
 * a crop) for the VAE, and the same plus a BILINEAR resize to the CLIP crop size for the image
 * encoder. A lanczos3 resize (sharp) gives other pixels, which the parity suite measures. This
 * follows Pillow's src/libImaging/Resample.c: separable passes (horizontal first, its result
 * rounded to 8 bits, then vertical), per-pixel float coefficients normalized to sum 1, then turned
 * into 22-bit fixed point with PIL's rounding. Only what diffusers uses is here: BOX and BILINEAR
 * (I2VGen-XL), LANCZOS (Wan's VaeImageProcessor resizes the VAE image with it) and BICUBIC (the
 * CLIP image processor's shortest-edge resize for Wan 2.1). LANCZOS and BICUBIC have negative
 * lobes: the fixed-point sums may go below 0 or above 255 and are clipped, as PIL's clip8.
 */

export interface RgbImage {
  width: number;
  height: number;
  /** RGB24, row-major. */
  data: Uint8Array;
}

export type PilFilter = "box" | "bilinear" | "bicubic" | "lanczos";

/** PIL's sinc_filter. */
function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** PIL's bicubic_filter: Keys' cubic with a = -0.5. */
function bicubic(x: number): number {
  const a = -0.5;
  const ax = Math.abs(x);
  if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
  if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
  return 0;
}

const FILTERS: Record<PilFilter, { support: number; weight: (x: number) => number }> = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: {
    support: 1,
    weight: (x) => {
      const a = Math.abs(x);
      return a < 1 ? 1 - a : 0;
    },
  },
  bicubic: { support: 2, weight: bicubic },
  // PIL's lanczos_filter: sinc truncated to [-3, 3) and windowed by sinc(x / 3).
  lanczos: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

const PRECISION_BITS = 32 - 8 - 2;

interface Coefficients {
  /** First input index of each output pixel. */
  start: Int32Array;
  /** Number of input pixels of each output pixel. */
  count: Int32Array;
  /** ksize fixed-point weights per output pixel. */
  weights: Int32Array;
  ksize: number;
}

function coefficients(inSize: number, outSize: number, filter: PilFilter): Coefficients {
  const { support: baseSupport, weight } = FILTERS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = baseSupport * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero, then PIL clamps.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? (k[x] as number) / ww : (k[x] as number);
      // normalize_coeffs_8bpc: round half away from zero into fixed point.
      const scaled = v * (1 << PRECISION_BITS);
      weights[xx * ksize + x] = scaled < 0 ? Math.trunc(scaled - 0.5) : Math.trunc(scaled + 0.5);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, weights, ksize };
}

const clip8 = (ss: number) => {
  const v = Math.floor(ss / 2 ** PRECISION_BITS);
  return Math.min(Math.max(v, 0), 255);
};

/** One horizontal pass: every row resampled to `width`, rounded to 8 bits (PIL's clip8). */
function resizeHorizontal(image: RgbImage, width: number, filter: PilFilter): RgbImage {
  const c = coefficients(image.width, width, filter);
  const out = new Uint8Array(width * image.height * 3);
  const src = image.data;
  for (let y = 0; y < image.height; y++) {
    const row = y * image.width * 3;
    for (let xx = 0; xx < width; xx++) {
      const x0 = c.start[xx] as number;
      const n = c.count[xx] as number;
      const base = xx * c.ksize;
      for (let ch = 0; ch < 3; ch++) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let x = 0; x < n; x++)
          ss += (src[row + (x0 + x) * 3 + ch] as number) * (c.weights[base + x] as number);
        out[(y * width + xx) * 3 + ch] = clip8(ss);
      }
    }
  }
  return { width, height: image.height, data: out };
}

/** One vertical pass: every column resampled to `height`, rounded to 8 bits. */
function resizeVertical(image: RgbImage, height: number, filter: PilFilter): RgbImage {
  const c = coefficients(image.height, height, filter);
  const stride = image.width * 3;
  const out = new Uint8Array(stride * height);
  const src = image.data;
  for (let yy = 0; yy < height; yy++) {
    const y0 = c.start[yy] as number;
    const n = c.count[yy] as number;
    const base = yy * c.ksize;
    for (let i = 0; i < stride; i++) {
      let ss = 1 << (PRECISION_BITS - 1);
      for (let y = 0; y < n; y++)
        ss += (src[(y0 + y) * stride + i] as number) * (c.weights[base + y] as number);
      out[yy * stride + i] = clip8(ss);
    }
  }
  return { width: image.width, height, data: out };
}

/**
 * PIL's Image.resize((width, height), filter) for an RGB image (no box, no reducing_gap). The
 * first pass is rounded to 8 bits before the second, so the order matters: Pillow (13) runs the
 * horizontal pass first unless the height shrinks by more than twice as many pixels as the width.
 */
export function pilResize(image: RgbImage, width: number, height: number, filter: PilFilter): RgbImage {
  if (width === image.width && height === image.height) return { width, height, data: image.data.slice() };
  const shrinkY = image.height - height;
  const horizontalFirst = !(shrinkY > 0 && shrinkY > (image.width - width) * 2);
  let current = image;
  if (horizontalFirst) {
    if (width !== current.width) current = resizeHorizontal(current, width, filter);
    if (height !== current.height) current = resizeVertical(current, height, filter);
  } else {
    if (height !== current.height) current = resizeVertical(current, height, filter);
    if (width !== current.width) current = resizeHorizontal(current, width, filter);
  }
  return current;
}

/** PIL's Image.crop((x0, y0, x0 + width, y0 + height)): pixels outside the image are black. */
export function pilCrop(image: RgbImage, x0: number, y0: number, width: number, height: number): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = y0 + y;
    if (sy < 0 || sy >= image.height) continue;
    for (let x = 0; x < width; x++) {
      const sx = x0 + x;
      if (sx < 0 || sx >= image.width) continue;
      const s = (sy * image.width + sx) * 3;
      const d = (y * width + x) * 3;
      out[d] = image.data[s] as number;
      out[d + 1] = image.data[s + 1] as number;
      out[d + 2] = image.data[s + 2] as number;
    }
  }
  return { width, height, data: out };
}

/** Python's float floor division `a // b` (CPython float_floor_div), which can differ from floor(a / b). */
export function pyFloorDiv(a: number, b: number): number {
  let mod = a % b;
  let div = (a - mod) / b;
  if (mod && b < 0 !== mod < 0) {
    mod += b;
    div -= 1;
  }
  if (!div) return 0;
  let floordiv = Math.floor(div);
  if (div - floordiv > 0.5) floordiv += 1;
  return floordiv;
}

/**
 * diffusers' `_center_crop_wide(image, (width, height))`: BOX-scale so the image covers the target
 * (sizes floored with Python's float `//`), then a centre crop with floored offsets.
 */
export function centerCropWide(image: RgbImage, width: number, height: number): RgbImage {
  const scale = Math.min(image.width / width, image.height / height);
  const resized = pilResize(image, pyFloorDiv(image.width, scale), pyFloorDiv(image.height, scale), "box");
  const x1 = Math.floor((resized.width - width) / 2);
  const y1 = Math.floor((resized.height - height) / 2);
  return pilCrop(resized, x1, y1, width, height);
}
