import type { Rendered, Resolved } from "./types.ts";
import { baseUrl, leftToTool, withSlash } from "./types.ts";

/** Renders .npmrc with `registry=`; npm wants the trailing slash. */
export function renderNpm(r: Resolved): Rendered {
  const url = baseUrl(r);
  if (!url) return leftToTool(r);
  const content = `# Written by i2v-deploy mirrors render\nregistry=${withSlash(url)}\n`;
  const notes = r.entry?.caveat ? [`npm (${r.mirror}): ${r.entry.caveat}`] : [];
  return { files: [{ name: ".npmrc", content }], env: {}, notes };
}

/** Node binary downloads: the variables nvm, n, fnm and node-gyp read. */
export function renderNode(r: Resolved): Rendered {
  const url = baseUrl(r);
  if (!url) return leftToTool(r);
  const base = withSlash(url);
  return {
    files: [],
    env: {
      NVM_NODEJS_ORG_MIRROR: base,
      NODE_MIRROR: base,
      FNM_NODE_DIST_MIRROR: base,
      NODEJS_ORG_MIRROR: base,
    },
    notes: [],
  };
}

/** NuGet.Config with one v3 source after `<clear/>`, so no other feed is consulted. */
export function renderNuget(r: Resolved): Rendered {
  const url = baseUrl(r);
  if (!url) return leftToTool(r);
  const key = r.mirror.replace(/[^A-Za-z0-9_.-]/g, "-");
  const content = [
    '<?xml version="1.0" encoding="utf-8"?>',
    "<!-- Written by i2v-deploy mirrors render -->",
    "<configuration>",
    "  <packageSources>",
    "    <clear />",
    `    <add key="${escapeXml(key)}" value="${escapeXml(url)}" protocolVersion="3" />`,
    "  </packageSources>",
    "</configuration>",
    "",
  ].join("\n");
  const notes = ["nuget: onnxruntime-node's installer ignores NuGet.Config; fetch the .nupkg via this feed"];
  return { files: [{ name: "NuGet.Config", content }], env: {}, notes };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * daemon.json `registry-mirrors` for the classic daemon, and buildkitd.toml for a
 * docker-container buildx builder, which ignores daemon.json. Other registries served by the
 * mirror under host-replacement names go to buildkitd.toml only: daemon.json cannot express them.
 */
export function renderDocker(r: Resolved): Rendered {
  const entry = r.entry;
  if (!entry?.mirrorOf) return leftToTool({ ...r, upstream: undefined });
  const daemon = `${JSON.stringify({ "registry-mirrors": [entry.url] }, null, 2)}\n`;
  const toml = ["# Written by i2v-deploy mirrors render"];
  const pairs: [string, string][] = [
    [entry.mirrorOf, new URL(entry.url).host],
    ...Object.entries(entry.hosts ?? {}),
  ];
  for (const [registry, host] of pairs) toml.push(`[registry."${registry}"]`, `  mirrors = ["${host}"]`, "");
  const notes = [
    `docker: restart dockerd after installing daemon.json${entry.caveat ? `; ${entry.caveat}` : ""}`,
  ];
  return {
    files: [
      { name: "daemon.json", content: daemon },
      { name: "buildkitd.toml", content: `${toml.join("\n").trimEnd()}\n` },
    ],
    env: {},
    notes,
  };
}

/** Hugging Face and ModelScope endpoints, as environment variables their clients read. */
export function renderModelHubs(r: Resolved): Rendered {
  if (!r.entry) return leftToTool({ ...r, upstream: undefined });
  if (r.ecosystem === "huggingface") {
    // hf_xet can bypass HF_ENDPOINT (hf-mirror-site#50); turning it off keeps downloads on the mirror.
    return { files: [], env: { HF_ENDPOINT: r.entry.url, HF_HUB_DISABLE_XET: "1" }, notes: [] };
  }
  return { files: [], env: { MODELSCOPE_DOMAIN: new URL(r.entry.url).host }, notes: [] };
}
