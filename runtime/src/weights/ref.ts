import { userError } from "./errors.ts";

/** A model reference: `org/name` with an optional `@revision` (branch, tag or commit sha). */
export interface ModelRef {
  repo: string;
  /** Undefined when the reference names no revision: the source's default branch applies. */
  revision?: string;
}

const REPO = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** True when `revision` is a full commit sha, which needs no lookup. */
export function isCommitSha(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}

/** Parses `org/name[@revision]`; throws a user-facing error on anything else. */
export function parseModelRef(text: string): ModelRef {
  const at = text.lastIndexOf("@");
  const repo = at === -1 ? text : text.slice(0, at);
  const revision = at === -1 ? undefined : text.slice(at + 1);
  if (!REPO.test(repo) || repo.includes("..") || revision === "") {
    throw userError(
      `not a model reference: "${text}"`,
      "write it as ORG/NAME or ORG/NAME@REVISION, for example ali-vilab/i2vgen-xl@main",
      "bad_model_ref",
    );
  }
  return revision === undefined ? { repo } : { repo, revision };
}

/** Formats a reference back to `org/name@revision`. */
export function formatModelRef(ref: ModelRef): string {
  return ref.revision ? `${ref.repo}@${ref.revision}` : ref.repo;
}
