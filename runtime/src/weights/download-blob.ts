import { open, rm, stat } from "node:fs/promises";
import { deadline } from "../util/deadline.ts";
import { renameDurable } from "../util/durable-write.ts";
import { ModelFetchError, userError } from "./errors.ts";
import { feedFile, startDigest } from "./hash.ts";
import { type HttpContext, isNetworkError, waitForRetry } from "./http.ts";
import { networkCause, networkError } from "./network-cause.ts";
import { openRange, TransientHttpError, UpstreamChangedError } from "./range-request.ts";
import { readBody } from "./read-body.ts";
import type { FetchEvent, RemoteFile } from "./types.ts";

export interface BlobDownload {
  url: string;
  file: RemoteFile;
  /** Final blob path; bytes land in `<blobPath>.incomplete` until verified. */
  blobPath: string;
  /** The commit the Hub must report in X-Repo-Commit, when it reports one. */
  commit?: string;
  ctx: HttpContext;
  emit: (event: FetchEvent) => void;
  /** A connection that delivers nothing for this long is dropped and resumed. Default 60 s. */
  stallTimeoutMs?: number;
}

/** How often wrong bytes may arrive before we stop: a proxy that rewrites files will not get better. */
const MAX_CORRUPT = 3;

/**
 * Downloads one blob. Bytes go to `<blob>.incomplete` (the name huggingface_hub resumes from too),
 * a retry resumes with a Range request from what is already on disk, and the file is renamed to its
 * final name only once size and digest match, so no half or wrong file ever sits under that name.
 * Returns the number of body bytes received.
 */
export async function downloadBlob(d: BlobDownload): Promise<number> {
  const { file, ctx } = d;
  const partial = `${d.blobPath}.incomplete`;
  let received = 0;
  let failures = 0;
  let corrupt = 0;
  for (;;) {
    ctx.signal?.throwIfAborted();
    let offset = await stat(partial).then(
      (s) => s.size,
      () => 0,
    );
    if (offset > file.size) {
      await rm(partial, { force: true });
      offset = 0;
    }
    const hash = startDigest(file.digest.kind, file.size);
    await feedFile(hash, partial, offset);
    let got = 0;
    // One stall deadline per attempt, fed by the caller's signal and restarted by every chunk; it
    // is disposed after the attempt so retries do not pile listeners onto the caller's signal.
    const stall = deadline(d.stallTimeoutMs ?? 60_000, ctx.signal, { reason: () => new Error("stalled") });
    const signal = stall.signal;
    try {
      if (offset < file.size) {
        const res = await openRange(d.url, file, offset, { commit: d.commit }, ctx, signal);
        if (res.status === 416 || !rangeStartsAt(res, offset)) {
          // The server ignored or refused our range: start this file over rather than guess.
          await res.body?.cancel();
          await rm(partial, { force: true });
          if (res.status === 416) throw new TransientHttpError(416, d.url, null, null);
          continue;
        }
        d.emit({ type: "file-start", path: file.path, size: file.size, resumeFrom: offset });
        const out = await open(partial, offset === 0 ? "w" : "a");
        try {
          for await (const chunk of readBody(res.body as ReadableStream<Uint8Array>, signal)) {
            stall.restart();
            if (offset + got + chunk.length > file.size)
              throw new UpstreamChangedError("longer than expected");
            hash.update(chunk);
            await out.write(chunk);
            got += chunk.length;
            d.emit({ type: "bytes", path: file.path, bytes: chunk.length });
          }
        } finally {
          await out.close();
        }
      }
    } catch (error) {
      received += got;
      if (got > 0) failures = 0; // progress was made: a flaky link is not a dead one
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      if (error instanceof ModelFetchError) throw error;
      if ((error as NodeJS.ErrnoException).code === "ENOSPC") {
        throw userError(
          `the disk holding ${d.blobPath} is full`,
          "free space or point the cache at a larger disk with --cache DIR; the next run resumes",
          "no_space",
        );
      }
      if (error instanceof UpstreamChangedError) {
        await rm(partial, { force: true });
        throw userError(
          `${ctx.repo}: ${file.path} on the server does not match what was expected (${error.message})`,
          "the model changed upstream or a mirror serves another version; pin a commit, or rerun with --update-lock to accept the new files",
          "upstream_changed",
        );
      }
      if (error instanceof TransientHttpError) {
        await waitForRetry(ctx, failures++, { ...error, reason: `HTTP ${error.status} for ${file.path}` });
        continue;
      }
      if (!isNetworkError(error) && !stall.expired) throw error;
      if (networkCause(error).final) throw networkError(error, d.url, ctx.endpoint, failures + 1);
      await waitForRetry(ctx, failures++, { url: d.url, reason: `connection lost on ${file.path}`, error });
      continue;
    } finally {
      stall.dispose();
    }
    received += got;
    if (offset + got < file.size) {
      await waitForRetry(ctx, failures++, { url: d.url, reason: `body of ${file.path} ended early` });
      continue;
    }
    if (hash.digest("hex") !== file.digest.hex) {
      await rm(partial, { force: true });
      if (++corrupt >= MAX_CORRUPT) {
        throw userError(
          `${ctx.repo}: ${file.path} arrived with wrong contents ${corrupt} times`,
          "something between here and the endpoint alters files; try another --mirror or --endpoint",
          "checksum_mismatch",
        );
      }
      d.emit({ type: "refetch", path: file.path, reason: `${file.digest.kind} mismatch` });
      continue;
    }
    // Flushed before the rename, so a power cut cannot leave a renamed file whose data never landed.
    await renameDurable(partial, d.blobPath);
    d.emit({ type: "file-done", path: file.path, size: file.size });
    return received;
  }
}

function rangeStartsAt(res: Response, offset: number): boolean {
  if (res.status !== 206) return offset === 0;
  const match = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
  return match !== null && Number(match[1]) === offset;
}
