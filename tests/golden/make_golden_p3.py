#!/usr/bin/env python
"""Golden numbers for P3, computed by running the ORIGINAL pyjepa 0.3.0 code (imported from its wheel, never
copied here). Our own driver; see README.md for the install recipe.

For every case of golden.json (same inputs, read from golden.npz) and two direction sets, the value and the
gradient of its sum that `pyjepa.losses.sigreg.SIGReg(num_proj=M)` returns:
  own_step0     torch.manual_seed(0) immediately before the call: the source's own draw;
  inj_seed1234  torch.randn intercepted (TorchFunctionMode) for the duration of the forward, returning the raw
                draw randn(K, M, generator=Generator().manual_seed(1234)); the source normalises it itself.
The matrix the source actually multiplies with is captured at its matmul. Also: the source's draws on calls 0, 1,
2 after torch.manual_seed(0) (for draw_directions), and its behaviour on float64 / bfloat16 input.
Writes golden_p3.json and golden_p3.npz next to this file.
"""

import hashlib
import json
import os
import platform
import sys

import numpy as np
import pyjepa
import torch
from pyjepa.losses import sigreg as source
from torch.overrides import TorchFunctionMode

torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
WHEEL = os.environ.get("PYJEPA_WHEEL", "/tmp/pyjepa/pyjepa-0.3.0-py3-none-any.whl")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Capture(TorchFunctionMode):
    """Records the right operand of every matmul; optionally replaces the result of torch.randn."""

    def __init__(self, replacement=None):
        super().__init__()
        self.replacement, self.operands, self.requested = replacement, [], []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is torch.randn and self.replacement is not None:
            self.requested.append({"shape": list(args[0:2]), "dtype": str(kwargs.get("dtype"))})
            return self.replacement.clone().to(kwargs.get("dtype") or torch.float32)
        if "matmul" in getattr(func, "__name__", "") and args[1].dim() == 2 and not args[1].requires_grad:
            self.operands.append(args[1].detach().clone())
        return func(*args, **kwargs)


def run(module, x, replacement=None):
    xx = x.clone().requires_grad_(True)
    with Capture(replacement) as capture:
        value = module(xx)
    value.sum().backward()
    return value.detach(), xx.grad, capture.operands[0]


def main():
    golden = json.load(open(os.path.join(HERE, "golden.json")))
    inputs = dict(np.load(os.path.join(HERE, "golden.npz")))
    arrays, records = {}, []
    for case in golden["cases"]:
        x = torch.from_numpy(inputs[case["x_array"]])
        k, m = x.shape[-1], case["M"]
        module = source.SIGReg(num_proj=m)
        torch.manual_seed(0)
        own = run(module, x)
        raw = torch.randn(k, m, generator=torch.Generator().manual_seed(1234))
        injected = run(module, x, raw)
        for tag, (value, grad, a) in (("own_step0", own), ("inj_seed1234", injected)):
            names = {"x": case["x_array"], "A": f"A.{tag}.{case['name']}", "grad": f"grad.{tag}.{case['name']}"}
            arrays[names["A"]], arrays[names["grad"]] = a.numpy(), grad.numpy()
            records.append(
                {
                    "case": case["name"],
                    "source": "P3",
                    "directions": tag,
                    "value": float(value),
                    "value_f32_hex": value.numpy().astype(np.float32).tobytes()[::-1].hex(),
                    "shape": list(value.shape),
                    "dtype": str(value.dtype),
                    "arrays": names,
                }
            )
    draws = {}
    for k, m in sorted({(c["shape"][-1], c["M"]) for c in golden["cases"]}):
        module = source.SIGReg(num_proj=m)
        x = torch.zeros(4, k)
        torch.manual_seed(0)
        names = []
        for step in range(3):
            with Capture() as capture:
                module(x)
            name = f"draw.P3.K{k}_M{m}.step{step}"
            arrays[name] = capture.operands[0].numpy()
            names.append(name)
        draws[f"K{k}_M{m}"] = {"arrays": names, "shape": [k, m], "how": "torch.manual_seed(0), then 3 calls"}
    dtype_behaviour = {}
    x = torch.from_numpy(inputs[golden["cases"][0]["x_array"]])
    for dtype in (torch.float64, torch.bfloat16):
        torch.manual_seed(0)
        try:
            out = source.SIGReg(num_proj=golden["cases"][0]["M"])(x.to(dtype))
            dtype_behaviour[str(dtype)] = {"status": "ok", "value": float(out), "out_dtype": str(out.dtype)}
        except Exception as error:
            dtype_behaviour[str(dtype)] = {"status": "raises", "exception": type(error).__name__, "message": str(error)}
    np.savez_compressed(os.path.join(HERE, "golden_p3.npz"), **arrays)
    meta = {
        "source": "pyjepa==0.3.0",
        "wheel_sha256": sha256(WHEEL),
        "file": "pyjepa/losses/sigreg.py",
        "file_sha256": sha256(source.__file__),
        "lines": [23, 59],
        "pyjepa_version": pyjepa.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "argv": sys.argv,
    }
    out = {"meta": meta, "records": records, "draws": draws, "dtype_behaviour": dtype_behaviour}
    with open(os.path.join(HERE, "golden_p3.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
