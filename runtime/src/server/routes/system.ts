import { Hono } from "hono";
import type { Liveness, PresetsResponse, Readiness, System } from "../../contract/index.ts";
import { presetSquareSize, presetsFor } from "../../pipeline/family.ts";
import { LIMITS } from "../../pipeline/params.ts";
import { PRESET_NAMES, PRESETS } from "../../pipeline/presets.ts";
import { openApiDocument } from "../openapi.ts";
import type { Service } from "../service.ts";

/** Health, readiness, presets (with what fits now), system facts, metrics and the OpenAPI document. */
export function systemRoutes(service: Service): Hono {
  const app = new Hono();

  app.get("/livez", (c) => c.json({ status: "ok" } satisfies Liveness));

  app.get("/readyz", async (c) => {
    const problem = await service.backendProblem();
    if (problem) return c.json({ status: "unavailable", problem } satisfies Readiness, 503);
    const failed = service.loadFailure;
    if (failed && !service.isReady())
      return c.json(
        {
          status: "unavailable",
          problem: `the model failed to load: ${failed.message}`,
          ...(failed.hint ? { hint: failed.hint } : {}),
        } satisfies Readiness,
        503,
      );
    return service.isReady()
      ? c.json({ status: "ready", model: service.modelInfo?.name ?? "" } satisfies Readiness)
      : c.json({ status: "loading" } satisfies Readiness, 503);
  });

  app.get("/v1/presets", async (c) => {
    const loaded = service.loaded;
    const reading = loaded ? await loaded.admission.reading() : undefined;
    const presets = await Promise.all(
      PRESET_NAMES.map(async (name) => {
        // The model family's presets (Wan: 480p / 720p under the same names).
        const preset = (loaded ? presetsFor(loaded.manifest) : PRESETS)[name];
        // A square input is the common case; an exact check runs at submission with the real image.
        const size = loaded ? presetSquareSize(loaded.manifest, preset) : undefined;
        const verdict =
          loaded && reading && size
            ? await loaded.admission.check(size.width, size.height, preset.num_frames, reading)
            : undefined;
        return {
          ...preset,
          fits: verdict?.fits ?? false,
          reason: verdict ? verdict.reason : "the model is still loading",
          estimated_mb: verdict?.neededMb ?? null,
          free_mb: verdict?.freeMb ?? null,
        };
      }),
    );
    return c.json({ presets, limits: LIMITS } satisfies PresetsResponse);
  });

  app.get("/v1/system", async (c) => {
    const loaded = service.loaded;
    const memory = loaded ? await loaded.admission.reading() : undefined;
    const info = service.modelInfo;
    const counts = await service.jobs.counts();
    return c.json({
      version: service.version,
      started_at: service.startedAt.toISOString(),
      ready: Boolean(loaded),
      model: info
        ? {
            name: info.name,
            dir: info.dir,
            variant: info.variant,
            provider: info.provider,
            ...(info.providerWarning ? { providerWarning: info.providerWarning } : {}),
            loadMs: info.loadMs,
            warmupMs: info.warmupMs,
            defaults: { negative_prompt: info.defaults.negative_prompt, scheduler: info.defaults.scheduler },
          }
        : null,
      memory: memory
        ? { kind: memory.kind, total_mb: Math.round(memory.totalMb), free_mb: Math.round(memory.freeMb) }
        : null,
      queue: {
        waiting: counts.waiting,
        running: counts.running,
        capacity: counts.capacity,
        concurrency: counts.concurrency,
        ...(service.jobs.kind === "shared" ? { workers: counts.workers } : {}),
      },
    } satisfies System);
  });

  app.get("/metrics", async (c) => {
    c.header("Content-Type", service.metrics.registry.contentType);
    return c.body(await service.metrics.registry.metrics());
  });

  app.get("/openapi.json", (c) => c.json(openApiDocument(service.version)));

  return app;
}
