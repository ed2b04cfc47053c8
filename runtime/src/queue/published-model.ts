import type { Redis } from "ioredis";
import type { MemoryModel } from "../jobs/admission.ts";
import type { MemoryReading } from "../jobs/memory.ts";
import type { Manifest } from "../pipeline/manifest.ts";
import type { ModelInfo } from "../pipeline/model.ts";
import { HEARTBEAT_STALE_MS, KEYS } from "./redis.ts";

/**
 * What a worker publishes once its model is loaded; the API role answers presets and limits from
 * it. (Not the mirror catalog of mirrors/: this one is the model a worker serves.)
 */
export interface PublishedModel {
  manifest: Manifest;
  memory_model: MemoryModel;
  model: ModelInfo;
  /** The publishing worker's memory when idle: what fits while no worker is in service. */
  memory: MemoryReading;
  published_at: string;
}

/** A worker's heartbeat: it is in service while this is fresh. */
export interface WorkerBeat {
  id: string;
  concurrency: number;
  running: number;
  memory: MemoryReading;
  updated_at: number;
}

export async function publishModel(redis: Redis, model: PublishedModel): Promise<void> {
  await redis.set(KEYS.publishedModel, JSON.stringify(model));
}

/** The model the last worker published (kept when workers scale to zero), or undefined. */
export async function readPublishedModel(redis: Redis): Promise<PublishedModel | undefined> {
  const text = await redis.get(KEYS.publishedModel);
  return text ? (JSON.parse(text) as PublishedModel) : undefined;
}

export async function beat(redis: Redis, worker: WorkerBeat): Promise<void> {
  await redis.hset(KEYS.workers, worker.id, JSON.stringify(worker));
}

export async function leave(redis: Redis, id: string): Promise<void> {
  await redis.hdel(KEYS.workers, id);
}

/** Workers with a fresh heartbeat; stale entries (a worker killed without leaving) are dropped. */
export async function liveWorkers(redis: Redis, now = Date.now()): Promise<WorkerBeat[]> {
  const all = await redis.hgetall(KEYS.workers);
  const live: WorkerBeat[] = [];
  for (const [id, text] of Object.entries(all)) {
    const worker = JSON.parse(text) as WorkerBeat;
    if (now - worker.updated_at <= HEARTBEAT_STALE_MS) live.push(worker);
    else await redis.hdel(KEYS.workers, id);
  }
  return live;
}
