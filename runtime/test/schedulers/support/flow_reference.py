"""diffusers' own flow schedulers over a full loop, for the TypeScript port's test.

stdin: {"dir": D, "cases": [{"class": "unipc" | "flow-match-euler", "config": {...}, "steps": N,
        "length": L}]}. For case i, D/i.sample.f32 holds the first sample (L float32) and
D/i.outputs.f32 N x L float32 "model" terms; the model output at step k is
0.5 * sample + outputs[k] (float32), so each step depends on the scheduler's state.
Writes D/i.trace.f32 (the sample after every step, N x L) and prints, per case, the timesteps
and sigmas as JSON.
"""

import json
import sys

import numpy as np
import torch
from diffusers import FlowMatchEulerDiscreteScheduler, UniPCMultistepScheduler

CLASSES = {"unipc": UniPCMultistepScheduler, "flow-match-euler": FlowMatchEulerDiscreteScheduler}

spec = json.load(sys.stdin)
results = []
for i, case in enumerate(spec["cases"]):
    scheduler = CLASSES[case["class"]].from_config(case["config"])
    scheduler.set_timesteps(case["steps"])
    n, length = case["steps"], case["length"]
    sample = torch.from_numpy(np.fromfile(f"{spec['dir']}/{i}.sample.f32", dtype=np.float32).copy()).reshape(1, 16, -1)
    outputs = np.fromfile(f"{spec['dir']}/{i}.outputs.f32", dtype=np.float32).reshape(n, length)
    trace = []
    for k, t in enumerate(scheduler.timesteps):
        model_output = 0.5 * sample + torch.from_numpy(outputs[k].copy()).reshape(sample.shape)
        sample = scheduler.step(model_output, t, sample, return_dict=False)[0]
        trace.append(sample.reshape(-1).numpy().astype(np.float32))
    np.stack(trace).tofile(f"{spec['dir']}/{i}.trace.f32")
    results.append(
        {
            "timesteps": [float(t) for t in scheduler.timesteps],
            "sigmas": [float(s) for s in scheduler.sigmas],
        }
    )
print(json.dumps(results))
