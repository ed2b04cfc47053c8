import { type ProbeTarget, probeTargets, selectMirror } from "../../mirrors/src/index.ts";
import {
  type LoopbackMirror,
  type MirrorBehaviour,
  startLoopbackMirror,
} from "../../mirrors/test/support/loopback-mirror.ts";
import { type BenchSuite, figure } from "../types.ts";

// 20 loopback mirrors as a catalog would list them: 17 healthy at bandwidths spread from
// 0.25 to 8 MB/s with some latency, and three faults (404, hang, reset mid-body).
function fleet(): { name: string; behaviour: MirrorBehaviour; bytesPerSec: number }[] {
  const out = [];
  for (let i = 0; i < 17; i++) {
    const bytesPerSec = Math.round(250_000 * 2 ** (i * (5 / 16)));
    out.push({
      name: `m${i}`,
      behaviour: { bytesPerSec, latencyMs: 20 + ((i * 37) % 120), size: 4 << 20 },
      bytesPerSec,
    });
  }
  out.push({ name: "f404", behaviour: { fault: "status", status: 404 } as MirrorBehaviour, bytesPerSec: 0 });
  out.push({ name: "hang", behaviour: { fault: "hang" } as MirrorBehaviour, bytesPerSec: 0 });
  out.push({
    name: "reset",
    behaviour: { fault: "reset", bytesPerSec: 16_000_000, size: 4 << 20 } as MirrorBehaviour,
    bytesPerSec: 0,
  });
  return out;
}

export const suite: BenchSuite = {
  name: "mirrors",
  async run({ quick, log }) {
    const spec = fleet();
    const servers: LoopbackMirror[] = [];
    try {
      for (const s of spec) servers.push(await startLoopbackMirror(s.behaviour));
      const targets: ProbeTarget[] = spec.map((s, i) => ({
        mirror: s.name,
        ecosystem: "npm",
        url: `${servers[i]?.url}obj`,
      }));
      const rounds = quick ? 1 : 3;
      const times: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const t0 = performance.now();
        const results = await probeTargets(targets, { deadlineMs: 2000, rangeBytes: 2 << 20 });
        times.push((performance.now() - t0) / 1000);
        const chosen = selectMirror(results, "npm");
        const best = Math.max(...spec.map((s) => s.bytesPerSec));
        const got = spec.find((s) => s.name === chosen?.mirror)?.bytesPerSec ?? 0;
        ratios.push(got / best);
        log(
          `round ${round + 1}: ${times.at(-1)?.toFixed(2)} s, chose ${chosen?.mirror} (${(got / 1e6).toFixed(2)} MB/s of best ${(best / 1e6).toFixed(2)})`,
        );
      }
      const how =
        "npm run bench -- --only=mirrors (20 loopback mirrors incl. 404/hang/reset, 2 s deadline, 2 MiB range)";
      return [
        figure({
          name: "mirrors: probe time, 20 mirrors, 2 s deadline",
          value: Math.max(...times),
          unit: "s",
          target: 3,
          better: "lower",
          how,
        }),
        figure({
          name: "mirrors: chosen / best mirror throughput",
          value: Math.min(...ratios),
          unit: "ratio",
          target: 0.9,
          better: "higher",
          how,
        }),
      ];
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  },
};
