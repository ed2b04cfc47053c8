import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { I2vError } from "../errors.ts";
import type { Storage } from "./port.ts";

/** Presigned video URLs live this long: enough to start playback, short enough not to be shared. */
const PRESIGN_S = 300;

/**
 * Inputs and videos in an S3 bucket under a prefix (`<prefix>/inputs/<id>.bin`,
 * `<prefix>/videos/<id>.mp4`). The client takes the SDK's own configuration: the credential chain,
 * AWS_REGION, and AWS_ENDPOINT_URL_S3 for an S3-compatible server (then path-style addressing,
 * which such servers expect).
 */
export class S3Storage implements Storage {
  readonly description: string;
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    private readonly prefix: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.description = `s3://${bucket}/${prefix}`;
    this.client = new S3Client({ forcePathStyle: Boolean(env.AWS_ENDPOINT_URL_S3) });
  }

  private key(kind: "inputs" | "videos", id: string): string {
    const name = kind === "inputs" ? `${id}.bin` : `${id}.mp4`;
    return [this.prefix, kind, name].filter(Boolean).join("/");
  }

  async putInput(id: string, bytes: Uint8Array): Promise<void> {
    await this.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key("inputs", id), Body: bytes }));
  }

  async getInput(id: string): Promise<Buffer> {
    const out = await this.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key("inputs", id) }));
    return Buffer.from(
      await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
  }

  async putVideo(id: string, localFile: string): Promise<void> {
    const { size } = await stat(localFile);
    await this.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.key("videos", id),
        Body: createReadStream(localFile),
        ContentLength: size,
        ContentType: "video/mp4",
      }),
    );
  }

  async videoSize(id: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.key("videos", id) }),
      );
      return head.ContentLength;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return undefined;
      throw unavailable(error);
    }
  }

  async readVideo(id: string, start: number, end: number): Promise<ReadableStream> {
    const out = await this.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.key("videos", id),
        Range: `bytes=${start}-${end}`,
      }),
    );
    return Readable.toWeb(out.Body as Readable) as ReadableStream;
  }

  videoUrl(id: string): Promise<string> {
    return getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: this.key("videos", id) }),
      {
        expiresIn: PRESIGN_S,
      },
    );
  }

  async remove(id: string): Promise<void> {
    await this.send(
      new DeleteObjectsCommand({
        Bucket: this.bucket,
        Delete: { Objects: [{ Key: this.key("inputs", id) }, { Key: this.key("videos", id) }] },
      }),
    );
  }

  async check(): Promise<void> {
    await this.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  // biome-ignore lint/suspicious/noExplicitAny: every command's output type differs
  private async send(command: any): Promise<any> {
    try {
      return await this.client.send(command);
    } catch (error) {
      throw unavailable(error);
    }
  }
}

function unavailable(error: unknown): I2vError {
  const e = error as Error & { $metadata?: { httpStatusCode?: number } };
  return new I2vError(
    "backend_unavailable",
    `S3 storage failed: ${e.name}: ${e.message}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ""}`,
  );
}
