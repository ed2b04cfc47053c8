import { describe, expect, it } from "vitest";
import { archiveFor } from "../src/upstream/apt-archive.ts";
import { parseClassicSources, parseDeb822Sources } from "../src/upstream/apt-sources.ts";

// Fixture hosts use the reserved .test TLD: what matters is the structure, not the archive.
const deb822 = `Types: deb
# a comment inside the stanza
URIs: http://archive.example.test/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://archive.example.test/debian-security
Suites: bookworm-security
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: https://vendor.example.test/node
Suites: nodistro
Components: main

Enabled: no
Types: deb
URIs: http://disabled.example.test/debian
Suites: bookworm
Components: main
`;

const classic = `# comment
deb [arch=amd64 signed-by=/usr/share/keyrings/ubuntu-archive-keyring.gpg] http://ubuntu.example.test/ubuntu/ jammy main restricted
deb http://ubuntu.example.test/ubuntu/ jammy-updates main restricted
deb-src http://ubuntu.example.test/ubuntu/ jammy main
deb http://security.example.test/ubuntu/ jammy-security main restricted universe
deb https://vendor.example.test/apt cloud-sdk main
`;

describe("apt sources", () => {
  it("reads deb822 stanzas, skipping comments and disabled ones", () => {
    const sources = parseDeb822Sources(deb822);
    expect(sources).toHaveLength(3);
    expect(sources[0]).toMatchObject({
      uris: ["http://archive.example.test/debian"],
      suites: ["bookworm", "bookworm-updates"],
      options: { "signed-by": "/usr/share/keyrings/debian-archive-keyring.gpg" },
    });
  });

  it("picks the distribution archive and its security archive, ignoring vendor repositories", () => {
    const archive = archiveFor(parseDeb822Sources(deb822), "bookworm");
    expect(archive).toMatchObject({
      url: "http://archive.example.test/debian",
      suites: ["bookworm", "bookworm-updates"],
      components: ["main", "contrib"],
      securityUrl: "http://archive.example.test/debian-security",
      signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg",
    });
    expect(archiveFor(parseDeb822Sources(deb822), "trixie")).toBeUndefined();
  });

  it("reads classic lines with options", () => {
    const sources = parseClassicSources(classic);
    expect(sources.filter((s) => s.types.includes("deb"))).toHaveLength(4);
    const archive = archiveFor(sources, "jammy");
    expect(archive).toMatchObject({
      url: "http://ubuntu.example.test/ubuntu/",
      suites: ["jammy", "jammy-updates"],
      securityUrl: "http://security.example.test/ubuntu/",
      securityComponents: ["main", "restricted", "universe"],
      signedBy: "/usr/share/keyrings/ubuntu-archive-keyring.gpg",
    });
  });
});
