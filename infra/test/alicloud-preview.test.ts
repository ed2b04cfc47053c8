import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { MOCK_PUBLIC_IMAGE } from "../alicloud/preview-mocks.ts";
import { SECRET } from "../preview/listing.ts";
import type { RecordedResource } from "./support/alicloud-test-engine.ts";
import { alicloudView } from "./support/cloud-views.ts";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;

describe("npm run deploy-plan -- --resources --json, alicloud stack", () => {
  it("lists every Alibaba resource of the example stack under mocks, secrets hidden", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/deploy-plan.ts", "--stack", "alicloud-example", "--resources", "--json"],
      { cwd: root, timeout: 120_000 },
    );
    const preview = JSON.parse(stdout) as {
      resources: { type: string; name: string; inputs: Record<string, unknown> }[];
      outputs: Record<string, unknown>;
      reads: string[];
    };
    const types = preview.resources.map((r) => r.type);
    for (const type of [
      "alicloud:ecs/instance:Instance",
      "alicloud:vpc/switch:Switch",
      "alicloud:ecs/securityGroup:SecurityGroup",
      "alicloud:ecs/ecsDisk:EcsDisk",
      "alicloud:oss/bucket:Bucket",
      "alicloud:ram/role:Role",
      "alicloud:oos/secretParameter:SecretParameter",
      "tls:index/locallySignedCert:LocallySignedCert",
    ])
      expect(types, type).toContain(type);
    expect(types.filter((t) => t.startsWith("aws:"))).toEqual([]);
    // The example names no image and no registry: no ACR Enterprise resource, and the box runs the
    // public image the program found (the mock's getImages answer), not a placeholder.
    expect(types.filter((t) => /^alicloud:(cs|cr)\//.test(t))).toEqual([]);
    const instance = preview.resources.find((r) => r.type === "alicloud:ecs/instance:Instance");
    expect(instance?.inputs.imageId).toBe(MOCK_PUBLIC_IMAGE.id);
    // The reviewer's rules on the listed resources of this minimal stack.
    const view = alicloudView(preview.resources as RecordedResource[]);
    expect(view.ingressCidrs).toEqual(["203.0.113.7/32"]);
    expect(view.metadataTokens).toEqual(["required"]);
    for (const disk of view.diskEncryption) expect(disk.encrypted, disk.name).toBe(true);
    expect([view.zones.network, view.zones.disk]).toEqual([view.zones.instance, view.zones.instance]);
    for (const text of view.userData) {
      expect(text).not.toContain("PRIVATE KEY");
      expect(text).not.toMatch(/I2V_TOKEN=[A-Za-z0-9]/);
    }
    const tagged = view.cloudResources.filter((r) => r.inputs.tags !== undefined);
    expect(tagged.map((r) => r.type)).toEqual(
      expect.arrayContaining(["alicloud:ecs/instance:Instance", "alicloud:oss/bucket:Bucket"]),
    );
    const secrets = preview.resources.filter(
      (r) => r.type === "alicloud:oos/secretParameter:SecretParameter",
    );
    expect(secrets.map((r) => r.inputs.value)).toEqual([SECRET, SECRET]);
    expect(preview.outputs.apiToken).toBe(SECRET);
    expect(preview.outputs.endpointUrl).toMatch(/^https:\/\//);
    expect(preview.reads).toEqual(
      expect.arrayContaining(["alicloud:index/getAccount:getAccount", "alicloud:ecs/getImages:getImages"]),
    );
  });
});
