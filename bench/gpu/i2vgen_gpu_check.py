"""GPU check for I2VGen-XL at full size with random weights (fp16): what this repo could not measure.

    python bench/gpu/i2vgen_gpu_check.py --out gpu-check.json          # on a CUDA machine
    python bench/gpu/i2vgen_gpu_check.py --dry-run --out dry.json      # tiny config on the CPU

For a machine with torch (CUDA), diffusers (carried as a wheel), onnx and CPU onnxruntime; no Node,
no network. Carry this folder and images/export/ (a few hundred KB). Writes one JSON file with:
  1. per preset (runtime/src/pipeline/presets.ts sizes, square), diffusers' I2VGenXLPipeline step
     time (median interval between UNet calls after the first) and peak CUDA memory, fp16, guidance on;
  2. the fp16 UNet exported by images/export/export_i2vgen_xl.py against torch at t in {981, 501,
     21} (ONNX on the CPU provider, the only one there; when the CPU provider lacks a kernel of the
     fp16 graph, the error is recorded and the fp32 ONNX is compared instead);
  3. `memory_table`: fixed_mb and per_megapixel_frame_mb fitted to the peaks, in the shape of
     images/export/i2v_manifest.py MEMORY_ESTIMATES["fp16"], to replace the estimates.
--dry-run runs all three on the tiny config, fp32 torch on the CPU, small sizes; the parity suite
runs it (runtime/test/real-model/parity/parity.test.ts).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "images", "export"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch_compat import install  # noqa: E402

install()
import i2vgen_full  # noqa: E402

PRESETS = {"quick": (256, 8), "standard": (512, 16), "high": (768, 24), "max": (1024, 32)}
DRY_PRESETS = {"quick": (32, 2), "standard": (48, 4)}
TIMESTEPS = (981, 501, 21)


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def reference_steps(pipe, device, presets, steps, log):
    """Step time = interval between consecutive UNet calls (UNet + guidance + scheduler step)."""
    from PIL import Image

    results = []
    forward = pipe.unet.forward
    for name, (side, frames) in presets.items():
        image = Image.fromarray((np.random.default_rng(0).random((side, side, 3)) * 255).astype(np.uint8))
        stamps = []

        def timed(*args, **kwargs):
            sync(device)
            stamps.append(time.perf_counter())
            return forward(*args, **kwargs)

        pipe.unet.forward = timed
        if device == "cuda":
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        row = {"preset": name, "width": side, "height": side, "frames": frames, "steps": steps}
        try:
            with torch.no_grad():
                pipe(prompt="a cat walking", image=image, height=side, width=side, num_frames=frames,
                     num_inference_steps=steps, guidance_scale=9.0, output_type="latent")
            sync(device)
            intervals = [b - a for a, b in zip(stamps[1:], stamps[2:])]
            row["step_s"] = round(statistics.median(intervals), 4) if intervals else None
            if device == "cuda":
                row["peak_mb"] = round(torch.cuda.max_memory_allocated() / 2**20)
        except RuntimeError as error:  # torch.cuda.OutOfMemoryError is a RuntimeError
            row["error"] = str(error).splitlines()[0][:300]
            if device == "cuda":
                torch.cuda.empty_cache()
        finally:
            pipe.unet.forward = forward
        log(f"  {name}: {row}")
        results.append(row)
    return results


def memory_table(rows):
    """Least-squares fit peak_mb = fixed + per_mpf * (w * h * frames / 1e6) over the measured presets."""
    points = [(r["width"] * r["height"] * r["frames"] / 1e6, r["peak_mb"]) for r in rows if "peak_mb" in r]
    if len(points) < 2:
        return None
    xs, ys = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    slope, intercept = np.polyfit(xs, ys, 1)
    return {"fixed_mb": int(round(intercept)), "per_megapixel_frame_mb": int(round(slope)), "points": len(points)}


def unet_against_torch(unet, device, dtype, out_dir, side, frames, optimizer, log):
    """Exports the UNet (fp32, then fp16 as the exporter does) and compares with torch per timestep."""
    import onnxruntime as ort

    import export_i2vgen_xl as ex
    from diffusers.models.attention_processor import AttnProcessor

    cpu_unet = unet.to("cpu", torch.float32)
    cpu_unet.set_attn_processor(AttnProcessor())
    ex.replace_adaptive_pools(cpu_unet)
    wrapper = ex.UNet(cpu_unet).eval()
    g = torch.Generator().manual_seed(0)
    h = w = side // 8
    c = cpu_unet.config.in_channels
    d = cpu_unet.config.cross_attention_dim

    def inputs(t):
        return (
            torch.randn(2, c, frames, h, w, generator=g),
            torch.tensor([t], dtype=torch.int64),
            torch.randn(2, 77, d, generator=g),
            torch.full((2,), 16, dtype=torch.int64),
            torch.randn(2, c, frames, h, w, generator=g),
            torch.randn(2, 1, d, generator=g),
        )

    started = time.perf_counter()
    fp32_path = ex.export_fp32("unet", wrapper, inputs(501), out_dir)
    # The dry run skips ORT's optimizer (minutes on the CPU) and so takes the unfused conversion on
    # purpose; the GPU run must fuse attention or fail, as the exporter does.
    fp16_path, how, kept = ex.convert_fp16("unet", fp32_path, optimizer=optimizer, allow_unfused=not optimizer)
    export_s = time.perf_counter() - started
    sessions = {}
    for label, path in (("fp16", fp16_path), ("fp32", fp32_path)):
        try:
            sessions[label] = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 - recorded, the other variant still runs
            sessions[label] = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    reference = unet.to(device, dtype)
    rows = []
    for t in TIMESTEPS:
        args = inputs(t)
        with torch.no_grad():
            expected32 = wrapper(*args).numpy()
            moved = [a.to(device) if a.dtype == torch.int64 else a.to(device, dtype) for a in args]
            expected = reference(moved[0], moved[1], encoder_hidden_states=moved[2], fps=moved[3],
                                 image_latents=moved[4], image_embeddings=moved[5]).sample.float().cpu().numpy()
        row = {"t": t, "torch_dtype": str(dtype).replace("torch.", ""),
               "torch_vs_fp32_torch_max_abs": float(np.abs(expected - expected32).max())}
        for label, session in sessions.items():
            if isinstance(session, str):
                row[f"onnx_{label}_error"] = session
                continue
            feeds = {i.name: a.numpy() for i, a in zip(session.get_inputs(), args)}
            try:
                got = session.run(None, feeds)[0].astype(np.float32)
                row[f"onnx_{label}_max_abs"] = float(np.abs(got - expected).max())
                row[f"onnx_{label}_nan"] = bool(np.isnan(got).any())
            except Exception as error:  # noqa: BLE001
                row[f"onnx_{label}_error"] = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
        log(f"  t={t}: {row}")
        rows.append(row)
    return {"export_s": round(export_s, 1), "fp16_conversion": how, "fp16_kept_fp32": kept,
            "latent": [frames, h, w], "timesteps": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="tiny config, CPU, fp32 torch")
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, default=4, help="denoising steps per preset (>= 3: the first interval is dropped)")
    parser.add_argument("--skip-presets", action="store_true")
    args = parser.parse_args()
    log = lambda line: print(line, flush=True)  # noqa: E731
    device = "cpu" if args.dry_run else "cuda"
    if device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device; use --dry-run for the CPU check")
    dtype = torch.float32 if args.dry_run else torch.float16
    report = {"dry_run": args.dry_run, "torch": torch.__version__, "device": device,
              "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None}
    import diffusers

    report["diffusers"] = diffusers.__version__
    started = time.perf_counter()
    pipe = i2vgen_full.build_pipeline(tiny=args.dry_run)
    pipe = pipe.to(device, dtype)
    pipe.set_progress_bar_config(disable=True)
    report["build_s"] = round(time.perf_counter() - started, 1)
    report["unet_params"] = sum(p.numel() for p in pipe.unet.parameters())
    if not args.skip_presets:
        log("reference pipeline per preset")
        report["presets"] = reference_steps(pipe, device, DRY_PRESETS if args.dry_run else PRESETS, args.steps, log)
        report["memory_table"] = memory_table(report["presets"])
    log("exported UNet against torch")
    with tempfile.TemporaryDirectory(prefix="i2v-gpu-check-") as scratch:
        side, frames = (32, 2) if args.dry_run else (256, 4)
        report["unet"] = unet_against_torch(pipe.unet, device, dtype, scratch, side, frames,
                                            optimizer=not args.dry_run, log=log)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
