import * as pulumi from "@pulumi/pulumi";

/** One resource as `pulumi up` would create it: its type token, logical name and inputs. */
export interface ListedResource {
  type: string;
  name: string;
  /** The inputs, with every secret value replaced by {@link SECRET}. */
  inputs: Record<string, unknown>;
}

/** What a secret value is printed as. */
export const SECRET = "[secret]";

/**
 * Pulumi marks a secret on the wire with its own signature object (`pulumi.runtime.isRpcSecret`);
 * the mock engine hands inputs over in that form. Every such value, at any depth, becomes
 * "[secret]": what counts as secret is what the program marked, never a guess from a key name.
 */
export function redactSecrets(value: unknown): unknown {
  if (pulumi.runtime.isRpcSecret(value)) return SECRET;
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
  }
  return value;
}

/** A registration as the listing shows it. */
export function listResource(type: string, name: string, inputs: unknown): ListedResource {
  return { type, name, inputs: redactSecrets(inputs ?? {}) as Record<string, unknown> };
}

/** A stack output's value, "[secret]" when the program marked it secret. */
export async function listOutput(value: unknown): Promise<unknown> {
  if (!pulumi.Output.isInstance(value)) return redactSecrets(value);
  const output = value as pulumi.Output<unknown>;
  if (await pulumi.isSecret(output)) return SECRET;
  return new Promise((resolve) => output.apply((v) => resolve(redactSecrets(v))));
}
