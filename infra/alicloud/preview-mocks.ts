import type * as pulumi from "@pulumi/pulumi";

/** Distinctive fake PEMs, so tests can prove the key never lands in user data. */
export const MOCK_TLS_KEY =
  "-----BEGIN EC PRIVATE KEY-----\nMockTlsKeySECRET0123456789\n-----END EC PRIVATE KEY-----\n";
export const MOCK_CERT = "-----BEGIN CERTIFICATE-----\nMockServerCert\n-----END CERTIFICATE-----\n";
export const MOCK_CA = "-----BEGIN CERTIFICATE-----\nMockPrivateCa\n-----END CERTIFICATE-----\n";
export const MOCK_EIP = "198.51.100.20";
export const MOCK_ACCOUNT = "1234567890123456";
export const MOCK_ACR_NAME = "i2vreg";
/** What the mocked getImages finds: the public Ubuntu image the program pins. */
export const MOCK_PUBLIC_IMAGE = {
  id: "m-bp1mockubuntu2404",
  name: "ubuntu_24_04_x64_20G_alibase_20251120.vhd",
};

/**
 * Stand-ins for the offline preview and the tests (Pulumi's mock engine): what Alibaba (and
 * @pulumi/tls) would compute for the resources the alicloud stack declares;
 * undefined for any other type, so the shared mock engine falls through to its own answer. The
 * engine's `default` branches call these two (one line each).
 */
export function alicloudComputedState(
  args: pulumi.runtime.MockResourceArgs,
): Record<string, unknown> | undefined {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.type) {
    case "alicloud:ecs/instance:Instance":
      return { ...inputs, availabilityZone: inputs.availabilityZone };
    case "alicloud:ecs/eipAddress:EipAddress":
      return { ...inputs, ipAddress: MOCK_EIP };
    case "tls:index/privateKey:PrivateKey":
      return { ...inputs, privateKeyPem: MOCK_TLS_KEY };
    case "tls:index/selfSignedCert:SelfSignedCert":
      return { ...inputs, certPem: MOCK_CA };
    case "tls:index/certRequest:CertRequest":
      return {
        ...inputs,
        certRequestPem: "-----BEGIN CERTIFICATE REQUEST-----\nMock\n-----END CERTIFICATE REQUEST-----\n",
      };
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { ...inputs, certPem: MOCK_CERT };
    default:
      return undefined;
  }
}

/** Fake answers for Alibaba data sources; undefined for other tokens. */
export function alicloudCallResult(args: pulumi.runtime.MockCallArgs): Record<string, unknown> | undefined {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.token) {
    case "alicloud:index/getAccount:getAccount":
      return { id: MOCK_ACCOUNT };
    case "alicloud:ecs/getImages:getImages":
      // Alibaba filters by owner and name pattern; the mock answers only the query the program makes.
      return inputs.owners === "system" && new RegExp(String(inputs.nameRegex)).test(MOCK_PUBLIC_IMAGE.name)
        ? {
            ...inputs,
            ids: [MOCK_PUBLIC_IMAGE.id],
            images: [{ ...MOCK_PUBLIC_IMAGE, imageId: MOCK_PUBLIC_IMAGE.id }],
          }
        : { ...inputs, ids: [], images: [] };
    case "alicloud:cs/getRegistryEnterpriseInstances:getRegistryEnterpriseInstances":
      return {
        ids: inputs.ids,
        instances: ((inputs.ids as string[] | undefined) ?? []).map((id) => ({ id, name: MOCK_ACR_NAME })),
      };
    default:
      return undefined;
  }
}
