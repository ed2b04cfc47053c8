import type { LookupAddress } from "node:dns";
import { describe, expect, test } from "vitest";
import { addressRefusal, EMPTY_ALLOW_LIST, parseAllowList } from "../../src/webhooks/address-policy.ts";
import { guardedLookup, permittedAddresses } from "../../src/webhooks/guarded-lookup.ts";
import { checkWebhookUrl } from "../../src/webhooks/target.ts";

/** The SSRF policy as pure functions: no socket, no DNS query is made in this file. */
describe("webhook address policy", () => {
  test.each([
    ["93.184.216.34", null],
    ["2606:2800:220:1:248:1893:25c8:1946", null],
    ["127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.9", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"], // AWS, GCP, Azure metadata
    ["100.100.100.200", "carrierGradeNat"], // Alibaba Cloud metadata
    ["fd00:ec2::254", "uniqueLocal"], // AWS metadata over IPv6
    ["::1", "loopback"],
    ["fe80::1", "linkLocal"],
    ["::ffff:10.0.0.1", "private"], // IPv4-mapped is judged as IPv4
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
  ])("%s -> %s", (address, range) => {
    const refusal = addressRefusal(address, EMPTY_ALLOW_LIST);
    if (range === null) expect(refusal).toBeNull();
    else expect(refusal).toContain(`a ${range} address`);
  });

  test("I2V_WEBHOOK_ALLOW_HOSTS: hosts, addresses and CIDRs; bad entries are reported", () => {
    const { allow, problems } = parseAllowList(
      "receiver.internal, 10.0.0.0/8, 127.0.0.1, [fd00::1], 300.1/99, a b",
    );
    expect(problems).toEqual([
      "300.1/99: not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)",
      "a b: not a host name, an address or a CIDR",
    ]);
    expect(addressRefusal("10.9.9.9", allow)).toBeNull();
    expect(addressRefusal("127.0.0.1", allow)).toBeNull();
    expect(addressRefusal("127.0.0.2", allow)).toContain("loopback");
    expect(addressRefusal("fd00::1", allow)).toBeNull();
  });

  test("the refusal over resolved addresses: any refused address refuses the host (DNS rebinding)", () => {
    const v4 = (address: string): LookupAddress => ({ address, family: 4 });
    expect(permittedAddresses("hooks.example", [v4("93.184.216.34")], EMPTY_ALLOW_LIST)).toEqual([
      v4("93.184.216.34"),
    ]);
    expect(() =>
      permittedAddresses("hooks.example", [v4("93.184.216.34"), v4("10.0.0.5")], EMPTY_ALLOW_LIST),
    ).toThrow("hooks.example resolves to 10.0.0.5 is a private address");
    expect(() => permittedAddresses("meta.example", [v4("169.254.169.254")], EMPTY_ALLOW_LIST)).toThrow(
      "linkLocal",
    );
    expect(() => permittedAddresses("none.example", [], EMPTY_ALLOW_LIST)).toThrow("has no address");
    const { allow } = parseAllowList("receiver.internal,10.0.0.0/8");
    expect(permittedAddresses("receiver.internal", [v4("192.168.0.7")], allow)).toHaveLength(1);
    expect(permittedAddresses("other.example", [v4("10.2.3.4")], allow)).toHaveLength(1);
  });

  test("the agent's lookup hands the socket only checked addresses (resolver injected, no DNS)", async () => {
    const resolve = async (host: string): Promise<LookupAddress[]> =>
      host === "public.example"
        ? [{ address: "93.184.216.34", family: 4 }]
        : [{ address: "169.254.169.254", family: 4 }];
    const lookup = guardedLookup(EMPTY_ALLOW_LIST, resolve);
    const ask = (host: string) =>
      new Promise<{ error: Error | null; address: unknown }>((done) =>
        lookup(host, { all: true }, (error, address) => done({ error, address })),
      );
    expect(await ask("public.example")).toEqual({
      error: null,
      address: [{ address: "93.184.216.34", family: 4 }],
    });
    const refused = await ask("rebind.example");
    expect(refused.error?.message).toContain(
      "rebind.example resolves to 169.254.169.254 is a linkLocal address",
    );
  });

  test.each([
    ["https://hooks.example/i2v", null],
    ["http://hooks.example/i2v", "must be https"],
    ["ftp://hooks.example/i2v", "must be https"],
    ["https://10.0.0.1/x", "private"],
    ["https://169.254.169.254/latest/meta-data", "linkLocal"],
    ["https://[fd00:ec2::254]/", "uniqueLocal"],
    ["https://100.100.100.200/", "carrierGradeNat"],
    ["https://0x7f.1/", "loopback"], // the URL parser normalizes it to 127.0.0.1
    ["https://localhost:8080/", "loopback"],
    ["https://user:pw@hooks.example/", "credentials"],
    ["not a url", "absolute URL"],
  ])("checkWebhookUrl(%s)", (url, problem) => {
    const result = checkWebhookUrl(url, EMPTY_ALLOW_LIST);
    if (problem === null) expect(result).toHaveProperty("url");
    else expect((result as { problem: string }).problem).toContain(problem);
  });

  test("a listed host may use plain http; others may not", () => {
    const { allow } = parseAllowList("127.0.0.1,receiver.internal");
    expect(checkWebhookUrl("http://127.0.0.1:9000/hook", allow)).toHaveProperty("url");
    expect(checkWebhookUrl("http://receiver.internal/hook", allow)).toHaveProperty("url");
    expect(checkWebhookUrl("http://hooks.example/hook", allow)).toHaveProperty("problem");
  });
});
