import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, statfs, symlink, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ApiClient } from "../../../client/api-client.ts";
import { waitReady } from "../../../client/wait-ready.ts";
import { hasDocker } from "../../../test/support/tools.ts";
import { type BakeOptions, bake } from "../../src/bake.ts";
import { BuildStepError } from "../../src/build-log.ts";
import { hostDebianMirror } from "../../src/debian-base.ts";
import { dockerClient } from "../../src/docker-client.ts";
import { loadArchive, manifestPath, saveOfflineArchive } from "../../src/offline.ts";
import { execInImage, runContainer } from "../../src/run-container.ts";
import { debianBase } from "../support/debian-base.ts";
import { fixtureApp, writeMain } from "../support/fixture-app.ts";
import { fakeNupkg, feed, listen, VERSION } from "../support/nuget-feed.ts";

const docker = new Dockerode();
const client = dockerClient(docker);
const run = Date.now().toString(36);
const tag = `i2v-test/fixture:${run}`;
const cacheDir = path.resolve(".cache/images");
let projectDir = "";

function options(extra: Partial<BakeOptions> = {}): BakeOptions {
  return {
    recipe: "debian-local",
    projectDir,
    mirror: "upstream",
    model: "demo",
    weights: "baked",
    gpu: false,
    tag,
    skipRuntimeBuild: true,
    cacheDir,
    ...extra,
  };
}

describe.skipIf(!hasDocker())("bake on the Debian base (real Docker engine)", () => {
  beforeAll(async () => {
    await debianBase();
    projectDir = await fixtureApp("v1");
  }, 300_000);

  afterAll(async () => {
    for (const t of [
      tag,
      `${tag}-broken`,
      `${tag}-gpu`,
      `${tag}-weights`,
      `${tag}-volume`,
      `${tag}-failover`,
    ])
      await client.remove(t);
    if (projectDir) await rm(projectDir, { recursive: true, force: true });
  });

  it("bakes, runs as non-root with a writable data dir, answers /readyz, carries the labels", async () => {
    const state = await bake(client, options());
    expect(state.image?.labels["ai.i2v.recipe"]).toBe("debian-local");
    expect(state.image?.labels["org.opencontainers.image.revision"]).toBeTruthy();
    expect(state.image?.labels["ai.i2v.recipe.hash"]).toMatch(/^[0-9a-f]{16}$/);
    expect(state.image?.labels["ai.i2v.model.ref"]).toBe("demo");
    const box = await runContainer(docker, tag);
    try {
      const body = JSON.parse(await waitReady(new ApiClient(box.url), 60_000));
      expect(body.marker).toBe("v1");
      expect(body.uid).toBe(10001);
      expect(body.model).toBe("demo");
      expect(body.node).toMatch(/^v22\./);
      expect(body.ms).toBe(60_000);
      // SMOKE: once `npm run smoke` exists, the real-runtime test (bake-runtime.test.ts) calls it here.
    } finally {
      await box.stop();
    }
  }, 600_000);

  it("rebuilds a code-only change reusing every layer before the code layer", async () => {
    const previous = await client.inspect(tag);
    await writeMain(projectDir, `v2-${run}`);
    const state = await bake(client, options());
    const after = state.image;
    const layers = previous?.layers ?? [];
    expect(after?.id).not.toBe(previous?.id);
    // Same filesystem layers up to the last one, which is the code.
    expect(after?.layers.slice(0, -1)).toEqual(layers.slice(0, -1));
    expect(after?.layers.at(-1)).not.toBe(layers.at(-1));
    // And Docker said so: every step before the code step came from the cache (FROM steps have no cache).
    const steps = state.log?.steps ?? [];
    const code = steps.findIndex((s) => s.instruction.startsWith("COPY app/"));
    expect(code).toBeGreaterThan(0);
    const before = steps.slice(0, code).filter((s) => !s.instruction.startsWith("FROM"));
    expect(before.filter((s) => !s.cached).map((s) => s.instruction)).toEqual([]);
    expect(steps[code]?.cached).toBe(false);
  }, 300_000);

  it("round-trips an offline archive: save, remove, load, run", async () => {
    const file = path.join(os.tmpdir(), `i2v-${run}.tar.gz`);
    try {
      const manifest = await saveOfflineArchive(client, tag, file);
      expect(manifest.archive.sha256).toMatch(/^[0-9a-f]{64}$/);
      await client.remove(tag);
      expect(await client.inspect(tag)).toBeUndefined();
      await loadArchive(client, file);
      expect((await client.inspect(tag))?.id).toBe(manifest.imageId);
      const box = await runContainer(docker, tag);
      try {
        expect(JSON.parse(await waitReady(new ApiClient(box.url), 60_000)).marker).toBe(`v2-${run}`);
      } finally {
        await box.stop();
      }

      // Tampered: one byte changed in the middle of the archive. Refused before Docker sees it.
      const bytes = await readFile(file);
      const mid = Math.floor(bytes.length / 2);
      bytes[mid] = (bytes[mid] ?? 0) ^ 0xff;
      await writeFile(file, bytes);
      await expect(loadArchive(client, file)).rejects.toMatchObject({ code: "ARCHIVE_TAMPERED" });
    } finally {
      await rm(file, { force: true });
      await rm(manifestPath(file), { force: true });
    }
  }, 300_000);

  it("refuses before writing anything when Docker's data root cannot hold the bake", async () => {
    // A weights folder larger than the disk, as a sparse file: it takes no space itself.
    const model = await mkdtemp(path.join(os.tmpdir(), "i2v-huge-model-"));
    const root = (await client.dataRoot()) as string;
    const { bavail, bsize } = await statfs(root);
    await writeFile(path.join(model, "weights.onnx"), "");
    await truncate(path.join(model, "weights.onnx"), bavail * bsize);
    const huge = `${tag}-huge`;
    const error = await bake(client, options({ model, tag: huge })).catch((e: unknown) => e);
    await rm(model, { recursive: true, force: true });
    expect(error).toMatchObject({ code: "no_space", hint: expect.stringMatching(/docker system df/) });
    expect((error as Error).message).toContain(`${root} (Docker's data root)`);
    expect((error as Error).message).toMatch(/the weights \d/);
    expect(await client.inspect(huge)).toBeUndefined();
  }, 60_000);

  it("fails a broken step with that step's output, not a hang", async () => {
    const recipe = path.join(os.tmpdir(), `i2v-broken-${run}.yaml`);
    const text = (await readFile("images/recipes/debian-local.yaml", "utf8")).replace(
      "systemPackages: [ca-certificates]",
      "systemPackages: [ca-certificates, i2v-no-such-package]",
    );
    await writeFile(recipe, text);
    const started = Date.now();
    const error = await bake(client, options({ recipe, tag: `${tag}-broken` })).catch((e: unknown) => e);
    await rm(recipe, { force: true });
    expect(error).toBeInstanceOf(BuildStepError);
    const failure = error as BuildStepError;
    expect(failure.step?.instruction).toMatch(/apt-get install/);
    expect(failure.message).toMatch(/Unable to locate package i2v-no-such-package/);
    expect(failure.hint).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(120_000);
  }, 180_000);

  it("--gpu --gpu-source nuget places the NuGet feed's CUDA providers where onnxruntime-node loads them", async () => {
    const nupkg = fakeNupkg();
    const server = feed(nupkg, createHash("sha512").update(nupkg).digest("base64"), []);
    const index = await listen(server);
    const nugetCache = await mkdtemp(path.join(os.tmpdir(), "i2v-gpu-cache-"));
    try {
      await bake(
        client,
        options({
          gpu: true,
          gpuSource: "nuget",
          tag: `${tag}-gpu`,
          nugetFeeds: [index],
          ortVersion: VERSION,
          nugetCacheDir: nugetCache,
        }),
      );
      const out = await execInImage(docker, `${tag}-gpu`, [
        "sh",
        "-c",
        "ls /app/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/",
      ]);
      expect(out.code).toBe(0);
      for (const lib of ["cuda", "shared", "tensorrt"])
        expect(out.output).toContain(`libonnxruntime_providers_${lib}.so`);
    } finally {
      server.close();
      await rm(nugetCache, { recursive: true, force: true });
    }
  }, 300_000);

  it("bakes weights in their own layer from a weights image, or leaves them out with --weights volume", async () => {
    // Shaped like a Hugging Face cache snapshot: files are symlinks into blobs/.
    const root = await mkdtemp(path.join(os.tmpdir(), "i2v-weights-"));
    const snapshot = path.join(root, "snapshots", "abc");
    await mkdir(path.join(root, "blobs"), { recursive: true });
    await mkdir(path.join(snapshot, "unet"), { recursive: true });
    await writeFile(path.join(root, "blobs", "1111"), "weights bytes");
    await symlink(path.join(root, "blobs", "1111"), path.join(snapshot, "unet", "model.onnx"));
    await writeFile(path.join(snapshot, "manifest.json"), "{}");
    try {
      const baked = await bake(client, options({ model: snapshot, tag: `${tag}-weights` }));
      expect(baked.weightsImage).toMatch(/^i2v-weights\/abc:[0-9a-f]{16}$/);
      expect(baked.image?.labels["ai.i2v.model.digest"]).toMatch(/^sha256:[0-9a-f]{64}$/);
      const ls = await execInImage(docker, `${tag}-weights`, [
        "sh",
        "-c",
        "cat /models/abc/unet/model.onnx; echo; echo $I2V_MODEL",
      ]);
      expect(ls.output).toContain("weights bytes");
      expect(ls.output).toContain("/models/abc");

      const volume = await bake(
        client,
        options({ model: snapshot, weights: "volume", tag: `${tag}-volume` }),
      );
      expect(volume.weightsImage).toBeUndefined();
      const empty = await execInImage(docker, `${tag}-volume`, ["sh", "-c", "ls /models; echo $I2V_MODEL"]);
      expect(empty.output.trim()).toBe("/models/abc");
      // Same layers but one: the weights, which sit just before the code layer.
      const [b, v] = [baked.image?.layers ?? [], volume.image?.layers ?? []];
      expect(b.length).toBe(v.length + 1);
      expect(b.slice(0, -2)).toEqual(v.slice(0, -1));
      // (The code layers differ in digest all the same: the classic builder records the time
      // it wrote /app; BuildKit's rewrite-timestamp would be needed for byte-identical layers.)
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 300_000);

  it("builds through a catalog mirror's rendered apt list, and fails over from one that is down", async () => {
    // A catalog with one more provider whose Debian archive refuses connections.
    const catalog = parse(await readFile("mirrors/catalog.yaml", "utf8"));
    catalog.providers.deadmirror = {
      name: "A mirror that is down",
      kind: "community",
      site: "http://127.0.0.1:9/",
      source: "images test",
      offers: { debian: { url: "http://127.0.0.1:9/debian", source: "images test" } },
    };
    // And one that serves this host's own Debian archive: the rendered apt list must work.
    catalog.providers.hostmirror = {
      name: "This host's Debian archive",
      kind: "community",
      site: "http://127.0.0.1/",
      source: "images test",
      offers: { debian: { url: await hostDebianMirror(), source: "images test" } },
    };
    const catalogFile = path.join(os.tmpdir(), `i2v-catalog-${run}.yaml`);
    await writeFile(catalogFile, stringify(catalog));
    const lines: string[] = [];
    try {
      const state = await bake(
        client,
        options({ mirror: "deadmirror", catalogFile, tag: `${tag}-failover`, log: (l) => lines.push(l) }),
      );
      expect(state.mirror?.name).toBe("upstream");
      expect(state.image?.labels["ai.i2v.mirror"]).toBe("upstream");
      expect(lines.join("\n")).toMatch(
        /mirror deadmirror failed \(image build failed at step \d+\/\d+ \(RUN .*apt-get/,
      );
      const viaHost = await bake(
        client,
        options({ mirror: "hostmirror", catalogFile, tag: `${tag}-failover` }),
      );
      expect(viaHost.mirror?.name).toBe("hostmirror");
      expect(
        viaHost.log?.steps.find((st) => st.instruction.includes("apt-get update"))?.instruction,
      ).toContain("cp /etc/apt/i2v-mirror.list");
    } finally {
      await rm(catalogFile, { force: true });
    }
  }, 300_000);

  it("stops a hung step at the deadline and says which step it was", async () => {
    const ctx = await mkdtemp(path.join(os.tmpdir(), "i2v-hang-"));
    await writeFile(path.join(ctx, "Dockerfile"), `FROM ${await debianBase()}\nRUN sleep 600\n`);
    const started = Date.now();
    try {
      await expect(
        client.build(ctx, { tag: `${tag}-hang`, signal: AbortSignal.timeout(4_000) }),
      ).rejects.toMatchObject({ code: "BUILD_TIMEOUT", message: expect.stringContaining("RUN sleep 600") });
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      await rm(ctx, { recursive: true, force: true });
    }
  }, 60_000);
});
