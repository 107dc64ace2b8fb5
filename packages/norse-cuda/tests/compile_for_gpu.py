"""Compile every family of norse-cuda's kernels for an NVIDIA GPU, without one.

Run as a script in a process *without* ``TRITON_INTERPRET`` (the interpreter accepts code the
compiler rejects, e.g. a plain global float inside a kernel). Triton lowers each kernel to
PTX and, with its bundled ``ptxas``, to a cubin for the target given on the command line
(default ``90``, Hopper), so type and lowering errors surface here on a CPU-only machine.
Prints one line per kernel variant and ``compiled N variants``; exits non-zero on failure.
"""

from __future__ import annotations

import itertools
import sys

import triton
import triton.language as tl
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource

from norse.torch.functional.surrogate import BUILTIN_SURROGATES
from norse_cuda import leaky

EXPRESSIONS = list(dict.fromkeys(s.expression for s in BUILTIN_SURROGATES if s.expression))

INTS = {"steps", "n", "first", "last"}


def compile_variant(kernel, dtype: str, constexprs: dict, arch: int) -> None:
    signature = {}
    for name in kernel.arg_names:
        if name in constexprs:
            signature[name] = "constexpr"
        elif name in ("d_ptr", "alpha_ptr"):
            signature[name] = "*fp64" if dtype == "fp64" else "*fp32"
        elif name.endswith("_ptr"):
            signature[name] = f"*{dtype}"
        else:
            assert name.startswith("s_") or name in INTS, name
            signature[name] = "i32"
    source = ASTSource(fn=kernel, signature=signature, constexprs=constexprs)
    options = {"num_warps": 4, "enable_fp_fusion": False}
    compiled = triton.compile(source, target=GPUTarget("cuda", arch, 32), options=options)
    ptx = compiled.asm["ptx"]
    assert "st.shared" not in ptx, "a tile round-trips through shared memory"
    skip = ("BLOCK", "CHUNK", "SURROGATE")
    flags = ",".join(f"{k}={v}" for k, v in constexprs.items() if k not in skip)
    print(f"  {kernel.fn.__name__} {dtype} {flags}: {ptx.count('ld.global')} global loads")


def main(arch: int) -> int:
    common = {"BLOCK": 128, "CHUNK": 8}
    count = 0
    for dtype, (current, spiking, subtract) in itertools.chain(
        (("fp32", c) for c in itertools.product((False, True), repeat=3)),
        (
            ("fp16", (True, True, False)),
            ("bf16", (True, True, True)),
            ("fp64", (True, True, False)),
        ),
    ):
        compute = tl.float64 if dtype == "fp64" else tl.float32
        flags = {"CURRENT": current, "SPIKING": spiking, "SUBTRACT": subtract, "COMPUTE": compute}
        compile_variant(leaky._forward_kernel, dtype, {**flags, **common}, arch)
        count += 1
    for dtype in ("fp32", "fp64"):
        compute = tl.float64 if dtype == "fp64" else tl.float32
        compile_variant(leaky._currents_kernel, dtype, {"COMPUTE": compute, **common}, arch)
        count += 1
    needs = dict.fromkeys(("NEED_X", "NEED_P", "NEED_Q", "NEED_O", "NEED_R", "NEED_TH"), True)
    none = {"SURROGATE": leaky.surrogate_function("1"), "INLINE": False}
    for index in range(4):  # with a surrogate derivative s, and without (the plain Heaviside)
        dtype = ("fp32", "fp16", "bf16", "fp64")[index % 4]
        flags = {
            "CURRENT": bool(index % 2),
            "SPIKING": True,
            "SUBTRACT": bool(index // 2 % 2),
            "HAS_S": index != 3,
            **none,
            "HAS_G_OUT": True,
            **needs,
            "NEED_RS": not index // 2 % 2,
            "COMPUTE": tl.float64 if dtype == "fp64" else tl.float32,
        }
        compile_variant(leaky._backward_kernel, dtype, {**flags, **common}, arch)
        count += 1
    # Every built-in surrogate's expression, evaluated inline (kernel contract 1.1).
    for index, expression in enumerate(EXPRESSIONS):
        dtype = ("fp32", "fp64", "bf16")[index % 3]
        flags = {
            "CURRENT": bool(index % 2),
            "SPIKING": True,
            "SUBTRACT": bool(index // 2 % 2),
            "HAS_S": False,
            "SURROGATE": leaky.surrogate_function(expression),
            "INLINE": True,
            "HAS_G_OUT": True,
            **needs,
            "NEED_RS": not index // 2 % 2,
            "COMPUTE": tl.float64 if dtype == "fp64" else tl.float32,
        }
        compile_variant(leaky._backward_kernel, dtype, {**flags, **common}, arch)
        count += 1
    flags = {"CURRENT": False, "SPIKING": False, "SUBTRACT": False, "HAS_S": False, **none}
    flags.update({"HAS_G_OUT": False, "NEED_X": True, "NEED_P": False, "NEED_Q": False})
    flags.update({"NEED_O": False, "NEED_R": False, "NEED_TH": False, "NEED_RS": False})
    compile_variant(
        leaky._backward_kernel, "fp32", {**flags, "COMPUTE": tl.float32, **common}, arch
    )
    count += 1
    print(f"compiled {count} variants")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 90))
