import { HubApiError, listFiles, modelInfo } from "@huggingface/hub";
import { httpError, ModelFetchError, userError } from "../errors.ts";
import { type HttpContext, metadataFetch } from "../http.ts";
import type { RemoteFile, Snapshot } from "../types.ts";

/**
 * Lists a repository at a revision on a Hugging Face compatible endpoint (the Hub, hf-mirror, a
 * private Hub) through the official client: model info resolves the revision to a commit, the
 * tree API gives each file's size, LFS sha256 and git blob id.
 */
export async function listHfSnapshot(
  endpoint: string,
  repo: string,
  revision: string,
  ctx: HttpContext,
): Promise<Snapshot> {
  const common = {
    hubUrl: endpoint,
    fetch: metadataFetch(ctx),
    ...(ctx.token ? { accessToken: ctx.token } : {}),
  };
  try {
    const info = await modelInfo({ ...common, name: repo, revision, additionalFields: ["sha"] });
    const commit = info.sha;
    if (!commit) throw new Error(`model info for ${repo}@${revision} has no sha`);
    const files: RemoteFile[] = [];
    for await (const entry of listFiles({
      ...common,
      repo: { type: "model", name: repo },
      revision: commit,
      recursive: true,
    })) {
      if (entry.type !== "file") continue;
      if (entry.lfs) {
        files.push({
          path: entry.path,
          size: entry.lfs.size,
          digest: { kind: "sha256", hex: entry.lfs.oid },
        });
      } else if (entry.xetHash) {
        // A Xet file without LFS info has no sha256 to verify against; refuse rather than guess.
        throw userError(
          `${repo}: ${entry.path} is stored with Xet only and has no sha256 in the listing`,
          "fetch this model with huggingface_hub (hf_xet) for now, or ask for Xet support",
          "unsupported_storage",
        );
      } else if (entry.oid) {
        files.push({ path: entry.path, size: entry.size, digest: { kind: "git-sha1", hex: entry.oid } });
      } else {
        throw new Error(`tree entry ${entry.path} has neither an LFS oid nor a git oid`);
      }
    }
    return { repo, commit, files };
  } catch (error) {
    throw asUserError(error, repo);
  }
}

/** The resolve URL huggingface_hub and @huggingface/hub download a file from. */
export function hfFileUrl(endpoint: string, repo: string, commit: string, filePath: string): string {
  const encoded = filePath.split("/").map(encodeURIComponent).join("/");
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(commit)}/${encoded}`;
}

function asUserError(error: unknown, repo: string): unknown {
  if (error instanceof ModelFetchError) return error;
  if (error instanceof HubApiError) return httpError({ status: error.statusCode, url: error.url, repo });
  if (error instanceof TypeError && /access token/.test(error.message)) {
    return userError(
      error.message,
      "a Hugging Face token starts with hf_; check HF_TOKEN or --token",
      "bad_token",
    );
  }
  return error;
}
