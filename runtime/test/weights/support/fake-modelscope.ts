import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type BodyStats, type Fault, Link, sendBody } from "./body.ts";
import type { FakeRepo } from "./fixtures.ts";

/**
 * A loopback server shaped like ModelScope's REST API, as its Python SDK's snapshot_download
 * calls it (modelscope/hub/api.py: get_valid_revision_detail, get_model_files; file_download.py:
 * get_file_download_url):
 *   GET /api/v1/models/:org/:name/revisions             -> { Code, Data: { RevisionMap: { Branches, Tags } } }
 *   GET /api/v1/models/:org/:name/repo/files?Revision=&Recursive=True
 *       -> { Code, Data: { Files: [{ Name, Path, Type: "blob" | "tree", Size, Sha256, Revision }] } },
 *          `.gitattributes` included (the SDK drops it)
 *   GET /api/v1/models/:org/:name/repo?Revision=&FilePath=  -> the file, with ranges
 * Errors come as `{ Code, Message }`. Branch `master` and the repo's refs other than `main` (tags).
 */
export async function startFakeModelScope(repo: FakeRepo): Promise<{
  url: string;
  stats: BodyStats;
  link: Link;
  /** Queues a fault for the next body request of `path`. */
  fault: (path: string, fault: Fault) => void;
  /** Every request's path and query, in order. */
  requests: string[];
  close: () => Promise<void>;
}> {
  const stats: BodyStats = { bodyBytes: 0, ranges: [] };
  const link = new Link();
  const faults = new Map<string, Fault[]>();
  const requests: string[] = [];
  const tags = Object.keys(repo.refs).filter((r) => r !== "main");
  const revisions = ["master", ...tags];
  const gitattributes = "*.safetensors filter=lfs diff=lfs merge=lfs -text\n";
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${url.pathname}${url.search}`);
    const m = /^\/api\/v1\/models\/([^/]+\/[^/]+)\/(revisions|repo\/files|repo)$/.exec(url.pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (!m || m[1] !== repo.id) return send(404, { Code: 404, Message: "model not found" });
    if (m[2] === "revisions") {
      const entry = (name: string) => ({ Revision: name, CreatedAt: 1_700_000_000, Message: "" });
      return send(200, {
        Code: 200,
        Data: { RevisionMap: { Branches: [entry("master")], Tags: tags.map(entry) } },
      });
    }
    if (!revisions.includes(url.searchParams.get("Revision") ?? ""))
      return send(404, { Code: 404, Message: "revision not found" });
    if (m[2] === "repo/files") {
      // The SDK sends Python's str(True).
      if (url.searchParams.get("Recursive") !== "True")
        return send(200, {
          Code: 200,
          Data: { Files: [{ Name: "unet", Path: "unet", Type: "tree", Size: 0 }] },
        });
      const blob = (path: string, size: number, sha256: string) => ({
        Name: path.split("/").pop(),
        Path: path,
        Type: "blob",
        Size: size,
        Sha256: sha256,
        Revision: repo.commit,
      });
      const files = repo.files.map((f) => blob(f.path, f.content.length, f.sha256));
      const dirs = [
        ...new Set(repo.files.map((f) => f.path.split("/").slice(0, -1).join("/")).filter(Boolean)),
      ];
      return send(200, {
        Code: 200,
        Data: {
          Files: [
            ...dirs.map((d) => ({ Name: d.split("/").pop(), Path: d, Type: "tree", Size: 0 })),
            blob(
              ".gitattributes",
              gitattributes.length,
              createHash("sha256").update(gitattributes).digest("hex"),
            ),
            ...files,
          ],
        },
      });
    }
    const filePath = url.searchParams.get("FilePath");
    const file = repo.files.find((f) => f.path === filePath);
    if (!file) return send(404, { Code: 404, Message: "file not found" });
    const fault = faults.get(file.path)?.shift();
    void sendBody(req, res, file.content, {}, { path: file.path, fault, link, stats });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    link,
    requests,
    fault: (path, fault) => faults.set(path, [...(faults.get(path) ?? []), fault]),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
