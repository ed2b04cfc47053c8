import { describe, expect, test } from "vitest";
import { parseServiceConfig } from "../../src/config/service-config.ts";
import { takeWebhook } from "../../src/webhooks/request.ts";

/** Webhook settings from the environment, and what a submission needs before it is accepted. */
describe("webhook settings", () => {
  test("a bad secret, allow list or retry list is a configuration error naming the variable", () => {
    expect(() => parseServiceConfig({ I2V_WEBHOOK_SECRET: "hunter2" })).toThrow(
      /I2V_WEBHOOK_SECRET: must be whsec_/,
    );
    expect(() => parseServiceConfig({ I2V_WEBHOOK_ALLOW_HOSTS: "10.0.0.0/99" })).toThrow(
      /I2V_WEBHOOK_ALLOW_HOSTS: 10.0.0.0\/99: not a CIDR/,
    );
    expect(() => parseServiceConfig({ I2V_WEBHOOK_RETRY_S: "5,soon" })).toThrow(
      /I2V_WEBHOOK_RETRY_S: must be comma-separated/,
    );
    const config = parseServiceConfig({ I2V_WEBHOOK_RETRY_S: "1, 2.5" });
    expect(config.webhooks.retryDelaysMs).toEqual([1000, 2500]);
    expect(config.webhooks.secret).toBeUndefined();
  });

  test("without I2V_WEBHOOK_SECRET a job with a webhook is refused, not sent unsigned", () => {
    const { webhooks } = parseServiceConfig({});
    expect(() => takeWebhook({ webhook: "https://hooks.example/x" }, webhooks)).toThrow(
      "webhook: this service signs webhooks with I2V_WEBHOOK_SECRET, which is not set",
    );
    const fields: Record<string, unknown> = { prompt: "p" };
    expect(takeWebhook(fields, webhooks)).toBeNull();
    expect(() => takeWebhook({ webhook_events: "completed" }, webhooks)).toThrow(
      "webhook_events: needs a webhook",
    );
  });

  test("events from JSON lists or multipart text; the fields leave the generation parameters", () => {
    const secret = `whsec_${Buffer.from("0123456789abcdef0123").toString("base64")}`;
    const { webhooks } = parseServiceConfig({ I2V_WEBHOOK_SECRET: secret });
    const fields: Record<string, unknown> = {
      prompt: "p",
      webhook: "https://hooks.example/x",
      webhook_events: ["started", "completed"],
    };
    expect(takeWebhook(fields, webhooks)).toEqual({
      url: "https://hooks.example/x",
      events: ["started", "completed"],
      deliveries: [],
    });
    expect(fields).toEqual({ prompt: "p" });
    expect(
      takeWebhook({ webhook: "https://hooks.example/x", webhook_events: " progress ,completed" }, webhooks)
        ?.events,
    ).toEqual(["progress", "completed"]);
  });
});
