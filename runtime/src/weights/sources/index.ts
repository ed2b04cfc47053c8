import type { Endpoint } from "../endpoint.ts";
import type { HttpContext } from "../http.ts";
import type { Snapshot } from "../types.ts";
import { hfFileUrl, listHfSnapshot } from "./hf.ts";
import { listModelScopeSnapshot, modelScopeFileUrl } from "./modelscope.ts";

/** Lists a repository at a revision on whichever protocol the endpoint speaks. */
export function listSnapshot(
  endpoint: Endpoint,
  repo: string,
  revision: string,
  ctx: HttpContext,
): Promise<Snapshot> {
  return endpoint.kind === "modelscope"
    ? listModelScopeSnapshot(endpoint.url, repo, revision, ctx)
    : listHfSnapshot(endpoint.url, repo, revision, ctx);
}

/** Where one file of a snapshot is downloaded from. */
export function fileUrl(endpoint: Endpoint, snapshot: Snapshot, filePath: string): string {
  const revision = snapshot.urlRevision ?? snapshot.commit;
  return endpoint.kind === "modelscope"
    ? modelScopeFileUrl(endpoint.url, snapshot.repo, revision, filePath)
    : hfFileUrl(endpoint.url, snapshot.repo, revision, filePath);
}
