import * as pulumi from "@pulumi/pulumi";
import type { ListedResource } from "./listing.ts";
import { listOutput } from "./listing.ts";
import { installMocks, settle } from "./mock-engine.ts";

/** What `pulumi up` would create for a stack, found by running the program under Pulumi's mocks. */
export interface ResourcePreview {
  stack: string;
  /** Every resource in registration order, components included; secrets as "[secret]". */
  resources: ListedResource[];
  /** The stack outputs, secrets as "[secret]". */
  outputs: Record<string, unknown>;
  /** Data sources the program read (each would be one cloud API call). */
  reads: string[];
}

/**
 * Runs the real program (infra/index.ts, whatever cloud its config selects) under Pulumi's mocks.
 * `config` is flat `namespace:key` -> value text, as `pulumi config` holds it (structured values as
 * JSON). A program module loads once per process, so this runs once per process too.
 */
export async function previewProgram(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[] = [],
): Promise<ResourcePreview> {
  pulumi.runtime.setAllConfig(config, secretKeys);
  const recording = await installMocks(stack);
  const program = (await import("../index.ts")) as Record<string, unknown>;
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(program)) {
    if (value !== undefined) outputs[name] = await listOutput(value);
  }
  await settle(recording.resources);
  return { stack, resources: recording.resources, outputs, reads: [...new Set(recording.calls)].sort() };
}

/** The listing as text: one line per resource, grouped under its component by name prefix order. */
export function formatResourcePreview(preview: ResourcePreview): string {
  const lines = [
    `Resources \`pulumi up\` would create for stack ${preview.stack} (${preview.resources.length}):`,
  ];
  const width = Math.max(...preview.resources.map((r) => r.type.length));
  for (const r of preview.resources) lines.push(`  ${r.type.padEnd(width)}  ${r.name}`);
  lines.push("", `Data sources read: ${preview.reads.join(", ") || "none"}`);
  lines.push("", "Outputs:");
  for (const [name, value] of Object.entries(preview.outputs))
    lines.push(`  ${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
  lines.push(
    "",
    "Run under Pulumi's mocks: no cloud was called. --json prints every input (secrets as [secret]).",
  );
  return lines.join("\n");
}
