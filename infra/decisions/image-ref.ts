/** What the box needs to know about the container image it runs. */
export interface ImageRef {
  /** The full reference passed to `docker pull`/`docker run`. */
  uri: string;
  /** Set when the image lives in ECR: the box logs in there and its role may read that repository. */
  ecr: { registry: string; region: string; accountId: string; repository: string } | undefined;
}

const ECR =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9._/-]+?)(?::[\w.-]+|@sha256:[0-9a-f]{64})?$/;

/** Parses an image reference; ECR references are recognised so login and IAM can be derived. */
export function parseImageRef(uri: string): ImageRef {
  const match = ECR.exec(uri);
  if (!match?.[1] || !match[2] || !match[3]) return { uri, ecr: undefined };
  const registry = uri.slice(0, uri.indexOf("/"));
  return { uri, ecr: { registry, accountId: match[1], region: match[2], repository: match[3] } };
}
