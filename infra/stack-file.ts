import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { UserError } from "../runtime/src/util/user-facing-error.ts";
import type { RawConfig } from "./settings.ts";

/** A mistake the user can fix; `hint` says how (scripts/lib/cli.ts prints both). */
export class InfraUserError extends UserError {
  override name = "InfraUserError";
}

/** Which file a stack's config was read from, and its raw `i2v:*` values (plus `region`). */
export interface StackFile {
  stack: string;
  path: string;
  raw: RawConfig;
}

/**
 * Reads `Pulumi.<stack>.yaml` without Pulumi (for `npm run user-data` and `npm run deploy-plan`,
 * which must work before any AWS account or Pulumi login exists). Without a stack name it reads
 * Pulumi.example.yaml, so a newcomer sees a plan straight away.
 */
export function readStackFile(root: string, stack: string | undefined): StackFile {
  const name = stack ?? "example";
  const path = join(root, `Pulumi.${name}.yaml`);
  if (!existsSync(path)) {
    throw new InfraUserError(
      `no stack config ${path}`,
      `create it with \`pulumi stack init ${name}\` and \`pulumi config set ...\`, or copy Pulumi.example.yaml`,
    );
  }
  const raw: RawConfig = {};
  for (const [key, value] of Object.entries(readConfigSection(path))) {
    if (key === "aws:region") raw.region = value;
    else if (key.startsWith("i2v:")) raw[key.slice(4)] = unwrap(key, value);
  }
  // An alicloud stack's region is the Alibaba provider's own key, as aws:region is for AWS.
  if (raw.cloud === "alicloud") raw.region = alicloudRegion(path);
  return { stack: name, path, raw };
}

/**
 * The stack's whole config as `pulumi config` hands it to a program: flat `namespace:key` -> text,
 * structured values as JSON. For running the program under mocks (`deploy-plan --resources`), so
 * every namespace passes through (another cloud's keys too). A `secure:` value cannot be decrypted
 * without Pulumi; it is passed as "[secret]" and named in `secretKeys`.
 */
export function readPulumiConfig(
  root: string,
  stack: string | undefined,
): { stack: string; path: string; config: Record<string, string>; secretKeys: string[] } {
  const { stack: name, path } = readStackFile(root, stack);
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(readConfigSection(path))) {
    if (value && typeof value === "object" && "secure" in value) {
      config[key] = "[secret]";
      secretKeys.push(key);
    } else config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { stack: name, path, config, secretKeys };
}

function readConfigSection(path: string): Record<string, unknown> {
  const document = (parse(readFileSync(path, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return document.config ?? {};
}

/** Pulumi writes structured config as plain YAML, and secrets as `{ secure: ... }`, which no i2v key uses. */
function unwrap(key: string, value: unknown): unknown {
  if (value && typeof value === "object" && "secure" in value) {
    throw new InfraUserError(
      `${key} is stored as a secret`,
      "no i2v setting is secret; set it with plain `pulumi config set`",
    );
  }
  return value;
}

/** `alicloud:region` of a stack file. */
function alicloudRegion(path: string): unknown {
  const document = (parse(readFileSync(path, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  return document.config?.["alicloud:region"];
}
