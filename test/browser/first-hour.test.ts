import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../support/chromium.ts";
import { startService, type TestService } from "../support/service.ts";
import { hasTool } from "../support/tools.ts";

// The page as a new user meets it: one click is one job, the header's queue count moves, an
// error goes once it is fixed, an unreadable photo is refused in our words, and there is an icon.
const ASTRONAUT = path.resolve("test/fixtures/astronaut.png");

describe.skipIf(!hasTool("chromium"))("the page in the first hour", () => {
  let service: TestService;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchChromium()]);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), service?.stop()]);
  });

  async function openPage(): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(service.url);
    await page.locator('button[data-preset="quick"]').waitFor();
    return page;
  }

  /** Every job the service knows, newest first. */
  async function jobs(): Promise<{ id: string; status: string }[]> {
    const answer = await fetch(`${service.url}/v1/jobs?limit=50`);
    return ((await answer.json()) as { jobs: { id: string; status: string }[] }).jobs;
  }

  it("makes one job from a double click on Generate, and frees the button when the job ends", {
    timeout: 120_000,
  }, async () => {
    const page = await openPage();
    const before = (await jobs()).length;
    const posts: string[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST" && new URL(r.url()).pathname === "/v1/jobs") posts.push(r.url());
    });
    await page.locator("#image").setInputFiles(ASTRONAUT);
    await expect.poll(() => page.locator("#preview").isVisible()).toBe(true);
    await page.locator('button[data-preset="quick"]').click();
    await page.locator("#submit").scrollIntoViewIfNeeded();
    // A person's double click: two clicks 200 ms apart, the second after the upload has returned.
    // Raw mouse events, so that nothing waits for the button to be enabled again.
    const box = await page.locator("#submit").boundingBox();
    if (!box) throw new Error("no Generate button");
    const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
    await page.mouse.click(x, y);
    await page.waitForTimeout(200);
    await page.mouse.click(x, y, { clickCount: 2 });
    await page.keyboard.press("Enter"); // and the form's other way to submit
    await page.waitForTimeout(500);
    expect(posts).toHaveLength(1);
    expect(await page.locator("#submit").isDisabled()).toBe(true);
    await expect.poll(() => page.locator("#video").getAttribute("src"), { timeout: 90_000 }).toBeTruthy();
    await expect.poll(() => page.locator("#submit").isDisabled()).toBe(false);
    expect(await page.locator("#submit").textContent()).toBe("Generate video");
    expect((await jobs()).length - before).toBe(1);
  });

  it("keeps the header's waiting count live while a job waits", { timeout: 180_000 }, async () => {
    const page = await openPage();
    const header = page.locator("#system");
    await expect.poll(() => header.textContent(), { timeout: 20_000 }).toContain("0 waiting");
    // A long job runs; a second one waits behind it (one at a time on this CPU service).
    const photo = new Blob([await readFile(ASTRONAUT)], { type: "image/png" });
    const submit = async (preset: string) => {
      const form = new FormData();
      form.set("image", photo, "astronaut.png");
      form.set("preset", preset);
      const answer = await fetch(`${service.url}/v1/jobs`, { method: "POST", body: form });
      expect(answer.status).toBe(202);
      return ((await answer.json()) as { id: string }).id;
    };
    const long = await submit("standard");
    const queued = await submit("quick");
    await expect.poll(() => header.textContent(), { timeout: 15_000 }).toContain("1 waiting");
    await fetch(`${service.url}/v1/jobs/${long}/cancel`, { method: "POST" });
    const waitDone = async () => {
      for (;;) {
        const all = await jobs();
        if (
          all
            .filter((j) => j.id === queued || j.id === long)
            .every((j) => !["queued", "running"].includes(j.status))
        )
          return;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    await waitDone();
    await expect.poll(() => header.textContent(), { timeout: 15_000 }).toContain("0 waiting");
  });

  it("clears 'Choose a photo first.' once a photo is chosen", async () => {
    const page = await openPage();
    await page.getByRole("button", { name: "Generate video" }).click();
    const alert = page.locator("#error");
    expect(await alert.textContent()).toContain("Choose a photo first.");
    await page.locator("#image").setInputFiles(ASTRONAUT);
    await expect.poll(() => alert.isVisible()).toBe(false);
  });

  it("refuses a file that is not an image in our words, not the image library's", async () => {
    const page = await openPage();
    await page.locator("#image").setInputFiles({
      name: "holiday.png",
      mimeType: "image/png",
      buffer: Buffer.from("these are my notes, not a photo\n"),
    });
    await page.getByRole("button", { name: "Generate video" }).click();
    const alert = page.locator("#error");
    await expect.poll(() => alert.textContent(), { timeout: 15_000 }).toContain("not a readable image");
    const text = await alert.textContent();
    expect(text).toContain("its content is not PNG, JPEG or WebP");
    expect(text).not.toMatch(/Input buffer|unsupported image format/);
  });

  it("has an icon: /favicon.ico answers, and the page links one", async () => {
    const page = await openPage();
    const ico = await page.request.get(`${service.url}/favicon.ico`);
    expect(ico.status()).toBe(200);
    expect(ico.headers()["content-type"]).toBe("image/x-icon");
    expect((await ico.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    const href = await page.locator('link[rel="icon"]').getAttribute("href");
    expect((await page.request.get(new URL(href ?? "", `${service.url}/`).href)).status()).toBe(200);
  });
});
