/** Tags every resource of the stack carries, so a bill or a console search finds all of it. */
export type Tags = Record<string, string>;

/** The tag keys the unit tests require on every taggable resource. */
export const REQUIRED_TAG_KEYS = ["i2v:project", "i2v:stack", "ManagedBy"] as const;

/** Base tags for a stack, merged with the user's extra tags (which cannot override the base keys). */
export function stackTags(project: string, stack: string, extra: Tags = {}): Tags {
  return { ...extra, "i2v:project": project, "i2v:stack": stack, ManagedBy: "Pulumi" };
}

/** `tags` plus a Name tag, which is what the EC2 console shows in its first column. */
export function withName(tags: Tags, name: string): Tags {
  return { ...tags, Name: name };
}
