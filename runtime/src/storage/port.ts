/**
 * Where job inputs and finished videos live, keyed by job id: a folder on one host, or S3 for
 * several. Writing the same key twice replaces it, so a job that runs twice leaves one result.
 */
export interface Storage {
  /** A short description for logs and /v1/system (no credentials). */
  readonly description: string;
  putInput(id: string, bytes: Uint8Array): Promise<void>;
  getInput(id: string): Promise<Buffer>;
  /** Uploads a finished video from a local file (the encoder writes to disk). */
  putVideo(id: string, localFile: string): Promise<void>;
  /** The video's size in bytes, or undefined when there is none. */
  videoSize(id: string): Promise<number | undefined>;
  /** The bytes `start..end` (inclusive) of the video. */
  readVideo(id: string, start: number, end: number): Promise<ReadableStream>;
  /** A short-lived URL the client may fetch the video from directly, when the backend has one. */
  videoUrl?(id: string): Promise<string>;
  remove(id: string): Promise<void>;
  /** Throws when the storage cannot be reached (for /readyz and start-up). */
  check(): Promise<void>;
}
