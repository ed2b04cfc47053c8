import type { Redis } from "ioredis";
import type { Job } from "../jobs/job.ts";
import type { JobLedger } from "../jobs/lifecycle.ts";
import type { GenerateResult } from "../pipeline/generate.ts";
import type { Outbox } from "../webhooks/dispatcher.ts";
import type { Delivery } from "../webhooks/state.ts";
import { KEYS } from "./redis.ts";

/**
 * Adds the deliveries a process knows to the job's outbox without undoing what a dispatcher
 * settled: new ids are appended, a known one only takes a newer body while it is an untried
 * progress event. Keeps the set of jobs with a pending delivery, and returns the outbox as stored.
 */
const MERGE_OUTBOX = `
local stored = redis.call('GET', KEYS[1])
local list = {}
if stored then list = cjson.decode(stored) end
local at = {}
for i, d in ipairs(list) do at[d.id] = i end
for _, d in ipairs(cjson.decode(ARGV[1])) do
  local i = at[d.id]
  if i == nil then
    table.insert(list, d)
    at[d.id] = #list
  elseif list[i].state == 'pending' and list[i].attempts == 0 and d.event == 'progress' then
    list[i].body = d.body
  end
end
local pending = false
for _, d in ipairs(list) do if d.state == 'pending' then pending = true end end
if #list == 0 then return '[]' end
local text = cjson.encode(list)
redis.call('SET', KEYS[1], text)
if pending then redis.call('SADD', KEYS[2], ARGV[2]) else redis.call('SREM', KEYS[2], ARGV[2]) end
return text`;

/** Replaces one delivery (by id) with its settled state, and keeps the pending set. */
const SETTLE_DELIVERY = `
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local list = cjson.decode(stored)
local d = cjson.decode(ARGV[1])
local pending = false
for i, s in ipairs(list) do
  if s.id == d.id then list[i] = d end
  if list[i].state == 'pending' then pending = true end
end
redis.call('SET', KEYS[1], cjson.encode(list))
if pending then redis.call('SADD', KEYS[2], ARGV[2]) else redis.call('SREM', KEYS[2], ARGV[2]) end
return 1`;

/** Releases a claim only when this process still holds it. */
const RELEASE_CLAIM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Lua's cjson writes an empty list as `{}`. */
function deliveryList(text: string | null | undefined): Delivery[] {
  const parsed = text ? (JSON.parse(text) as unknown) : [];
  return Array.isArray(parsed) ? (parsed as Delivery[]) : [];
}

/**
 * Job records in Redis, shared by API and worker processes: the shared queue's JobLedger. A
 * record's webhook deliveries are kept in their own key (the outbox), merged in on every read, so
 * a worker saving progress never overwrites what a dispatcher in an API process has settled.
 * Every save is announced on a channel (the API processes' SSE followers and dispatchers).
 */
export class RedisJobRecords implements JobLedger {
  constructor(
    readonly redis: Redis,
    private readonly onEnded: (job: Job, result: GenerateResult | undefined) => void = () => undefined,
  ) {}

  async get(id: string): Promise<Job | undefined> {
    const text = await this.redis.hget(KEYS.records, id);
    if (!text) return undefined;
    const job = JSON.parse(text) as Job;
    if (job.webhook) job.webhook.deliveries = deliveryList(await this.redis.get(KEYS.outbox(id)));
    return job;
  }

  /** The records of these ids that exist, in the same order, with their outboxes. */
  async many(ids: string[]): Promise<Job[]> {
    if (ids.length === 0) return [];
    const texts = await this.redis.hmget(KEYS.records, ...ids);
    const jobs = texts.filter((t): t is string => t !== null).map((t) => JSON.parse(t) as Job);
    const hooked = jobs.filter((j) => j.webhook);
    if (hooked.length > 0) {
      const outboxes = await this.redis.mget(...hooked.map((j) => KEYS.outbox(j.id)));
      hooked.forEach((job, i) => {
        if (job.webhook) job.webhook.deliveries = deliveryList(outboxes[i]);
      });
    }
    return jobs;
  }

  /** Writes the record and merges its new webhook events into the outbox (one transaction), then announces it. */
  async save(job: Job): Promise<void> {
    const record = job.webhook ? { ...job, webhook: { ...job.webhook, deliveries: [] } } : job;
    const multi = this.redis
      .multi()
      .hset(KEYS.records, job.id, JSON.stringify(record))
      .zadd(KEYS.created, Date.parse(job.created_at), job.id);
    if (job.webhook) {
      multi.eval(
        MERGE_OUTBOX,
        2,
        KEYS.outbox(job.id),
        KEYS.outboxPending,
        JSON.stringify(job.webhook.deliveries),
        job.id,
      );
    }
    const replies = await multi.exec();
    const failed = replies?.find(([error]) => error)?.[0];
    if (!replies || failed) throw failed ?? new Error("the record's transaction was discarded");
    // What this process sees next is the outbox as stored (with what dispatchers settled).
    if (job.webhook) job.webhook.deliveries = deliveryList(replies[2]?.[1] as string);
    await this.redis.publish(KEYS.updates, JSON.stringify(job));
  }

  announce(job: Job): void {
    void this.redis.publish(KEYS.updates, JSON.stringify(job)).catch(() => undefined);
  }

  ended(job: Job, result: GenerateResult | undefined): void {
    this.onEnded(job, result);
  }

  async recordDuration(ms: number): Promise<void> {
    await this.redis.multi().lpush(KEYS.durations, String(ms)).ltrim(KEYS.durations, 0, 9).exec();
  }

  /** Recent run times (ms), newest first. */
  async recentDurations(): Promise<number[]> {
    return (await this.redis.lrange(KEYS.durations, 0, 9)).map(Number).filter((n) => n > 0);
  }

  /** The webhook outbox beside these records, for a dispatcher in any process (`owner`: its claim). */
  outbox(owner: string): Outbox {
    const redis = this.redis;
    return {
      pendingJobs: () => redis.smembers(KEYS.outboxPending),
      read: async (jobId) => {
        const job = await this.get(jobId);
        return job?.webhook ? { url: job.webhook.url, deliveries: job.webhook.deliveries } : undefined;
      },
      claim: async (jobId, holdMs) =>
        (await redis.set(KEYS.outboxClaim(jobId), owner, "PX", holdMs, "NX")) === "OK",
      release: async (jobId) => {
        await redis.eval(RELEASE_CLAIM, 1, KEYS.outboxClaim(jobId), owner);
      },
      settle: async (jobId, delivery) => {
        await redis.eval(
          SETTLE_DELIVERY,
          2,
          KEYS.outbox(jobId),
          KEYS.outboxPending,
          JSON.stringify(delivery),
          jobId,
        );
      },
    };
  }
}
