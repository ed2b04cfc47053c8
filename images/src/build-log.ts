import { UserError } from "../../runtime/src/util/user-facing-error.ts";

/**
 * Docker's build endpoint answers 200 and then streams JSON entries; a failed step arrives as an
 * `error`/`errorDetail` entry inside that stream. This module turns the stream into a verdict: the
 * image id on success, or a {@link BuildStepError} that names the failing step and its output.
 */

/** One entry of Docker's build progress stream (classic builder). */
export interface BuildEntry {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

/** A build step as Docker reported it, with the output it printed. */
export interface BuildStep {
  /** "Step 3/12 : RUN apt-get ..." without the "Step n/m : " prefix. */
  instruction: string;
  index: number;
  total: number;
  cached: boolean;
  output: string[];
}

/** What to do about a failed step, by what failed. */
function buildHint(step: BuildStep | undefined, dockerMessage: string): string {
  if (/no space left on device/i.test(dockerMessage))
    return (
      "Docker's data root is full: `docker system df` shows what it holds, `docker builder prune` and " +
      "`docker image prune` drop build cache and untagged images (docs/images.md, Disk space)"
    );
  if (step?.instruction.startsWith("FROM"))
    return (
      "the base image could not be pulled: try another registry mirror (--mirror NAME), `docker load` the " +
      "base from an archive, or use --recipe debian-local, which builds its base from Debian packages"
    );
  if (step?.instruction.includes("check-cuda-libs.sh"))
    return (
      "a library ONNX Runtime's CUDA provider needs does not resolve in the image (listed above): check " +
      "runtime/src/gpu/cuda-requirements.ts against the onnxruntime-gpu wheel's CUDA/cuDNN extras (docs/images.md, The GPU image)"
    );
  return (
    "read the step output above; a package name or mirror problem shows there. " +
    "`--mirror upstream` or another mirror name retries through a different source"
  );
}

/** A Docker build that failed: the step, the error text and the step's own output. */
export class BuildStepError extends UserError {
  override name = "BuildStepError";
  constructor(
    readonly step: BuildStep | undefined,
    readonly dockerMessage: string,
  ) {
    const where = step ? `step ${step.index}/${step.total} (${step.instruction})` : "before the first step";
    const tail = step?.output.slice(-30).join("\n") ?? "";
    super(
      `image build failed at ${where}: ${dockerMessage}${tail ? `\n--- step output (tail) ---\n${tail}` : ""}`,
      buildHint(step, dockerMessage),
    );
  }
}

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;

/** Accumulates a build stream; call {@link BuildLog.push} per entry, then {@link BuildLog.finish}. */
export class BuildLog {
  readonly steps: BuildStep[] = [];
  private imageId: string | undefined;
  private failure: BuildStepError | undefined;

  push(entry: BuildEntry): void {
    if (entry.aux?.ID) this.imageId = entry.aux.ID;
    if (entry.error || entry.errorDetail) {
      // Keep the first error: later ones are usually consequences of it.
      this.failure ??= new BuildStepError(
        this.current(),
        entry.errorDetail?.message ?? entry.error ?? "unknown",
      );
      return;
    }
    const text = entry.stream ?? entry.status;
    if (!text) return;
    for (const raw of text.split("\n")) {
      const line = raw.trimEnd();
      if (!line) continue;
      const match = STEP.exec(line);
      if (match) {
        this.steps.push({
          index: Number(match[1]),
          total: Number(match[2]),
          instruction: match[3] ?? "",
          cached: false,
          output: [],
        });
        continue;
      }
      const step = this.current();
      if (!step) continue;
      if (line.trim() === "---> Using cache") step.cached = true;
      step.output.push(line);
    }
  }

  /** The first error entry seen, if any (for streams without steps, such as `docker load`). */
  error(): BuildStepError | undefined {
    return this.failure;
  }

  /** The step Docker is on (the last one announced). */
  current(): BuildStep | undefined {
    return this.steps.at(-1);
  }

  /** How many steps Docker took from its cache. */
  cachedSteps(): number {
    return this.steps.filter((s) => s.cached).length;
  }

  /** Throws the build's error, or one for a stream that ended without an image id. */
  finish(): string {
    if (this.failure) throw this.failure;
    if (!this.imageId) {
      const ids = this.steps
        .flatMap((s) => s.output)
        .map((l) => /Successfully built ([0-9a-f]+)/.exec(l)?.[1]);
      const id = ids.filter(Boolean).at(-1);
      if (id) return id;
      throw new BuildStepError(this.current(), "the build stream ended without an image id");
    }
    return this.imageId;
  }
}
