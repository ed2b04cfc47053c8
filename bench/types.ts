/** One measured figure, as written to bench/results.json and shown in docs/performance.md. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The target the issue set; null when the figure is informational. */
  target: number | null;
  better: "lower" | "higher";
  met: boolean | null;
  /** The command or setting behind the figure, so a reader can reproduce it. */
  how: string;
  /** The suite that measured it (set by bench/index.ts). */
  suite?: string;
}

export interface BenchOptions {
  /** `--quick`: finish within a few minutes on a 2-core machine. */
  quick: boolean;
  log: (line: string) => void;
}

/** A benchmark suite: each measures side by side inside one run and returns ratios where honest. */
export interface BenchSuite {
  name: string;
  /**
   * Run in parts (full-size: an hour and more, resumable): figures it did not produce this run stay
   * from the last run that did, instead of disappearing from results.json.
   */
  keepsUnmeasured?: boolean;
  run(options: BenchOptions): Promise<Figure[]>;
}

/** Builds a figure and decides `met` from the target and direction. */
export function figure(f: Omit<Figure, "met">): Figure {
  const met = f.target === null ? null : f.better === "lower" ? f.value <= f.target : f.value >= f.target;
  return { ...f, met };
}
