import type { IncomingMessage } from "node:http";
import type { FakeFile, FakeRepo } from "./fixtures.ts";

// The JSON bodies of the fake Hub's API, shaped like the real ones (fields the clients read).

export function modelInfo(repo: FakeRepo, blobs: boolean) {
  const siblings = repo.files.map((f: FakeFile) => ({
    rfilename: f.path,
    ...(blobs ? { blobId: f.gitOid, size: f.content.length } : {}),
    ...(blobs && f.lfs ? { lfs: { sha256: f.sha256, size: f.content.length, pointerSize: 134 } } : {}),
  }));
  const base = {
    _id: `id-${repo.id}`,
    id: repo.id,
    modelId: repo.id,
    private: false,
    downloads: 0,
    likes: 0,
  };
  return {
    ...base,
    sha: repo.commit,
    gated: repo.gatedToken ? "manual" : false,
    lastModified: "2026-01-01T00:00:00.000Z",
    siblings,
  };
}

export function treeEntries(repo: FakeRepo) {
  const dirs = new Set(
    repo.files.flatMap((f) => (f.path.includes("/") ? [f.path.slice(0, f.path.lastIndexOf("/"))] : [])),
  );
  return [
    ...[...dirs].map((d) => ({ type: "directory", oid: "0".repeat(40), size: 0, path: d })),
    ...repo.files.map((f) => ({
      type: "file",
      oid: f.gitOid,
      size: f.lfs ? 134 : f.content.length,
      path: f.path,
      ...(f.lfs ? { lfs: { oid: f.sha256, size: f.content.length, pointerSize: 134 } } : {}),
    })),
  ];
}

export async function readBody(req: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
}
