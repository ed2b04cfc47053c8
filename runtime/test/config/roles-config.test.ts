import { describe, expect, test } from "vitest";
import { parseServiceConfig } from "../../src/config/service-config.ts";

describe("role configuration", () => {
  test("the default is the single box, with no shared queue or storage", () => {
    expect(parseServiceConfig({})).toMatchObject({ role: "all", queueUrl: undefined, storageUrl: undefined });
  });

  test("api and worker need both URLs, and say how to set them", () => {
    expect(() => parseServiceConfig({ I2V_ROLE: "api" })).toThrow(/needs a shared queue/);
    expect(() => parseServiceConfig({ I2V_ROLE: "worker", I2V_QUEUE_URL: "redis://h:6379" })).toThrow(
      /needs shared storage/,
    );
    const config = parseServiceConfig({
      I2V_ROLE: "worker",
      I2V_QUEUE_URL: "rediss://cache.internal:6379/2",
      I2V_STORAGE: "s3://my-bucket/i2v",
      I2V_LEASE_S: "20",
    });
    expect(config).toMatchObject({ role: "worker", leaseMs: 20_000, jobAttempts: 3 });
  });

  test("malformed URLs are refused by name", () => {
    expect(() =>
      parseServiceConfig({ I2V_ROLE: "api", I2V_QUEUE_URL: "http://h", I2V_STORAGE: "file:///x" }),
    ).toThrow(/I2V_QUEUE_URL: must be redis:\/\//);
    expect(() =>
      parseServiceConfig({ I2V_ROLE: "api", I2V_QUEUE_URL: "redis://h:1", I2V_STORAGE: "s3://UPPER" }),
    ).toThrow(/I2V_STORAGE: must be file:\/\/\/dir or s3:\/\/bucket/);
  });

  test("the single box refuses the shared URLs instead of ignoring them", () => {
    expect(() => parseServiceConfig({ I2V_QUEUE_URL: "redis://h:6379" })).toThrow(/I2V_ROLE=api/);
  });
});
