/** One ingress rule for the API port. */
export interface IngressRule {
  cidr: string;
  family: "ipv4" | "ipv6";
}

/** The result of planning ingress: rules, or every problem found. */
export type IngressPlan =
  | { ok: true; rules: IngressRule[]; warnings: string[] }
  | { ok: false; errors: string[] };

const PUBLIC_CIDRS = new Set(["0.0.0.0/0", "::/0"]);

/** True for a CIDR that opens the port to the whole internet. */
export function isPublicCidr(cidr: string): boolean {
  return PUBLIC_CIDRS.has(cidr.trim());
}

/**
 * Rules for the API port from `allowedCidrs`. The whole internet is refused unless `allowPublic`
 * is set: a GPU box behind a bearer token on plain HTTP should not be a scan target by accident.
 * An empty list is allowed: the API is then reached only through an SSM port-forwarding session.
 */
export function planIngress(allowedCidrs: readonly string[], allowPublic: boolean): IngressPlan {
  const errors: string[] = [];
  const rules: IngressRule[] = [];
  for (const [index, raw] of allowedCidrs.entries()) {
    const cidr = raw.trim();
    const family = cidrFamily(cidr);
    if (!family) {
      errors.push(`allowedCidrs[${index}]: "${raw}" is not a CIDR such as 203.0.113.7/32`);
    } else if (isPublicCidr(cidr) && !allowPublic) {
      errors.push(
        `allowedCidrs[${index}]: ${cidr} opens the API to everyone; set i2v:allowPublic true if you mean it`,
      );
    } else if (!rules.some((r) => r.cidr === cidr)) {
      rules.push({ cidr, family });
    }
  }
  if (allowPublic && !rules.some((r) => isPublicCidr(r.cidr)))
    rules.push({ cidr: "0.0.0.0/0", family: "ipv4" });
  if (errors.length > 0) return { ok: false, errors };
  const warnings =
    rules.length === 0
      ? ["allowedCidrs is empty: the API is reachable only through an SSM port-forwarding session"]
      : [];
  return { ok: true, rules, warnings };
}

function cidrFamily(cidr: string): "ipv4" | "ipv6" | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (v4) {
    const octets = v4.slice(1, 5).map(Number);
    const prefix = Number(v4[5]);
    return octets.every((o) => o <= 255) && prefix <= 32 ? "ipv4" : undefined;
  }
  const v6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(cidr);
  if (v6?.[1]?.includes(":") && Number(v6[2]) <= 128) return "ipv6";
  return undefined;
}
