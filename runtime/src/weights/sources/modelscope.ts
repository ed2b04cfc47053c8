import { createHash } from "node:crypto";
import { httpError, userError } from "../errors.ts";
import { type HttpContext, metadataFetch } from "../http.ts";
import type { RemoteFile, Snapshot } from "../types.ts";

/** One entry of ModelScope's `repo/files` listing (only the fields used here). */
interface MsFile {
  Path: string;
  Type: string;
  Size: number;
  Sha256?: string;
}

/**
 * Lists a ModelScope repository through its own REST API (it does not speak the Hub's protocol).
 * ModelScope gives every file a sha256 but no commit for a branch, so the snapshot is named by its
 * content: the first 40 hex of a sha256 over the sorted (path, size, sha256) list. The same files
 * give the same snapshot folder; changed files give a new one.
 */
export async function listModelScopeSnapshot(
  endpoint: string,
  repo: string,
  revision: string,
  ctx: HttpContext,
): Promise<Snapshot> {
  const url = `${endpoint}/api/v1/models/${repo}/repo/files?Revision=${encodeURIComponent(revision)}&Recursive=true`;
  const res = await metadataFetch(ctx)(url, { headers: { accept: "application/json" } });
  const body = (await res.json()) as { Code?: number; Message?: string; Data?: { Files?: MsFile[] } };
  if (body.Code !== undefined && body.Code !== 200) {
    throw body.Code === 404
      ? httpError({ status: 404, url, repo })
      : userError(
          `${repo}: ModelScope answered ${body.Code}: ${body.Message ?? ""}`,
          "check the model id on ModelScope (it may differ from the Hub's)",
          "modelscope_error",
        );
  }
  const files: RemoteFile[] = [];
  for (const f of body.Data?.Files ?? []) {
    if (f.Type !== "blob") continue;
    if (!f.Sha256)
      throw userError(
        `${repo}: ModelScope lists ${f.Path} without a sha256`,
        "use the Hub or hf-mirror for this model",
        "modelscope_error",
      );
    files.push({ path: f.Path, size: f.Size, digest: { kind: "sha256", hex: f.Sha256 } });
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  const id = createHash("sha256");
  for (const f of files) id.update(`${f.path}\0${f.size}\0${f.digest.hex}\n`);
  return { repo, commit: id.digest("hex").slice(0, 40), files, urlRevision: revision };
}

/** ModelScope's download URL for one file at a revision. */
export function modelScopeFileUrl(
  endpoint: string,
  repo: string,
  revision: string,
  filePath: string,
): string {
  const q = new URLSearchParams({ Revision: revision, FilePath: filePath });
  return `${endpoint}/api/v1/models/${repo}/repo?${q}`;
}
