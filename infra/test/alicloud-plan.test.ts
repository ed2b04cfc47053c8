import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildAlicloudPlan, formatAlicloudPlan } from "../alicloud/deploy-plan.ts";
import { loadAlicloudPrices } from "../alicloud/prices.ts";
import { settingsFromStackFile } from "../cli-settings.ts";
import { alicloudTestSettings, CUSTOM_IMAGE_WITH_ACR } from "./support/alicloud-settings.ts";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;
const assumptions = { imageGB: 8, weightsGB: 12, generationSeconds: [60, 300] as [number, number] };

describe("deploy-plan for alicloud", () => {
  it("on the public image: adds the host setup's minutes, names the driver minimum and the OSS archive", () => {
    const plan = buildAlicloudPlan(alicloudTestSettings(), loadAlicloudPrices(), assumptions);
    const setup = plan.firstVideo.stages.find((s) => s.stage.startsWith("host setup"));
    expect(setup).toMatchObject({ lowSeconds: 240, highSeconds: 600 });
    expect(plan.host.driver).toMatch(/^NVIDIA driver >= 580 .*nvidia-\*-580-server installed at first boot/);
    expect(plan.imageTransport).toMatch(/OSS bucket the stack creates/);
    expect(formatAlicloudPlan(plan)).toContain("GPU driver: NVIDIA driver >= 580");
    // A custom image has the stack already: no host setup stage, 4-10 min less in the total.
    const custom = buildAlicloudPlan(
      alicloudTestSettings(CUSTOM_IMAGE_WITH_ACR),
      loadAlicloudPrices(),
      assumptions,
    );
    expect(custom.firstVideo.stages.some((s) => s.stage.startsWith("host setup"))).toBe(false);
    expect(plan.firstVideo.lowSeconds - custom.firstVideo.lowSeconds).toBeCloseTo(240, 6);
    expect(custom.imageTransport).toMatch(/ACR Enterprise instance cri-mockinstance/);
  });

  it("lists placements in fallback order with CNY estimates that add the disks and the EIP", () => {
    const prices = loadAlicloudPrices();
    const plan = buildAlicloudPlan(alicloudTestSettings(), prices, assumptions);
    expect(plan.candidates.map((c) => c.placement)).toEqual([
      "ecs.gn7i-c8g1.2xlarge@cn-hangzhou-i",
      "ecs.gn7i-c8g1.2xlarge@cn-hangzhou-j",
    ]);
    const row = plan.candidates[0];
    const list = prices.payAsYouGoPerHour["ecs.gn7i-c8g1.2xlarge"] as number;
    // 150 GiB PL1 system disk + 200 GiB PL1 weights disk, per hour, plus the EIP fee.
    const disks = ((150 + 200) * prices.essdPerGiBMonth.PL1) / prices.hoursPerMonth;
    expect(row?.cost.total).toBeCloseTo(list + disks + prices.eipPerHour, 6);
    expect(plan.prices).toMatchObject({ currency: "CNY", verifiedHere: false });
    expect(plan.prices.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("says what new accounts hit, and that spot prices are guesses", () => {
    const plan = buildAlicloudPlan(
      alicloudTestSettings({ market: "spot" }),
      loadAlicloudPrices(),
      assumptions,
    );
    const text = formatAlicloudPlan(plan);
    for (const needle of [
      /real-name/,
      /CNY 100/,
      /QuotaExceed\.ElasticQuota/,
      /ACR Enterprise/,
      /domestic-site/,
    ])
      expect(text).toMatch(needle);
    expect(text).toMatch(/spot guess/);
    expect(text).toMatch(/ESTIMATES in CNY/);
  });

  it("estimates the time to first video, with the weights fetch when they are not baked", () => {
    const fetch = buildAlicloudPlan(
      alicloudTestSettings({ weights: "ali-vilab/i2vgen-xl" }),
      loadAlicloudPrices(),
      assumptions,
    );
    const baked = buildAlicloudPlan(alicloudTestSettings(), loadAlicloudPrices(), assumptions);
    expect(fetch.firstVideo.stages.map((s) => s.stage)).toContain("weights download (12 GB)");
    expect(fetch.firstVideo.highSeconds).toBeGreaterThan(baked.firstVideo.highSeconds);
    expect(fetch.mirrors.weights.map((w) => w.mirror)).toEqual(["modelscope", "hf-mirror"]);
  });

  it("refuses a broken price table with the field named", () => {
    const file = join(tmpdir(), `ali-prices-${process.pid}.yaml`);
    const table = parse(readFileSync(new URL("../alicloud/prices.yaml", import.meta.url), "utf8"));
    table.essdPerGiBMonth.PL2 = -1;
    writeFileSync(file, JSON.stringify(table));
    expect(() => loadAlicloudPrices(file)).toThrow(/essdPerGiBMonth\.PL2/);
  });

  it("the example stack plans as it stands, through the real script", async () => {
    const { settings } = settingsFromStackFile(root, "alicloud-example");
    expect(settings).toMatchObject({
      cloud: "alicloud",
      region: "cn-hangzhou",
      instanceType: "ecs.gn7i-c8g1.2xlarge",
    });
    const { stdout } = await run(
      "npx",
      ["tsx", "scripts/deploy-plan.ts", "--stack", "alicloud-example", "--json"],
      {
        cwd: root,
        timeout: 60_000,
      },
    );
    const plan = JSON.parse(stdout);
    expect(plan.cloud).toBe("alicloud");
    expect(plan.candidates.length).toBe(6);
    expect(plan.firstVideo.lowSeconds).toBeGreaterThan(0);
  });
});

describe("the program under node --import tsx, alicloud", () => {
  it("dispatches on i2v:cloud and exports the HTTPS endpoint, the CA and the smoke command", async () => {
    const config = {
      "i2v:cloud": "alicloud",
      "alicloud:region": "cn-hangzhou",
      "i2v:zones": '["cn-hangzhou-i"]',
      "i2v:allowedCidrs": '["203.0.113.7/32"]',
      "i2v:imageId": "m-pinned",
      "i2v:acrInstanceId": "cri-1",
    };
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "infra/test/support/run-program.ts", JSON.stringify(config)],
      {
        cwd: root,
        timeout: 60_000,
      },
    );
    const { outputs, types } = JSON.parse(stdout.trim().split("\n").at(-1) as string);
    expect(outputs.endpointUrl).toBe("https://198.51.100.20:7860");
    expect(outputs.placement).toBe("ecs.gn7i-c8g1.2xlarge@cn-hangzhou-i");
    expect(outputs.caCertificate).toMatch(/CERTIFICATE/);
    expect(outputs.smokeCommand).toContain("--ca i2v-ca.pem --token");
    expect(types).toContain("alicloud:ecs/instance:Instance");
    expect(types.filter((t: string) => t.startsWith("aws:"))).toEqual([]);
  });

  it("stops with every alicloud problem listed before declaring anything", async () => {
    const failure = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "infra/test/support/run-program.ts",
        JSON.stringify({ "i2v:cloud": "alicloud", "i2v:imageId": "m-replace-with-your-gpu-image" }),
      ],
      { cwd: root, timeout: 60_000 },
    ).catch((e: { stderr: string }) => e.stderr);
    expect(failure).toMatch(/invalid stack config/);
    expect(failure).toMatch(/alicloud:region: required/);
    expect(failure).toMatch(/zones: required on alicloud/);
    // pulumi up refuses the example's placeholders as deploy-plan does, naming the key.
    expect(failure).toMatch(/imageId: "m-replace-with-your-gpu-image" is the example's placeholder/);
  });
});

describe("npm run user-data for alicloud", () => {
  it("prints the Alibaba boot document with placeholders, valid as cloud-config", async () => {
    const { stdout, stderr } = await run(
      "npx",
      ["tsx", "scripts/user-data.ts", "--stack", "alicloud-example"],
      {
        cwd: root,
        timeout: 60_000,
      },
    );
    expect(stdout.startsWith("#cloud-config\n")).toBe(true);
    expect(stdout).toContain("ROLE_NAME='i2v-alicloud-example-box'");
    expect(stdout).toContain("'modelscope iic/i2vgen-xl'");
    expect(stdout).not.toContain("dkr.ecr");
    expect(stderr).toMatch(/placeholders until pulumi up/);
  });
});
