import { fileURLToPath } from "node:url";
import { DirectoryStorage } from "./directory.ts";
import type { Storage } from "./port.ts";
import { S3Storage } from "./s3.ts";

/** The storage an `I2V_STORAGE` URL names: `file:///dir` or `s3://bucket/prefix`. */
export function openStorage(url: string, env: NodeJS.ProcessEnv = process.env): Storage {
  if (url.startsWith("file://")) return new DirectoryStorage(fileURLToPath(url));
  const parsed = new URL(url);
  if (parsed.protocol !== "s3:") throw new Error(`I2V_STORAGE=${url}: use file:///dir or s3://bucket/prefix`);
  return new S3Storage(parsed.hostname, parsed.pathname.replace(/^\/+|\/+$/g, ""), env);
}
