import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { I2vError } from "../errors.ts";
import { writeFileDurable } from "../util/durable-write.ts";
import type { Storage } from "./port.ts";

/**
 * Inputs and videos in a folder (`inputs/<id>.bin`, `videos/<id>.mp4`): the one home of that
 * layout, for the single box's data folder and a shared `file:///` folder alike.
 */
export class DirectoryStorage implements Storage {
  readonly description: string;

  constructor(readonly dir: string) {
    this.description = `file://${dir}`;
  }

  inputPath(id: string): string {
    return path.join(this.dir, "inputs", `${id}.bin`);
  }

  videoPath(id: string): string {
    return path.join(this.dir, "videos", `${id}.mp4`);
  }

  /** Durable (fsync) before it resolves: an accepted job's input survives a power cut. */
  async putInput(id: string, bytes: Uint8Array): Promise<void> {
    const file = this.inputPath(id);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileDurable(file, bytes);
    } catch (error) {
      throw storageFailed(file, error);
    }
  }

  getInput(id: string): Promise<Buffer> {
    return readFile(this.inputPath(id));
  }

  async putVideo(id: string, localFile: string): Promise<void> {
    const target = this.videoPath(id);
    if (path.resolve(localFile) === target) return;
    await this.writeAtomic(target, (temp) => copyFile(localFile, temp));
  }

  async videoSize(id: string): Promise<number | undefined> {
    return (await stat(this.videoPath(id)).catch(() => undefined))?.size;
  }

  async readVideo(id: string, start: number, end: number): Promise<ReadableStream> {
    return Readable.toWeb(createReadStream(this.videoPath(id), { start, end })) as ReadableStream;
  }

  async remove(id: string): Promise<void> {
    for (const file of [this.inputPath(id), this.videoPath(id)]) await rm(file, { force: true });
  }

  async check(): Promise<void> {
    for (const sub of ["inputs", "videos"]) await mkdir(path.join(this.dir, sub), { recursive: true });
  }

  /** Removes half-written files a killed process left (only where one process owns the folder). */
  async removePartials(): Promise<void> {
    await this.check();
    for (const sub of ["inputs", "videos"]) {
      for (const file of await readdir(path.join(this.dir, sub))) {
        if (file.includes(".partial-")) await rm(path.join(this.dir, sub, file), { force: true });
      }
    }
  }

  /** Temporary name per process, then rename: readers never see half a file, even across hosts. */
  private async writeAtomic(file: string, write: (temp: string) => Promise<void>): Promise<void> {
    const temp = `${file}.partial-${process.pid}-${Date.now()}`;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await write(temp);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw storageFailed(file, error);
    }
  }
}

function storageFailed(file: string, error: unknown): I2vError {
  return new I2vError(
    "storage_failed",
    `Could not write ${path.basename(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
  );
}
