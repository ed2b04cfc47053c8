import { access, stat } from "node:fs/promises";
import path from "node:path";
import { freeBytes } from "../../runtime/src/util/free-space.ts";
import { userError } from "../../runtime/src/util/user-facing-error.ts";
import { formatBytes } from "../../runtime/src/weights/progress.ts";

/**
 * A bake writes gigabytes in two places: Docker's data root (layers, the build context it
 * receives) and the bake's cache folder (downloads). A full disk otherwise shows up twenty minutes
 * in as "no space left on device" in the middle of a layer; this check says it before the first
 * byte, with what needs the space.
 */

const GiB = 1024 ** 3;

/** Kept free beyond the estimate: Docker's metadata, logs and the OS need some. */
const HEADROOM = 1 * GiB;

/**
 * Rough sizes, read off `docker system df -v` after bakes on this project's CI (docs/images.md):
 * the runtime image without GPU libraries, and the CUDA/cuDNN/cuBLAS libraries unpacked.
 */
export const RUNTIME_IMAGE_BYTES = 1.5 * GiB;
export const CUDA_LIBS_BYTES = 2.6 * GiB;
/** The wheels pip downloads for those libraries (kept in the cache folder). */
export const CUDA_WHEELS_BYTES = 2.2 * GiB;

/** The folder itself or the nearest one above it that exists (a cache not made yet). */
async function existingAncestor(dir: string): Promise<string | undefined> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (
      await access(d).then(
        () => true,
        () => false,
      )
    )
      return d;
    if (d === path.dirname(d)) return undefined;
  }
}

/** One place a bake writes to, with how much and why. */
export interface SpaceNeed {
  dir: string;
  /** What the folder is, for the message ("Docker's data root"). */
  place: string;
  bytes: number;
  /** What the bytes are for ("GPU libraries"). */
  what: string;
}

/** What the bake is about to write, given what is cached already. */
export function bakeSpaceNeeds(o: {
  dockerRoot: string | undefined;
  cacheDir: string;
  /** Where pip keeps the CUDA wheels (the user's cache, shared between projects). */
  wheelsDir: string;
  gpu: boolean;
  /** The `i2v-cuda/...` image exists: no download, no new CUDA layer but the final copy. */
  cudaImageCached: boolean;
  /** Size of a model folder baked into its own layer (0 for the demo or a volume). */
  weightsBytes: number;
}): SpaceNeed[] {
  const needs: SpaceNeed[] = [];
  const docker = (bytes: number, what: string) => {
    if (o.dockerRoot) needs.push({ dir: o.dockerRoot, place: "Docker's data root", bytes, what });
  };
  docker(RUNTIME_IMAGE_BYTES, "the runtime image");
  if (o.gpu) {
    // Cold: the build context Docker receives, the CUDA image's layer, and the runtime image's copy.
    docker(o.cudaImageCached ? CUDA_LIBS_BYTES : 3 * CUDA_LIBS_BYTES, "the GPU libraries");
    if (!o.cudaImageCached) {
      needs.push({
        dir: o.wheelsDir,
        place: "the wheel cache",
        bytes: CUDA_WHEELS_BYTES,
        what: "the CUDA wheels",
      });
      needs.push({
        dir: o.cacheDir,
        place: "the bake's cache",
        bytes: CUDA_LIBS_BYTES,
        what: "the unpacked CUDA libraries",
      });
    }
  }
  // The weights' own layer and the runtime image's copy of it.
  if (o.weightsBytes > 0) docker(2 * o.weightsBytes, "the weights");
  return needs;
}

/**
 * Throws a user error naming each disk that cannot hold what the bake will write to it. Needs on
 * folders of one filesystem are added up; a folder that cannot be read (a remote engine's data
 * root) is not checked.
 */
export async function checkSpace(
  needs: SpaceNeed[],
  free: (dir: string) => Promise<number> = freeBytes,
): Promise<void> {
  const disks = new Map<number, { dirs: Set<string>; needs: SpaceNeed[]; free: number }>();
  for (const need of needs) {
    const dir = await existingAncestor(need.dir);
    const facts = dir ? await Promise.all([stat(dir), free(dir)]).catch(() => undefined) : undefined;
    if (!facts) continue;
    const [{ dev }, available] = facts;
    const disk = disks.get(dev) ?? { dirs: new Set<string>(), needs: [], free: available };
    disk.dirs.add(`${need.dir} (${need.place})`);
    disk.needs.push(need);
    disks.set(dev, disk);
  }
  const short = [...disks.values()].filter(
    (d) => d.free < d.needs.reduce((sum, n) => sum + n.bytes, 0) + HEADROOM,
  );
  if (short.length === 0) return;
  const lines = short.map((d) => {
    const total = d.needs.reduce((sum, n) => sum + n.bytes, 0);
    const parts = d.needs.map((n) => `${n.what} ${formatBytes(n.bytes)}`).join(", ");
    return `${[...d.dirs].join(" and ")}: ${formatBytes(d.free)} free, this bake writes about ${formatBytes(total)} there (${parts}) plus ${formatBytes(HEADROOM)} headroom`;
  });
  throw userError(
    `not enough disk space for this bake:\n  ${lines.join("\n  ")}`,
    "free space: `docker system df` shows what Docker holds, `docker builder prune` and `docker image prune` drop " +
      "its build cache and untagged images; or move Docker's data-root (daemon.json) or the project to a larger disk",
    "no_space",
  );
}
