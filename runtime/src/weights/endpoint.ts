import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { userError } from "./errors.ts";

/** Which protocol an endpoint speaks: the Hub's (also hf-mirror and private Hubs) or ModelScope's. */
export type SourceKind = "hf" | "modelscope";

export interface Endpoint {
  kind: SourceKind;
  /** Base URL without a trailing slash. */
  url: string;
}

/** The Hub itself; the default when nothing else is configured (as in huggingface_hub). */
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";

/**
 * Named mirrors for `--mirror`. The project's mirror catalog (mirrors/) is the source of these URLs;
 * they are repeated here because the runtime ships alone in the image and may not import it.
 */
export const MIRRORS: Readonly<Record<string, Endpoint>> = {
  "hf-mirror": { kind: "hf", url: "https://hf-mirror.com" },
  modelscope: { kind: "modelscope", url: "https://www.modelscope.cn" },
};

export interface EndpointOptions {
  /** A URL (Hub protocol), or an explicit endpoint with its protocol. */
  endpoint?: string | Endpoint;
  mirror?: string;
  env?: NodeJS.ProcessEnv;
}

/** Picks the endpoint: `--endpoint`, then `--mirror`, then HF_ENDPOINT, then the Hub. */
export function resolveEndpoint(options: EndpointOptions = {}): Endpoint {
  const env = options.env ?? process.env;
  if (typeof options.endpoint === "object")
    return { ...options.endpoint, url: checkUrl(options.endpoint.url, "endpoint") };
  if (options.endpoint) return { kind: "hf", url: checkUrl(options.endpoint, "--endpoint") };
  if (options.mirror) {
    const mirror = MIRRORS[options.mirror];
    if (!mirror) {
      throw userError(
        `unknown mirror "${options.mirror}"`,
        `use one of: ${Object.keys(MIRRORS).join(", ")}, or give --endpoint URL`,
        "bad_mirror",
      );
    }
    return mirror;
  }
  if (env.HF_ENDPOINT) return { kind: "hf", url: checkUrl(env.HF_ENDPOINT, "HF_ENDPOINT") };
  return { kind: "hf", url: DEFAULT_HF_ENDPOINT };
}

function checkUrl(text: string, from: string): string {
  try {
    const url = new URL(text);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http");
  } catch {
    throw userError(
      `${from} is not an http(s) URL: "${text}"`,
      "write it like https://host[:port]",
      "bad_endpoint",
    );
  }
  return text.replace(/\/+$/, "");
}

/**
 * The access token: `--token`, then HF_TOKEN (and its older name), then the file huggingface_hub's
 * `login` writes, so a box logged in with Python tools needs nothing more.
 */
export function resolveToken(explicit?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = explicit || env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  if (fromEnv) return fromEnv.trim();
  const home = env.HF_HOME ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "huggingface");
  try {
    return readFileSync(env.HF_TOKEN_PATH ?? path.join(home, "token"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
