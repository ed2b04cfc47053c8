import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.ts";
import { startService, type TestService } from "../support/service.ts";
import { hasTool } from "../support/tools.ts";

const ASTRONAUT = path.resolve("test/fixtures/astronaut.png");
const TOKEN = "browser-test-token-0123456789";

/** Uploads the photo, picks quick, submits, and waits until the <video> is really playing. */
async function generate(page: Page): Promise<void> {
  await page.locator("#image").setInputFiles(ASTRONAUT);
  await expect.poll(() => page.locator("#preview").isVisible()).toBe(true);
  await page.locator('button[data-preset="quick"]').click();
  expect(await page.locator('button[data-preset="quick"]').getAttribute("aria-pressed")).toBe("true");
  await page.getByLabel("Prompt", { exact: true }).fill("zoom in");
  await page.getByRole("button", { name: "Generate video" }).click();
  const playing = await page
    .waitForFunction(
      () => {
        const video = document.querySelector("video");
        return video !== null && video.currentTime > 0 && !video.paused;
      },
      undefined,
      { timeout: 120_000 },
    )
    .then(() => true)
    .catch(() => false);
  if (!playing) {
    // Say why instead of a bare timeout: a codec the browser lacks reads differently from a job error.
    const why = await page.evaluate(() => ({
      h264: document.createElement("video").canPlayType('video/mp4; codecs="avc1.42E01E"'),
      mediaError: document.querySelector("video")?.error?.message ?? null,
      status: document.getElementById("status")?.textContent,
      error: document.getElementById("error")?.textContent,
    }));
    throw new Error(`the video did not play: ${JSON.stringify(why)}`);
  }
}

describe.skipIf(!hasTool("chromium"))("web page in a real browser", () => {
  let service: TestService;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchChromium()]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), service?.stop()]);
  });

  it("generates from an uploaded photo and plays the video, with live progress", {
    timeout: 150_000,
  }, async () => {
    const page = await browser.context.newPage();
    await page.goto(service.url);
    // Record every progress line shown, to check that progress was live (not just the end state).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      const status = document.getElementById("status")!;
      new MutationObserver(() => seen.push(status.textContent ?? "")).observe(status, { childList: true });
    });
    await generate(page);

    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.some((line) => /Generating frames: step \d+ of 30/.test(line))).toBe(true);

    const link = page.getByRole("link", { name: "Download MP4" });
    const href = await link.getAttribute("href");
    expect(href).toMatch(/^\/v1\/jobs\/[\w-]+\/video$/);
    expect(await link.getAttribute("download")).toMatch(/^i2v-.*\.mp4$/);
    const download = await page.evaluate(async (url) => {
      const response = await fetch(url);
      return {
        status: response.status,
        type: response.headers.get("content-type"),
        bytes: (await response.arrayBuffer()).byteLength,
      };
    }, href!);
    expect(download).toMatchObject({ status: 200, type: "video/mp4" });
    expect(download.bytes).toBeGreaterThan(1000);

    const id = href!.split("/")[3]!;
    const recent = page.locator(`#recent li[data-job-id="${id}"]`);
    await expect.poll(() => recent.locator(".badge").textContent()).toBe("succeeded");
    expect(await page.locator("#result-meta").textContent()).toContain("8 frames at 8 fps");
  });
});

describe.skipIf(!hasTool("chromium"))("web page when a preset does not fit", () => {
  let service: TestService;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    [service, browser] = await Promise.all([
      startService({ env: { I2V_FREE_MEMORY_MB: "300" } }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), service?.stop()]);
  });

  it("greys out each preset the service refuses, with its reason", async () => {
    const { presets } = (await (await fetch(`${service.url}/v1/presets`)).json()) as {
      presets: { name: string; fits: boolean; reason: string | null }[];
    };
    const refused = presets.filter((p) => !p.fits);
    expect(refused.length).toBeGreaterThan(0); // else this test checks nothing

    const page = await browser.context.newPage();
    await page.goto(service.url);
    await page.locator("button[data-preset]").first().waitFor();
    for (const preset of presets) {
      const button = page.locator(`button[data-preset="${preset.name}"]`);
      expect(await button.getAttribute("aria-disabled"), preset.name).toBe(preset.fits ? null : "true");
      if (!preset.fits) expect(await button.getAttribute("title")).toBe(preset.reason);
    }
    const first = refused[0]!;
    // force: Playwright will not click an aria-disabled button, but a person can, and must learn why.
    await page.locator(`button[data-preset="${first.name}"]`).click({ force: true });
    expect(await page.locator(`button[data-preset="${first.name}"]`).getAttribute("aria-pressed")).toBe(
      "false",
    );
    expect(await page.getByRole("alert").textContent()).toContain("is not available");
  });
  it("takes a dropped photo, and shows the service's message and hint when it refuses a job", async () => {
    const page = await browser.context.newPage();
    await page.goto(service.url);
    await page.locator('button[data-preset="quick"]').waitFor();
    await page.getByRole("button", { name: "Generate video" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("Choose a photo first.");

    const png = (await readFile(ASTRONAUT)).toString("base64");
    await page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([bytes], "astronaut.png", { type: "image/png" }));
      document.getElementById("drop-zone")!.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer }));
    }, png);
    await expect.poll(() => page.locator("#preview").isVisible()).toBe(true);

    // 64 frames at 256p cannot fit in 300 MB: the refusal must reach the user with its hint.
    await page.getByText("Advanced settings").click();
    await page.getByLabel("Frames").fill("64");
    await page.getByRole("button", { name: "Generate video" }).click();
    const alert = page.getByRole("alert");
    await expect
      .poll(() => alert.textContent(), { timeout: 20_000 })
      .toContain("GET /v1/presets shows what fits now");
    expect(await alert.textContent()).toMatch(/MiB/);
  });
});

describe.skipIf(!hasTool("chromium"))("web page with a token", () => {
  let service: TestService;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    [service, browser] = await Promise.all([
      startService({ env: { I2V_TOKEN: TOKEN }, waitReady: false }),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), service?.stop()]);
  });

  it("asks for the token on 401, keeps it, and plays the video through access_token", {
    timeout: 150_000,
  }, async () => {
    const page = await browser.context.newPage();
    await page.goto(service.url);
    const dialog = page.getByRole("dialog", { name: "Access token" });
    await dialog.waitFor();
    await dialog.getByLabel("Token").fill(TOKEN);
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.locator('button[data-preset="quick"]:not([aria-disabled])').waitFor({ timeout: 60_000 });
    await generate(page);
    expect(await page.getByRole("link", { name: "Download MP4" }).getAttribute("href")).toContain(
      `access_token=${TOKEN}`,
    );
    expect(await page.evaluate(() => localStorage.getItem("i2v.token"))).toBe(TOKEN);
  });

  it("takes ?token= from the address and removes it from the address bar", async () => {
    const page = await browser.context.newPage();
    await page.evaluate(() => localStorage.clear()).catch(() => {});
    await page.goto(`${service.url}/?token=${TOKEN}`);
    await page.locator('button[data-preset="quick"]').waitFor();
    expect(new URL(page.url()).search).toBe("");
    expect(await page.getByRole("dialog").isVisible()).toBe(false);
  });
});
