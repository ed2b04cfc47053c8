import { I2vError } from "../errors.ts";
import type { MemoryProbe, MemoryReading } from "./memory.ts";

/** The manifest's memory model for the loaded variant (MiB). */
export interface MemoryModel {
  fixed_mb: number;
  per_megapixel_frame_mb: number;
}

export interface AdmissionVerdict {
  fits: boolean;
  neededMb: number;
  /** Free memory after what running jobs are expected to take. */
  freeMb: number;
  reason: string | null;
}

/**
 * The "VRAM precheck": estimate a job's memory for its size, frames and variant, and refuse it
 * before it runs when it would not fit (with a safety margin). Estimates start from the manifest's
 * memory model and are corrected by the peaks jobs actually reach.
 */
export class Admission {
  /** Observed/predicted ratios of recent jobs; the largest one scales estimates. */
  private readonly ratios: number[] = [];
  private reserved = new Map<string, number>();

  constructor(
    private readonly model: MemoryModel,
    private readonly probe: MemoryProbe,
    private readonly margin = 0.1,
  ) {}

  /** Base estimate from the manifest (MiB). */
  baseEstimate(width: number, height: number, frames: number): number {
    return this.model.fixed_mb + this.model.per_megapixel_frame_mb * ((width * height * frames) / 1e6);
  }

  /** Estimate including the correction learned from observed peaks (never below the manifest's). */
  estimate(width: number, height: number, frames: number): number {
    const correction = this.ratios.length > 0 ? Math.max(1, ...this.ratios) : 1;
    return Math.ceil(this.baseEstimate(width, height, frames) * correction);
  }

  /** Records a finished job's observed peak, so later estimates track reality. */
  observe(width: number, height: number, frames: number, observedMb: number): void {
    const base = this.baseEstimate(width, height, frames);
    if (!(observedMb > 0) || !(base > 0)) return;
    this.ratios.push(observedMb / base);
    if (this.ratios.length > 10) this.ratios.shift();
  }

  async reading(): Promise<MemoryReading> {
    return this.probe();
  }

  /** Whether a job of this size fits now, given what running jobs have reserved. */
  async check(
    width: number,
    height: number,
    frames: number,
    reading?: MemoryReading,
  ): Promise<AdmissionVerdict> {
    const now = reading ?? (await this.probe());
    const neededMb = this.estimate(width, height, frames);
    let reservedMb = 0;
    for (const mb of this.reserved.values()) reservedMb += mb;
    const freeMb = Math.max(0, now.freeMb - reservedMb);
    const fits = neededMb * (1 + this.margin) <= freeMb;
    return {
      fits,
      neededMb,
      freeMb: Math.floor(freeMb),
      reason: fits
        ? null
        : `needs about ${neededMb} MiB (+${Math.round(this.margin * 100)}% margin), ${Math.floor(freeMb)} MiB free`,
    };
  }

  /** Throws `insufficient_memory` with the needed and free figures when the job does not fit. */
  async admit(width: number, height: number, frames: number): Promise<number> {
    const verdict = await this.check(width, height, frames);
    if (!verdict.fits) {
      throw new I2vError("insufficient_memory", `This job ${verdict.reason}.`, {
        needed_mb: verdict.neededMb,
        free_mb: verdict.freeMb,
        margin: this.margin,
      });
    }
    return verdict.neededMb;
  }

  /** Running jobs hold their estimate until they finish. */
  reserve(id: string, mb: number): void {
    this.reserved.set(id, mb);
  }

  release(id: string): void {
    this.reserved.delete(id);
  }
}
