import { readFileSync } from "node:fs";

// An honest User-Agent names the tool and where to complain; mirror operators block anonymous
// or impersonating clients (TUNA's WAF has blocked pip's and python-requests' agents).
const version = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "0";
  } catch {
    return "0";
  }
})();

/** The User-Agent every probe and helper request sends. */
export const USER_AGENT = `i2v-deploy-mirrors/${version} (mirror probe; node ${process.version})`;
