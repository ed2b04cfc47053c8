"""The exporter's fp16 rule on the parity suite's exported UNet: blocked scopes stay fp32.

    python fp16_check.py FP32_UNET_ONNX SCRATCH_DIR  (prints kept, casts_added, checked, loads)

Converts with onnxconverter-common (the exporter's fallback; the ORT optimizer path takes minutes
even on the tiny model) once with the exporter's node_block_list and once without, and prints
{"kept": N, "checked": N, "unblocked_error": "..."}: the check must pass on the first and fail on
the second.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "images", "export"))
import onnx  # noqa: E402
from onnxconverter_common import float16  # noqa: E402

import export_i2vgen_xl as ex  # noqa: E402

source, scratch = sys.argv[1], sys.argv[2]
os.makedirs(scratch, exist_ok=True)
blocked = ex.fp32_nodes("unet", onnx.load(source, load_external_data=False).graph)
result = {"kept": len(blocked)}
for label, block in (("blocked", blocked), ("unblocked", [])):
    model = float16.convert_float_to_float16(
        onnx.load(source), keep_io_types=True, disable_shape_infer=True, node_block_list=block
    )
    target = os.path.join(scratch, f"{label}.onnx")
    onnx.save_model(model, target, save_as_external_data=True, location=f"{label}.data")
    try:
        if label == "blocked":
            result["casts_added"] = ex.cast_fp32_outputs(target, blocked)
        result["checked" if label == "blocked" else "unblocked_checked"] = ex.check_fp32_nodes(target, blocked)
    except SystemExit as error:
        result[f"{label}_error"] = str(error)
    if label == "blocked":
        # ORT type-checks the whole graph at load: a missing cast fails here.
        import onnxruntime as ort

        try:
            ort.InferenceSession(target, providers=["CPUExecutionProvider"])
            result["loads"] = True
        except Exception as error:  # noqa: BLE001
            result["load_error"] = str(error).splitlines()[0]
print(json.dumps(result))
