import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RunningService } from "../../src/server/start.ts";
import { form, inProcessService, TINY, waitForJob } from "../server/helpers.ts";
import {
  badDataUrl,
  badImages,
  badNumber,
  contentType,
  fieldName,
  fieldText,
  goodImage,
  jobId,
  jsonValue,
} from "./inputs.ts";
import { isRegisteredError, recordFigures } from "./support.ts";

/**
 * Property-based: generated malformed requests against the API in-process. Each must get a 4xx
 * JSON error with a code from the registry (never a 5xx), and the service must still run a good
 * job afterwards. Runs are bounded in count and time so the file stays well under a minute.
 */
const BOUNDARY = "b0undary";
const TIME_LIMIT_MS = 20_000;

let running: RunningService;
let good: Buffer;
let bad: Record<string, Uint8Array>;
let finishedId: string;
const statuses = new Map<number, number>();
const codes = new Map<string, number>();
const failures: string[] = [];

const request = (path: string, init?: RequestInit) => Promise.resolve(running.app.request(path, init));

/** Sends one request and checks the answer; returns false (and records why) when it is wrong. */
async function check(path: string, init: RequestInit, expect4xx: boolean): Promise<boolean> {
  const response = await request(path, init);
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  const text = await response.text();
  const describe = () => `${init.method ?? "GET"} ${path} -> ${response.status} ${text.slice(0, 200)}`;
  if (response.status >= 500 || (expect4xx && response.status < 400)) {
    failures.push(describe());
    return false;
  }
  // HEAD has no body; 416 answers a bad Range on a video (browsers expect an empty body there).
  if (response.status < 400 || init.method === "HEAD" || response.status === 416) return true;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    failures.push(`not JSON: ${describe()}`);
    return false;
  }
  if (!isRegisteredError(body)) {
    failures.push(`not a registered error: ${describe()}`);
    return false;
  }
  codes.set(body.error.code, (codes.get(body.error.code) ?? 0) + 1);
  return true;
}

/** A multipart body written by hand, so it can be truncated or carry odd parts. */
function multipart(parts: Array<{ name: string; value: string | Uint8Array; filename?: string }>): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? "" : `; filename="${part.filename}"`}`;
    const head = `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${part.filename === undefined ? "" : "Content-Type: image/png\r\n"}\r\n`;
    chunks.push(Buffer.from(head), Buffer.from(part.value), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  running = await inProcessService({
    I2V_QUEUE_CAPACITY: "2",
    I2V_MAX_BODY_BYTES: String(256 * 1024),
    I2V_MAX_IMAGE_BYTES: String(128 * 1024),
  });
  good = await goodImage();
  bad = await badImages();
  const created = (await (await request("/v1/jobs", { method: "POST", body: form(good, TINY) })).json()) as {
    id: string;
  };
  finishedId = created.id;
  expect((await waitForJob(request, finishedId)).status).toBe("succeeded");
}, 120_000);
afterAll(() => running?.shutdown());

describe("malformed requests (property-based, in-process)", () => {
  test("malformed job submissions all get a 4xx JSON error with a registered code", async () => {
    const image = fc.oneof(
      fc.constantFrom(...Object.keys(bad)).map((k) => bad[k] as Uint8Array),
      fc.uint8Array({ maxLength: 512 }),
    );
    const fields = fc.array(fc.tuple(fieldName, fieldText), { maxLength: 8 });
    // Multipart: a bad image with any fields, or the good image with at least one bad number.
    const multipartBody = fc
      .record({
        image: fc.oneof(
          image.map((bytes) => ({ bytes, extra: [] as Array<[string, string]> })),
          fc
            .tuple(
              fc.constantFrom("num_frames", "resolution", "num_inference_steps", "decode_chunk_size"),
              badNumber,
            )
            .map(([name, value]) => ({
              bytes: new Uint8Array(good),
              extra: [[name, value]] as Array<[string, string]>,
            })),
        ),
        fields,
        imageName: fc.constantFrom("image", "image", "image", "image", "file", "__proto__"),
        cut: sometimes(fc.nat()),
        type: fc.oneof(
          { weight: 3, arbitrary: fc.constant(`multipart/form-data; boundary=${BOUNDARY}`) },
          { weight: 1, arbitrary: contentType },
        ),
        padding: fc.constantFrom(0, 0, 0, 300 * 1024),
      })
      .map((r) => {
        let body = multipart([
          { name: r.imageName, value: r.image.bytes, filename: "input.png" },
          ...[...r.fields, ...r.image.extra].map(([name, value]) => ({
            name: name.replace(/["\r\n]/g, "_"),
            value,
          })),
          ...(r.padding ? [{ name: "pad", value: "x".repeat(r.padding) }] : []),
        ]);
        if (r.cut !== undefined) body = body.subarray(0, r.cut % body.length);
        return { body, type: r.type };
      });
    const jsonBody = fc
      .record({
        image: fc.oneof(
          badDataUrl,
          fc
            .constantFrom(...Object.keys(bad))
            .map((k) => `data:image/png;base64,${Buffer.from(bad[k] as Uint8Array).toString("base64")}`),
        ),
        fields: fc.dictionary(fc.oneof(fieldName, fc.constant("__proto__")), jsonValue, { maxKeys: 6 }),
        cut: sometimes(fc.nat()),
        type: fc.oneof(
          { weight: 3, arbitrary: fc.constant("application/json") },
          { weight: 1, arbitrary: contentType },
        ),
      })
      .map((r) => {
        let text = JSON.stringify({ ...r.fields, image: r.image });
        if (r.cut !== undefined) text = text.slice(0, r.cut % text.length);
        return { body: Buffer.from(text), type: r.type };
      });
    const rawBody = fc.record({
      body: fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
      type: contentType,
    });

    let runs = 0;
    await fc
      .assert(
        fc.asyncProperty(fc.oneof(multipartBody, jsonBody, rawBody), async ({ body, type }) => {
          runs += 1;
          const headers: Record<string, string> = type ? { "content-type": type } : {};
          return check("/v1/jobs", { method: "POST", body: new Uint8Array(body), headers }, true);
        }),
        { numRuns: 10_000, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
      )
      .catch((error: Error) => {
        throw new Error(`${failures.slice(0, 5).join("\n")}\n${error.message}`);
      });
    expect(failures).toEqual([]);
    expect(runs).toBeGreaterThan(50);
    recordFigures("fuzz-submissions", {
      runs,
      statuses: Object.fromEntries(statuses),
      codes: Object.fromEntries(codes),
    });
  }, 90_000);

  test("random methods, paths, ids and headers never get a 5xx or a non-JSON error", async () => {
    statuses.clear();
    codes.clear();
    failures.length = 0;
    const path = fc.oneof(
      jobId.map((id) => `/v1/jobs/${id}`),
      fc
        .tuple(
          fc.oneof(jobId, fc.constant(finishedId)),
          fc.constantFrom("events", "video", "cancel", "", "x", "video/..", "../.."),
        )
        .map(([id, tail]) => `/v1/jobs/${id}/${tail}`),
      fc.constantFrom(
        "/v1/jobs",
        "/v1/jobs/",
        "/v1/presets",
        "/v1/system",
        "/metrics",
        "/readyz",
        "/livez",
        "/v1",
        "/v2/jobs",
        "//v1/jobs",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fpackage.json",
      ),
      fc.webPath(),
      fc.string({ maxLength: 30 }).map((s) => `/${encodeURIComponent(s)}`),
      fc
        .tuple(
          fc.constantFrom("/v1/jobs?limit=", "/v1/jobs/x?access_token="),
          fc.oneof(badNumber, fc.string({ maxLength: 10 })),
        )
        .map(([p, q]) => `${p}${encodeURIComponent(q)}`),
    );
    const method = fc.constantFrom(
      "GET",
      "GET",
      "POST",
      "PUT",
      "DELETE",
      "PATCH",
      "OPTIONS",
      "HEAD",
      "PROPFIND",
    );
    const headers = fc.record(
      {
        range: fc.oneof(
          fc.constantFrom(
            "bytes=0-",
            "bytes=-1",
            "bytes=5-2",
            "bytes=999999999-",
            "bytes=0-1,2-3",
            "items=0-1",
          ),
          fc.string({ maxLength: 20 }),
        ),
        authorization: fc.oneof(fc.constant("Bearer "), fc.string({ maxLength: 30 })),
        "content-type": contentType,
      },
      { requiredKeys: [] },
    );
    let runs = 0;
    await fc
      .assert(
        fc.asyncProperty(
          path,
          method,
          headers,
          fc.option(fc.uint8Array({ maxLength: 256 })),
          async (p, m, h, body) => {
            runs += 1;
            const init: RequestInit = { method: m, headers: sanitize(h) };
            if (body && m !== "GET" && m !== "HEAD") init.body = body;
            return check(p, init, false);
          },
        ),
        { numRuns: 10_000, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
      )
      .catch((error: Error) => {
        throw new Error(`${failures.slice(0, 5).join("\n")}\n${error.message}`);
      });
    expect(failures).toEqual([]);
    expect(runs).toBeGreaterThan(50);
    recordFigures("fuzz-routes", {
      runs,
      statuses: Object.fromEntries(statuses),
      codes: Object.fromEntries(codes),
    });
  }, 90_000);

  test("the service still serves a good job afterwards, and no stray job was created", async () => {
    const listed = (await (await request("/v1/jobs?limit=100")).json()) as { jobs: Array<{ id: string }> };
    expect(listed.jobs.map((j) => j.id)).toEqual([finishedId]);
    const response = await request("/v1/jobs", { method: "POST", body: form(good, TINY) });
    expect(response.status).toBe(202);
    const job = (await response.json()) as { id: string };
    expect((await waitForJob(request, job.id)).status).toBe("succeeded");
  }, 90_000);
});

/** A value one time in four, else undefined (truncation is one defect among many). */
function sometimes<T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

/** Header values must be ByteStrings without line breaks; fetch refuses others before sending. */
function sanitize(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, "?")]));
}
