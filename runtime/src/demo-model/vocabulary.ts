/**
 * The demo model's vocabulary: words that steer the camera, and the motion each one adds.
 *
 * The text encoder is an embedding table; the first three dimensions of a word's row are its
 * camera motion (pan x, pan y, zoom), summed over the prompt by the demo UNet. Every other word,
 * unknown ones included, adds a slow zoom-in drift so that any prompt gives a moving clip.
 */
export interface MotionWord {
  /** Horizontal camera pan: positive moves the view right (the picture slides left). */
  panX: number;
  /** Vertical camera pan: positive moves the view down. */
  panY: number;
  /** Zoom: positive zooms in. */
  zoom: number;
}

export const MOTION_WORDS: Record<string, MotionWord> = {
  left: { panX: -1, panY: 0, zoom: 0 },
  right: { panX: 1, panY: 0, zoom: 0 },
  up: { panX: 0, panY: -1, zoom: 0 },
  down: { panX: 0, panY: 1, zoom: 0 },
  zoom: { panX: 0, panY: 0, zoom: 1 },
  closer: { panX: 0, panY: 0, zoom: 1 },
  push: { panX: 0, panY: 0, zoom: 1 },
  // "zoom out" = zoom (+1) + out (-2) = -1.
  out: { panX: 0, panY: 0, zoom: -2 },
  away: { panX: 0, panY: 0, zoom: -1 },
  // Words that name a camera move without a direction add nothing.
  in: { panX: 0, panY: 0, zoom: 0 },
  pan: { panX: 0, panY: 0, zoom: 0 },
  tilt: { panX: 0, panY: 0, zoom: 0 },
  camera: { panX: 0, panY: 0, zoom: 0 },
  static: { panX: 0, panY: 0, zoom: 0 },
};

/** A few ordinary words so that common prompts tokenize to known ids (the rest map to [UNK]). */
export const COMMON_WORDS = [
  "a",
  "an",
  "the",
  "of",
  "and",
  "with",
  "on",
  "at",
  "to",
  "photo",
  "video",
  "slowly",
  "fast",
  "astronaut",
  "coffee",
  "cup",
  "person",
  "man",
  "woman",
  "cat",
  "dog",
  "city",
  "sea",
  "sky",
  "mountain",
  "forest",
  "car",
  "street",
  "night",
  "sunset",
  "cinematic",
  "space",
  "water",
  "tree",
];

export const SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"] as const;

/** Per-word scale of the motion dimensions (normalized image units per word, per CFG branch). */
export const MOTION_UNIT = { pan: 0.022, zoom: 0.028, drift: 0.006 } as const;

/** Ordered vocabulary: special tokens first, then motion words, then common words. */
export function vocabulary(): string[] {
  return [...SPECIAL_TOKENS, ...Object.keys(MOTION_WORDS), ...COMMON_WORDS];
}
