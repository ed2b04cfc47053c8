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

/** One branch or tag of ModelScope's `revisions` answer. */
interface MsRevision {
  Revision: string;
}

/** ModelScope's envelope: `{ Code, Message, Data }`, Code 200 when it went well. */
async function msJson<T>(url: string, repo: string, ctx: HttpContext): Promise<T | undefined> {
  const res = await metadataFetch(ctx)(url, { headers: { accept: "application/json" } });
  const body = (await res.json()) as { Code?: number; Message?: string; Data?: T };
  if (body.Code !== undefined && body.Code !== 200) {
    throw body.Code === 404
      ? httpError({ status: 404, url, repo })
      : userError(
          `${repo}: ModelScope answered ${body.Code}: ${body.Message ?? ""}`,
          "check the model id on ModelScope (it may differ from the Hub's)",
          "modelscope_error",
        );
  }
  return body.Data;
}

/**
 * Checks `revision` against the repository's branches and tags, as the ModelScope SDK's
 * get_valid_revision does (`GET /api/v1/models/{id}/revisions`), so a wrong one is named with the
 * valid ones instead of surfacing as an empty listing.
 */
async function checkRevision(
  endpoint: string,
  repo: string,
  revision: string,
  ctx: HttpContext,
): Promise<void> {
  const data = await msJson<{ RevisionMap?: { Branches?: MsRevision[] | null; Tags?: MsRevision[] | null } }>(
    `${endpoint}/api/v1/models/${repo}/revisions`,
    repo,
    ctx,
  );
  const names = [...(data?.RevisionMap?.Branches ?? []), ...(data?.RevisionMap?.Tags ?? [])].map(
    (r) => r.Revision,
  );
  if (!names.includes(revision))
    throw userError(
      `${repo} has no revision "${revision}" on ModelScope (it has: ${names.join(", ") || "none"})`,
      `fetch ${repo}@REVISION with one of those`,
      "not_found",
    );
}

/** Files the ModelScope SDK leaves out of a snapshot. */
const SDK_SKIPPED = new Set([".gitignore", ".gitattributes"]);

/**
 * Lists a ModelScope repository through its own REST API (it does not speak the Hub's protocol),
 * with the calls the ModelScope SDK's snapshot_download makes: the revision checked against
 * `revisions`, then `repo/files?Revision=R&Recursive=True`, `.gitignore` and `.gitattributes`
 * left out. ModelScope gives every file a sha256 but no commit for a branch, so the snapshot is
 * named by its content: the first 40 hex of a sha256 over the sorted (path, size, sha256) list.
 * The same files give the same snapshot folder; changed files give a new one.
 */
export async function listModelScopeSnapshot(
  endpoint: string,
  repo: string,
  revision: string,
  ctx: HttpContext,
): Promise<Snapshot> {
  await checkRevision(endpoint, repo, revision, ctx);
  const url = `${endpoint}/api/v1/models/${repo}/repo/files?Revision=${encodeURIComponent(revision)}&Recursive=True`;
  const data = await msJson<{ Files?: MsFile[] | null }>(url, repo, ctx);
  const files: RemoteFile[] = [];
  for (const f of data?.Files ?? []) {
    if (f.Type !== "blob" || SDK_SKIPPED.has(f.Path.split("/").pop() ?? "")) continue;
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
