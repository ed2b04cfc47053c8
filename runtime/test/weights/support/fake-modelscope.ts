import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type BodyStats, Link, sendBody } from "./body.ts";
import type { FakeRepo } from "./fixtures.ts";

/**
 * A loopback server shaped like ModelScope's REST API, as its Python SDK calls it:
 * GET /api/v1/models/:org/:name/repo/files?Revision=&Recursive=true  -> { Code, Data: { Files } }
 * GET /api/v1/models/:org/:name/repo?Revision=&FilePath=              -> the file, with ranges
 */
export async function startFakeModelScope(
  repo: FakeRepo,
): Promise<{ url: string; stats: BodyStats; close: () => Promise<void> }> {
  const stats: BodyStats = { bodyBytes: 0, ranges: [] };
  const link = new Link();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const m = /^\/api\/v1\/models\/([^/]+\/[^/]+)\/repo(\/files)?$/.exec(url.pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (!m || m[1] !== repo.id) return send(404, { Code: 404, Message: "model not found" });
    if (url.searchParams.get("Revision") !== "master")
      return send(404, { Code: 404, Message: "revision not found" });
    if (m[2]) {
      const files = repo.files.map((f) => ({
        Name: f.path.split("/").pop(),
        Path: f.path,
        Type: "blob",
        Size: f.content.length,
        Sha256: f.sha256,
        Revision: repo.commit,
      }));
      return send(200, {
        Code: 200,
        Data: { Files: [{ Name: "unet", Path: "unet", Type: "tree", Size: 0 }, ...files] },
      });
    }
    const file = repo.files.find((f) => f.path === url.searchParams.get("FilePath"));
    if (!file) return send(404, { Code: 404, Message: "file not found" });
    void sendBody(req, res, file.content, {}, { path: file.path, fault: undefined, link, stats });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
