"""The exporter's fp16 conversion on the parity suite's exported UNet: fused attention, or a named failure.

    python fused_attention_check.py FP32_UNET_ONNX SCRATCH_DIR [--disable-attention-fusion]

Runs images/export/export_i2vgen_xl.py's convert_fp16 on a copy of the fp32 UNet and counts, in
the fp16 graph it writes, ONNX Runtime's fused attention operators (com.microsoft) and the Softmax
nodes left. With --disable-attention-fusion the optimizer's attention fusion is switched off (as
when its pattern match misses a real model's graph): the conversion must then fail naming the
reason, and with allow_unfused it must convert and report the attention as unfused. One JSON line.
"""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "images", "export"))
import onnx  # noqa: E402

import export_i2vgen_xl as ex  # noqa: E402

source, scratch = sys.argv[1], sys.argv[2]
disable = "--disable-attention-fusion" in sys.argv[3:]
if disable:
    from onnxruntime.transformers import fusion_options

    original = fusion_options.FusionOptions.__init__

    def without_attention(self, model_type):
        original(self, model_type)
        self.enable_attention = False

    fusion_options.FusionOptions.__init__ = without_attention

os.makedirs(scratch, exist_ok=True)
for name in os.listdir(os.path.dirname(source)):
    if name.startswith("model.fp32"):
        shutil.copy(os.path.join(os.path.dirname(source), name), scratch)
fp32 = os.path.join(scratch, "model.fp32.onnx")


def counts(path):
    graph = onnx.load(path, load_external_data=False).graph
    result = {}
    for node in graph.node:
        key = f"{node.domain or 'ai.onnx'}:{node.op_type}"
        if node.op_type in ex.FUSED_ATTENTION_OPS or node.op_type == "Softmax":
            result[key] = result.get(key, 0) + 1
    return result


result = {"fp32_ops": counts(fp32)}
try:
    target, how, info = ex.convert_fp16("unet", fp32)
    result.update(conversion=how, ops=counts(target), info=info)
except ex.UnfusedAttention as error:
    result["error"] = str(error)
    target, how, info = ex.convert_fp16("unet", fp32, allow_unfused=True)
    result.update(allowed={"conversion": how, "ops": counts(target), "info": info})
print(json.dumps(result))
