import { Command, Option } from "commander";
import {
  catalogRows,
  catalogTable,
  type Distro,
  type Ecosystem,
  loadCatalog,
  MirrorUserError,
  parseEcosystems,
  probeTable,
  readDistro,
  renderMirrorConfig,
  selectMirrors,
} from "../mirrors/src/index.ts";
import { runCli } from "./lib/cli.ts";

// `npm run mirrors -- list|probe|render`: argument parsing and printing only; the work is in mirrors/.
const program = new Command("mirrors").description(
  "rank package mirrors, show the catalog, write config files",
);
const catalogOption = () => new Option("--catalog <file>", "catalog file (default: mirrors/catalog.yaml)");

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new MirrorUserError(
      "BAD_NUMBER",
      `bad ${flag} '${value}'`,
      `give a positive number, e.g. ${flag} 5`,
    );
  }
  return n;
}

const seconds = (value: string) => positive(value, "--timeout") * 1000;

function parseDistro(value: string): Distro {
  const [id, codename] = value.split(":");
  if (!id || !codename)
    throw new MirrorUserError("BAD_DISTRO", `bad --distro '${value}'`, "use ID:CODENAME, e.g. ubuntu:noble");
  return { id, codename };
}

program
  .command("list")
  .description("show the catalog as a table")
  .option("--ecosystem <list>", "only these ecosystems (comma-separated; apt = this machine's flavour)")
  .option("--json", "print JSON")
  .addOption(catalogOption())
  .action(async (opts: { ecosystem?: string; json?: boolean; catalog?: string }) => {
    const catalog = await loadCatalog(opts.catalog);
    const rows = catalogRows(catalog, parseEcosystems(opts.ecosystem, aptFlavour(await readDistro())));
    if (opts.json)
      console.log(
        JSON.stringify(
          rows.map(({ provider: _, ...r }) => r),
          null,
          2,
        ),
      );
    else console.log(catalogTable(rows));
  });

program
  .command("probe")
  .description("measure every mirror (and upstream) in parallel and rank them")
  .option("--ecosystem <list>", "only these ecosystems (comma-separated)")
  .option("--timeout <seconds>", "global deadline for the whole probe", "5")
  .option("--per-host <n>", "requests in flight per host", "2")
  .option("--range <KiB>", "bytes asked per probe, in KiB", "4096")
  .option("--fresh", "ignore cached results (they are kept 6 h)")
  .option("--json", "print JSON")
  .addOption(catalogOption())
  .action(
    async (opts: {
      ecosystem?: string;
      timeout: string;
      perHost: string;
      range: string;
      fresh?: boolean;
      json?: boolean;
      catalog?: string;
    }) => {
      const catalog = await loadCatalog(opts.catalog);
      const ecosystems = parseEcosystems(opts.ecosystem, aptFlavour(await readDistro()));
      const started = performance.now();
      const selection = await selectMirrors({
        catalog,
        ecosystems,
        deadlineMs: seconds(opts.timeout),
        perHostConcurrency: Math.ceil(positive(opts.perHost, "--per-host")),
        rangeBytes: Math.ceil(positive(opts.range, "--range") * 1024),
        ...(opts.fresh ? { cacheFile: false } : {}),
      });
      if (opts.json) {
        const { choices, nothingAnswered, results } = selection;
        console.log(JSON.stringify({ choices, nothingAnswered, results }, null, 2));
        warnNothingAnswered(selection.nothingAnswered, ecosystems);
        return;
      }
      console.log(probeTable(selection.results));
      for (const eco of ecosystems) {
        const up = selection.upstream[eco];
        if (up && !up.found) console.log(`${eco}: upstream not probed (${up.reason})`);
      }
      const measured = Object.entries(selection.choices).filter(
        ([eco]) => !selection.nothingAnswered.includes(eco as Ecosystem),
      );
      const chosen = measured.map(([eco, m]) => `${eco}=${m}`).join(" ") || "none";
      const ms = Math.round(performance.now() - started);
      console.log(`\nprobed ${selection.results.length} targets in ${ms} ms; best: ${chosen}`);
      warnNothingAnswered(selection.nothingAnswered, ecosystems);
    },
  );

/** Says which ecosystems fall back to upstream unmeasured, and what to check when none answered. */
function warnNothingAnswered(failed: readonly Ecosystem[], probed: readonly Ecosystem[]): void {
  if (!failed.length) return;
  if (failed.length === probed.length) {
    console.error(
      "warning: nothing answered, no mirror and no upstream: this machine may be offline, its DNS " +
        "down or a proxy needed. Every ecosystem uses upstream (the tools' defaults), unmeasured; " +
        "nothing was cached, so the next probe measures again. Check each target's error, then " +
        "rerun (--timeout 15 for a slow network).",
    );
    return;
  }
  console.error(
    `warning: nothing answered for ${failed.join(", ")}: those use upstream (the tools' defaults), ` +
      "unmeasured; each failed result says why.",
  );
}

program
  .command("render")
  .description("write each ecosystem's own config files for a mirror")
  .requiredOption("--mirror <name>", "auto (probe), upstream, or a mirror name from `list`")
  .requiredOption("--out <dir>", "directory to write into")
  .option("--ecosystem <list>", "only these ecosystems (comma-separated; apt = the target's flavour)")
  .option("--mirror-security", "also move the apt security suite to the mirror (default: stays upstream)")
  .option("--distro <id:codename>", "apt target, e.g. ubuntu:noble (default: this machine)")
  .addOption(new Option("--apt-format <format>", "apt file format").choices(["classic", "deb822"]))
  .option("--apt-sources <file>", "the target image's own apt sources (upstream for another distro)")
  .option("--arch <arch>", "dpkg architecture (default: this machine)")
  .option("--pytorch-track <track>", "PyTorch wheel track for find-links", "cu126")
  .option("--timeout <seconds>", "probe deadline for --mirror auto", "5")
  .addOption(catalogOption())
  .action(async (opts: Record<string, string | boolean | undefined>) => {
    const started = performance.now();
    const catalog = await loadCatalog(opts.catalog as string | undefined);
    const distro = opts.distro ? parseDistro(String(opts.distro)) : await readDistro();
    const ecosystems = opts.ecosystem
      ? parseEcosystems(String(opts.ecosystem), aptFlavour(distro))
      : undefined;
    let mirror: string | Record<string, string> = String(opts.mirror);
    if (mirror === "auto") {
      const selection = await selectMirrors({
        catalog,
        ecosystems: ecosystems ?? parseEcosystems(undefined),
        deadlineMs: seconds(String(opts.timeout)),
        ...(distro ? { detect: { distro } } : {}),
      });
      mirror = selection.choices as Record<string, string>;
    }
    const report = await renderMirrorConfig({
      catalog,
      mirror,
      outDir: String(opts.out),
      ...(ecosystems ? { ecosystems } : {}),
      ...(distro ? { distro } : {}),
      mirrorSecurity: Boolean(opts.mirrorSecurity),
      ...(opts.aptFormat ? { aptFormat: opts.aptFormat as "classic" | "deb822" } : {}),
      ...(opts.aptSources ? { aptSources: String(opts.aptSources) } : {}),
      ...(opts.arch ? { arch: String(opts.arch) } : {}),
      pytorchTrack: String(opts.pytorchTrack),
    });
    for (const file of report.files) console.log(`wrote ${file}`);
    for (const note of report.notes) console.log(`note: ${note}`);
    const chosen = Object.entries(report.choices)
      .map(([eco, m]) => `${eco}=${m}`)
      .join(" ");
    console.log(
      `rendered ${report.files.length} files in ${Math.round(performance.now() - started)} ms: ${chosen}`,
    );
  });

function aptFlavour(distro: Distro | undefined): "debian" | "ubuntu" {
  return distro?.id === "ubuntu" ? "ubuntu" : "debian";
}

await runCli(async () => {
  await program.parseAsync(process.argv);
});
