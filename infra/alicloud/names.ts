/** Physical names from the stack name: lower-case letters, digits and dashes (RAM, ACR, OOS accept them). */
export function physicalName(stack: string, suffix: string): string {
  const safe = stack
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `i2v-${safe || "stack"}-${suffix}`;
}
