import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type BodyStats, type Fault, Link, sendBody } from "./body.ts";
import type { FakeRepo } from "./fixtures.ts";
import { modelInfo, readBody, treeEntries } from "./hub-api.ts";

/**
 * A loopback server that speaks the Hugging Face Hub protocol as far as downloads use it:
 * - GET /api/models/:org/:name/revision/:rev  model info (`sha`, `siblings`; with `blobs=true`,
 *   sizes and LFS info), as @huggingface/hub's modelInfo and huggingface_hub's model_info read it
 * - GET /api/models/:org/:name/tree/:rev?recursive=true  paginated with a `Link: rel="next"` header
 * - POST /api/models/:org/:name/paths-info/:rev  entries for the given paths (@huggingface/hub's downloader)
 * - GET|HEAD /:org/:name/resolve/:rev/:path  with X-Repo-Commit and ETag; LFS files answer 302 to
 *   a CDN on another origin with X-Linked-Etag / X-Linked-Size, like the real Hub
 * - errors with X-Error-Code: RepoNotFound (401), GatedRepo (401/403), RevisionNotFound,
 *   EntryNotFound (404)
 * The CDN serves ranges and refuses an Authorization header, as a presigned S3 URL does.
 */
export interface FakeHub {
  url: string;
  cdnUrl: string;
  stats: BodyStats & { requests: string[] };
  link: Link;
  /** Queues a fault for the next body request of `path` (repo-relative), or of any API call for "(api)". */
  fault(path: string, fault: Fault): void;
  /** Replaces a repository (to simulate a new commit upstream). */
  setRepo(repo: FakeRepo): void;
  close(): Promise<void>;
}

const PAGE = 2;

export async function startFakeHub(
  repos: FakeRepo[],
  options: { bytesPerSecond?: number } = {},
): Promise<FakeHub> {
  const byId = new Map(repos.map((r) => [r.id, r]));
  const faults = new Map<string, Fault[]>();
  const stats = { bodyBytes: 0, ranges: [], requests: [] as string[] };
  const link = new Link(options.bytesPerSecond ?? null);
  const takeFault = (p: string) => faults.get(p)?.shift();
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, code: string) =>
    json(res, status, { error: code }, { "x-error-code": code });

  const cdn = await listen(async (req, res) => {
    const sha = new URL(req.url ?? "/", "http://x").pathname.split("/").pop();
    const file = [...byId.values()].flatMap((r) => r.files).find((f) => f.sha256 === sha);
    if (req.headers.authorization) return json(res, 400, { error: "Only one auth mechanism allowed" });
    if (!file) return json(res, 404, { error: "NoSuchKey" });
    await sendBody(
      req,
      res,
      file.content,
      { etag: `"${sha?.slice(0, 32)}"` },
      { path: file.path, fault: takeFault(file.path), link, stats },
    );
  });
  const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}`;

  const hub = await listen(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/__stats") return json(res, 200, { bodyBytes: stats.bodyBytes });
    stats.requests.push(`${req.method} ${url.pathname}`);
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree|paths-info)\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const id = api?.[1] ?? resolve?.[1];
    const repo = id ? byId.get(id) : undefined;
    if (!repo) return fail(res, id ? 401 : 404, id ? "RepoNotFound" : "NotFound");
    if (repo.gatedToken && req.headers.authorization !== `Bearer ${repo.gatedToken}`) {
      return fail(res, req.headers.authorization ? 403 : 401, "GatedRepo");
    }
    const rev = decodeURIComponent((api?.[3] ?? resolve?.[2]) as string);
    const commit = repo.refs[rev] ?? (rev === repo.commit ? rev : undefined);
    if (!commit) return fail(res, 404, "RevisionNotFound");
    const apiFault = api ? takeFault("(api)") : undefined;
    if (apiFault?.kind === "stall") return; // never answer
    if (apiFault?.kind === "status")
      return json(
        res,
        apiFault.status,
        { error: "busy" },
        apiFault.retryAfter ? { "retry-after": apiFault.retryAfter } : {},
      );
    if (api?.[2] === "revision") return json(res, 200, modelInfo(repo, url.searchParams.has("blobs")));
    if (api?.[2] === "paths-info") {
      const { paths } = JSON.parse(await readBody(req)) as { paths: string[] };
      const entries = treeEntries(repo).filter((e) => paths.includes(e.path));
      return json(
        res,
        200,
        entries.map((e) => ({ ...e, lastCommit: { id: commit, title: "c", date: "2026-01-01T00:00:00Z" } })),
      );
    }
    if (api?.[2] === "tree") {
      const entries = treeEntries(repo);
      const from = Number(url.searchParams.get("cursor") ?? 0);
      const next = new URL(url.href.replace("http://x", hubUrl));
      next.searchParams.set("cursor", String(from + PAGE));
      const more: Record<string, string> =
        from + PAGE < entries.length ? { link: `<${next.href}>; rel="next"` } : {};
      return json(res, 200, entries.slice(from, from + PAGE), more);
    }
    const filePath = String(resolve?.[3]).split("/").map(decodeURIComponent).join("/");
    const file = repo.files.find((f) => f.path === filePath);
    if (!file) return fail(res, 404, "EntryNotFound");
    const common = { "x-repo-commit": commit, etag: `"${file.gitOid}"` };
    if (!file.lfs) {
      return sendBody(req, res, file.content, common, {
        path: file.path,
        fault: takeFault(file.path),
        link,
        stats,
      });
    }
    const f = faults.get(file.path)?.[0];
    if (f?.kind === "status")
      return sendBody(req, res, file.content, common, {
        path: file.path,
        fault: takeFault(file.path),
        link,
        stats,
      });
    res.writeHead(302, {
      ...common,
      "x-linked-etag": `"${file.sha256}"`,
      "x-linked-size": String(file.content.length),
      location: `${cdnUrl}/repos/aa/bb/${file.sha256}?X-Amz-Signature=fake`,
    });
    res.end();
  });
  const hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
  return {
    url: hubUrl,
    cdnUrl,
    stats,
    link,
    fault: (p, f) => faults.set(p, [...(faults.get(p) ?? []), f]),
    setRepo: (r) => byId.set(r.id, r),
    close: async () => {
      for (const s of [hub, cdn]) s.closeAllConnections();
      await Promise.all([hub, cdn].map((s) => new Promise((r) => s.close(r))));
    },
  };
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void,
): Promise<Server> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}
