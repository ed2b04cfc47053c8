import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";

// `npm run push-image` (the Alibaba stack's pushCommand), with a fake `aliyun` on PATH that records
// its arguments: the archive is checked against its manifest first, and the manifest goes up last.

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "i2v-push-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function setup(name: string, tamper: boolean, aliyunExit = 0): { dir: string; archive: string } {
  const dir = mkdtempSync(join(work, `${name}-`));
  const archive = join(dir, "i2v-runtime.tar.gz");
  const bytes = gzipSync(Buffer.from("docker save output\n".repeat(50)));
  writeFileSync(archive, tamper ? Buffer.concat([bytes, Buffer.from("!")]) : bytes);
  writeFileSync(
    `${archive}.manifest.json`,
    JSON.stringify({
      format: "i2v-offline/1",
      imageId: "sha256:0123456789abcdef0123",
      tags: ["i2v-runtime:latest"],
      compression: "gzip",
      imageBytes: 950,
      archive: {
        file: "i2v-runtime.tar.gz",
        bytes: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
      },
      labels: {},
      createdAt: "2026-01-01T00:00:00Z",
    }),
  );
  writeFileSync(join(dir, "aliyun"), `#!/bin/bash\necho "$*" >> "${dir}/aliyun.args"\nexit ${aliyunExit}\n`);
  chmodSync(join(dir, "aliyun"), 0o755);
  return { dir, archive };
}

const push = (dir: string, archive: string) =>
  run(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/push-image.ts",
      "--archive",
      archive,
      "--to",
      "oss://i2v-dev-img-1/images/runtime-latest.tar.gz",
      "--region",
      "cn-hangzhou",
    ],
    { cwd: root, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, timeout: 60_000 },
  );

describe("npm run push-image", () => {
  it("uploads the archive, then its manifest, to the stack's bucket", async () => {
    const { dir, archive } = setup("ok", false);
    await push(dir, archive);
    expect(readFileSync(join(dir, "aliyun.args"), "utf8").trim().split("\n")).toEqual([
      `oss cp ${archive} oss://i2v-dev-img-1/images/runtime-latest.tar.gz --force --endpoint oss-cn-hangzhou.aliyuncs.com`,
      `oss cp ${archive}.manifest.json oss://i2v-dev-img-1/images/runtime-latest.tar.gz.manifest.json --force --endpoint oss-cn-hangzhou.aliyuncs.com`,
    ]);
  });

  it("stops at a failed upload, saying how to set up the CLI, and never uploads the manifest", async () => {
    const { dir, archive } = setup("denied", false, 3);
    const failure = await push(dir, archive).catch((e: { stderr: string; code: number }) => e);
    expect(failure).toMatchObject({ code: 1 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toMatch(/aliyun oss cp failed: .*exit code 3/);
    expect(stderr).toContain("aliyun configure");
    expect(readFileSync(join(dir, "aliyun.args"), "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("refuses an archive that does not match its manifest, uploading nothing", async () => {
    const { dir, archive } = setup("bad", true);
    const failure = await push(dir, archive).catch((e: { stderr: string; code: number }) => e);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain("does not match its manifest: not pushing");
    expect(() => readFileSync(join(dir, "aliyun.args"))).toThrow();
  });
});
