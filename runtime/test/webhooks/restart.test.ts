import { describe, expect, test } from "vitest";
import { startService } from "../../../test/support/service.ts";
import { SECRET, startReceiver } from "../../../test/support/webhook-receiver.ts";
import { goodImage } from "../reliability/inputs.ts";
import { form, TINY } from "../server/helpers.ts";

/** Pending deliveries are stored with the job: kill -9 after a failed attempt, restart, and it is delivered. */
describe("webhook deliveries survive a restart (real process)", () => {
  test("a delivery that failed before kill -9 is retried by the next process with the same webhook-id", async () => {
    let healthy = false;
    const receiver = await startReceiver(SECRET, () => (healthy ? 200 : 500));
    const env = {
      I2V_WEBHOOK_SECRET: SECRET,
      I2V_WEBHOOK_ALLOW_HOSTS: "127.0.0.1",
      I2V_WEBHOOK_RETRY_S: "3,3,3,3,3,3",
    };
    const first = await startService({ env });
    let second: Awaited<ReturnType<typeof startService>> | undefined;
    try {
      const created = await fetch(`${first.url}/v1/jobs`, {
        method: "POST",
        body: form(await goodImage(), { ...TINY, webhook: `${receiver.url}/hook` }),
      });
      const { id } = (await created.json()) as { id: string };
      for (const end = Date.now() + 60_000; receiver.calls.length === 0 && Date.now() < end; )
        await new Promise((r) => setTimeout(r, 50));
      expect(receiver.calls).toHaveLength(1);
      // Let the failed attempt reach the disk, then crash before the retry is due.
      await new Promise((r) => setTimeout(r, 300));
      first.process.kill("SIGKILL");
      await first.stop();
      healthy = true;
      second = await startService({ env, dataDir: first.dataDir });
      for (const end = Date.now() + 30_000; receiver.calls.length < 2 && Date.now() < end; )
        await new Promise((r) => setTimeout(r, 50));
      expect(receiver.calls).toHaveLength(2);
      expect(receiver.calls[1]?.headers["webhook-id"]).toBe(receiver.calls[0]?.headers["webhook-id"]);
      expect(receiver.calls[1]?.verifyError).toBeUndefined();
      expect(second.output()).toMatch(/"webhooks_resumed":1/);
      const job = (await (await fetch(`${second.url}/v1/jobs/${id}`)).json()) as {
        webhook: { attempts: number; delivered: number; last_status: number };
      };
      expect(job.webhook).toMatchObject({ attempts: 2, delivered: 1, last_status: 200 });
    } finally {
      await second?.stop();
      await first.stop();
      await receiver.close();
    }
  }, 120_000);
});
