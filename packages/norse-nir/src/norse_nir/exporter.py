"""Export: Norse neurons and torch layers to a NIR graph.

:func:`to_nir` walks the module (``nn.Sequential``, ``SequentialState``, ``Lift`` and nested
containers are chained; other modules are leaves), records every leaf's input shape by
running ``sample_input`` once, and converts each leaf. Neuron parameters are written per
neuron with the full layer shape (scalars are broadcast). Conversions (``dt`` in seconds,
Norse rates ``*_inv`` in 1/s):

============================  ===============================================================
Norse module                  NIR node
============================  ===============================================================
``LIFBoxCell``, ``LIFBox``    ``LIF(tau = 1/tau_mem_inv, r = 1, v_leak, v_threshold = v_th,
                              v_reset)``
``LIBoxCell``, ``LIBox``      ``LI(tau = 1/tau_mem_inv, r = 1, v_leak)``
``LIFCell``, ``LIF``          ``CubaLIF(tau_syn = 1/tau_syn_inv, tau_mem = 1/tau_mem_inv,
                              r = 1, v_leak, v_threshold = v_th, v_reset,
                              w_in = 1/(dt·tau_syn_inv))``
``LICell``, ``LI``            ``CubaLI(tau_syn, tau_mem, r = 1, v_leak, w_in = 1/(dt·tau_syn_inv))``
``IAFCell``, ``IAF``          ``IF(r = 1/dt, v_threshold = v_th, v_reset)``
``LIFRecurrentCell``,         a nested ``NIRGraph``: ``input → w_in (Linear) → lif (CubaLIF)
``LIFRecurrent``              → output`` and ``lif → w_rec (Linear) → lif`` (a recurrent edge)
``nn.Linear``                 ``Affine`` (``Linear`` without bias)
``nn.Conv1d``, ``nn.Conv2d``  ``Conv1d``, ``Conv2d`` with ``input_shape``
``nn.Flatten``                ``Flatten(start_dim − 1, end_dim − 1)`` (NIR excludes batch)
``nn.AvgPool2d``              ``AvgPool2d``
``nn.LPPool2d(1, ...)``       ``SumPool2d`` (sum pooling)
``nn.Identity``               no node (an edge)
============================  ===============================================================

Why these are exact: Norse's ``dv = dt·tau_mem_inv·((v_leak − v) + i)`` is NIR's
``τ·dv/dt = (v_leak − v) + r·I`` with ``τ = 1/tau_mem_inv`` and ``r = 1``. Norse's ``LIFCell``
adds its input to the current at the start of the step (``i ← i + x``); the NIR Euler step
``I ← I + dt/τ_syn·(−I + w_in·x)`` does the same when ``w_in = τ_syn/dt``. ``IAF`` adds its
input to ``v`` (``v ← v + x``), i.e. ``dt·r = 1``. :func:`norse_nir.from_nir` with the same
``dt`` (and ``integration`` equal to the modules' ``integrator``) reproduces the module.

What NIR cannot express is refused with a ``ValueError``: reset by subtraction (unless
``approximate_subtract_reset=True``, which writes a reset to ``v_reset``, the continuous-time
limit; the graph's metadata then lists the affected nodes under ``"approximations"``), and
models without a NIR node (refractory, adaptive, conductance-based neurons ...). Plugins add
exports through ``norse_register_nir_converters``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nir
import numpy as np
import torch
from torch import nn

from norse_nir.converters import export_converter

__all__ = ["to_nir"]


def _array(value: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    array = torch.as_tensor(value).detach().cpu().double().numpy()
    try:
        return np.broadcast_to(array, shape).astype(np.float32)
    except ValueError as error:
        raise ValueError(
            f"{where} has shape {array.shape}, which does not fit the layer {shape}"
        ) from error


class _Context:
    """Options and bookkeeping of one export."""

    def __init__(self, dt: float | None, approximate: bool, shapes: dict[int, tuple[int, ...]]):
        self.dt = dt
        self.approximate = approximate
        self.shapes = shapes
        self.approximations: list[str] = []

    def module_dt(self, module: nn.Module, name: str) -> float:
        own = float(getattr(module, "dt", self.dt if self.dt is not None else 0.0))
        if self.dt is None:
            self.dt = own
        elif not np.isclose(own, self.dt, rtol=1e-9, atol=0.0):
            raise ValueError(
                f"module {name!r} ({type(module).__name__}) has dt={own}, but the export uses "
                f"dt={self.dt}; NIR graphs have one dt"
            )
        return self.dt

    def shape(self, module: nn.Module, name: str) -> tuple[int, ...]:
        if id(module) not in self.shapes:
            raise ValueError(
                f"module {name!r} ({type(module).__name__}) was not called by sample_input"
            )
        return self.shapes[id(module)]

    def reset(self, p: Any, name: str) -> None:
        from norse.torch.functional.reset import reset_value

        method = getattr(p, "reset_method", reset_value)
        if method is reset_value:
            return
        if not self.approximate:
            raise ValueError(
                f"module {name!r} resets by {getattr(method, '__name__', method)}; NIR only "
                "resets to v_reset. Pass approximate_subtract_reset=True to export it as a "
                "reset to v_reset (exact only in continuous time)"
            )
        self.approximations.append(f"{name}: reset_subtract exported as reset to v_reset")


def _lif_box(m: nn.Module, name: str, ctx: _Context) -> nir.NIRNode:
    p, shape = m.p, ctx.shape(m, name)
    ctx.module_dt(m, name)
    ctx.reset(p, name)
    return nir.LIF(
        tau=_array(1.0 / torch.as_tensor(p.tau_mem_inv), shape, f"{name}.tau_mem_inv"),
        r=np.ones(shape, dtype=np.float32),
        v_leak=_array(p.v_leak, shape, f"{name}.v_leak"),
        v_threshold=_array(p.v_th, shape, f"{name}.v_th"),
        v_reset=_array(p.v_reset, shape, f"{name}.v_reset"),
    )


def _li_box(m: nn.Module, name: str, ctx: _Context) -> nir.NIRNode:
    p, shape = m.p, ctx.shape(m, name)
    ctx.module_dt(m, name)
    return nir.LI(
        tau=_array(1.0 / torch.as_tensor(p.tau_mem_inv), shape, f"{name}.tau_mem_inv"),
        r=np.ones(shape, dtype=np.float32),
        v_leak=_array(p.v_leak, shape, f"{name}.v_leak"),
    )


def _cuba_fields(m: nn.Module, name: str, ctx: _Context, shape: tuple[int, ...]) -> dict:
    p = m.p
    dt = ctx.module_dt(m, name)
    tau_syn = _array(1.0 / torch.as_tensor(p.tau_syn_inv).double(), shape, f"{name}.tau_syn_inv")
    return {
        "tau_syn": tau_syn,
        "tau_mem": _array(
            1.0 / torch.as_tensor(p.tau_mem_inv).double(), shape, f"{name}.tau_mem_inv"
        ),
        "r": np.ones(shape, dtype=np.float32),
        "v_leak": _array(p.v_leak, shape, f"{name}.v_leak"),
        "w_in": _array(
            1.0 / (dt * torch.as_tensor(p.tau_syn_inv).double()), shape, f"{name}.tau_syn_inv"
        ),
    }


def _lif(m: nn.Module, name: str, ctx: _Context) -> nir.NIRNode:
    shape = ctx.shape(m, name)
    ctx.reset(m.p, name)
    return nir.CubaLIF(
        **_cuba_fields(m, name, ctx, shape),
        v_threshold=_array(m.p.v_th, shape, f"{name}.v_th"),
        v_reset=_array(m.p.v_reset, shape, f"{name}.v_reset"),
    )


def _li(m: nn.Module, name: str, ctx: _Context) -> nir.NIRNode:
    return nir.CubaLI(**_cuba_fields(m, name, ctx, ctx.shape(m, name)))


def _iaf(m: nn.Module, name: str, ctx: _Context) -> nir.NIRNode:
    p, shape = m.p, ctx.shape(m, name)
    dt = ctx.module_dt(m, name)
    ctx.reset(p, name)
    return nir.IF(
        r=np.full(shape, 1.0 / dt, dtype=np.float32),
        v_threshold=_array(p.v_th, shape, f"{name}.v_th"),
        v_reset=_array(p.v_reset, shape, f"{name}.v_reset"),
    )


def _lif_recurrent(m: nn.Module, name: str, ctx: _Context) -> nir.NIRNode:
    hidden = (int(m.hidden_size),)
    ctx.reset(m.p, name)
    w_in, w_rec = (w.detach().cpu().numpy().astype(np.float32) for w in m.weights())
    lif = nir.CubaLIF(
        **_cuba_fields(m, name, ctx, hidden),
        v_threshold=_array(m.p.v_th, hidden, f"{name}.v_th"),
        v_reset=_array(m.p.v_reset, hidden, f"{name}.v_reset"),
    )
    nodes = {
        "input": nir.Input(input_type={"input": np.array([m.input_size])}),
        "w_in": nir.Linear(weight=w_in),
        "lif": lif,
        "w_rec": nir.Linear(weight=w_rec),
        "output": nir.Output(output_type={"output": np.array(hidden)}),
    }
    edges = [
        ("input", "w_in"),
        ("w_in", "lif"),
        ("lif", "w_rec"),
        ("w_rec", "lif"),
        ("lif", "output"),
    ]
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _linear(m: nn.Linear, name: str, ctx: _Context) -> nir.NIRNode:
    weight = m.weight.detach().cpu().numpy()
    if m.bias is None:
        return nir.Linear(weight=weight)
    return nir.Affine(weight=weight, bias=m.bias.detach().cpu().numpy())


def _conv(m: nn.Conv1d | nn.Conv2d, name: str, ctx: _Context) -> nir.NIRNode:
    if m.padding_mode != "zeros":
        raise ValueError(
            f"module {name!r}: NIR convolutions pad with zeros, got padding_mode={m.padding_mode!r}"
        )
    shape = ctx.shape(m, name)
    weight = m.weight.detach().cpu().numpy()
    bias = (
        np.zeros(weight.shape[0], dtype=weight.dtype)
        if m.bias is None
        else m.bias.detach().cpu().numpy()
    )
    padding = m.padding if isinstance(m.padding, str) else np.array(m.padding)
    if isinstance(m, nn.Conv1d):
        return nir.Conv1d(
            input_shape=shape[1],
            weight=weight,
            stride=m.stride[0],
            padding=padding if isinstance(padding, str) else int(padding[0]),
            dilation=m.dilation[0],
            groups=m.groups,
            bias=bias,
        )
    return nir.Conv2d(
        input_shape=shape[1:],
        weight=weight,
        stride=np.array(m.stride),
        padding=padding,
        dilation=np.array(m.dilation),
        groups=m.groups,
        bias=bias,
    )


def _flatten(m: nn.Flatten, name: str, ctx: _Context) -> nir.NIRNode:
    shape = ctx.shape(m, name)
    rank = len(shape) + 1  # with the batch dim
    start, end = m.start_dim % rank, m.end_dim % rank
    if start == 0:
        raise ValueError(f"module {name!r}: flattening the batch dimension cannot be exported")
    return nir.Flatten(input_type={"input": np.array(shape)}, start_dim=start - 1, end_dim=end - 1)


def _pair(value: Any) -> np.ndarray:
    return np.array(value if isinstance(value, (tuple, list)) else (value, value))


def _avg_pool(m: nn.AvgPool2d, name: str, ctx: _Context) -> nir.NIRNode:
    if (
        m.ceil_mode
        or m.divisor_override is not None
        or (not m.count_include_pad and np.any(_pair(m.padding)))
    ):
        raise ValueError(
            f"module {name!r}: NIR AvgPool2d has no ceil_mode, divisor_override or "
            "count_include_pad=False with padding"
        )
    stride = m.stride if m.stride is not None else m.kernel_size
    return nir.AvgPool2d(
        kernel_size=_pair(m.kernel_size), stride=_pair(stride), padding=_pair(m.padding)
    )


def _sum_pool(m: nn.LPPool2d, name: str, ctx: _Context) -> nir.NIRNode:
    if float(m.norm_type) != 1.0 or m.ceil_mode:
        raise ValueError(
            f"module {name!r}: only LPPool2d(norm_type=1, ceil_mode=False) is sum pooling"
        )
    stride = m.stride if m.stride is not None else m.kernel_size
    return nir.SumPool2d(
        kernel_size=_pair(m.kernel_size), stride=_pair(stride), padding=np.array([0, 0])
    )


_ELEMENTWISE = (
    nir.I,
    nir.IF,
    nir.LI,
    nir.LIF,
    nir.CubaLI,
    nir.CubaLIF,
    nir.Threshold,
    nir.Scale,
    nir.Delay,
)


def _broadcast_node(node: Any, shape: tuple[int, ...], name: str) -> nir.NIRNode:
    """Write a plugin's elementwise node (and its array metadata) per neuron of the layer."""
    if not isinstance(node, nir.NIRNode):
        raise TypeError(
            f"the NIR converter of module {name!r} returned {type(node).__name__}, not a NIR node"
        )
    if not isinstance(node, _ELEMENTWISE):
        return node
    fields = {
        key: _array(value, shape, f"{name}.{key}")
        for key, value in vars(node).items()
        if key not in ("input_type", "output_type", "metadata")
    }
    metadata = {
        key: _array(value, shape, f"{name}.metadata.{key}")
        if isinstance(value, np.ndarray)
        else value
        for key, value in node.metadata.items()
    }
    return type(node)(**fields, metadata=metadata)


def _builtin_exports() -> dict[type, Callable[[Any, str, _Context], nir.NIRNode]]:
    import norse.torch as snn

    return {
        snn.LIFBoxCell: _lif_box,
        snn.LIFBox: _lif_box,
        snn.LIBoxCell: _li_box,
        snn.LIBox: _li_box,
        snn.LIFCell: _lif,
        snn.LIF: _lif,
        snn.LICell: _li,
        snn.LI: _li,
        snn.IAFCell: _iaf,
        snn.IAF: _iaf,
        snn.LIFRecurrentCell: _lif_recurrent,
        snn.LIFRecurrent: _lif_recurrent,
        nn.Linear: _linear,
        nn.Conv1d: _conv,
        nn.Conv2d: _conv,
        nn.Flatten: _flatten,
        nn.AvgPool2d: _avg_pool,
        nn.LPPool2d: _sum_pool,
    }


def _containers() -> tuple[type, ...]:
    from norse.torch import Lift, SequentialState

    return (nn.Sequential, SequentialState, Lift)


def _children(module: nn.Module) -> list[tuple[str, nn.Module]]:
    from norse.torch import Lift

    if isinstance(module, Lift):
        return [("lifted", next(iter(module.children())))]
    return list(module.named_children())


def _leaves(module: nn.Module, name: str) -> list[tuple[str, nn.Module]]:
    if isinstance(module, _containers()):
        out = []
        for child_name, child in _children(module):
            out += _leaves(child, f"{name}.{child_name}" if name else child_name)
        return out
    return [(name or type(module).__name__.lower(), module)]


def _is_sequence_module(module: nn.Module) -> bool:
    from norse.torch import Lift
    from norse.torch.module.snn import SNN

    return any(isinstance(m, (SNN, Lift)) for m in module.modules())


def to_nir(
    module: nn.Module,
    sample_input: torch.Tensor,
    dt: float | None = None,
    *,
    approximate_subtract_reset: bool = False,
) -> nir.NIRGraph:
    """Export ``module`` as a NIR graph.

    Args:
        module: a Norse neuron module, a supported torch layer, or an ``nn.Sequential`` /
            ``SequentialState`` / ``Lift`` of them (see the module docstring's table).
        sample_input: an example input: one step ``(B, *features)``, or a sequence
            ``(T, B, *features)`` when the module contains sequence modules (``LIF``,
            ``Lift``, ...). It is run once to record the layer shapes.
        dt: the time step in seconds; None (default) takes the modules' ``dt`` (which must
            agree); a value that differs from a module's ``dt`` is a ``ValueError``.
        approximate_subtract_reset: export ``reset_subtract`` neurons as a reset to
            ``v_reset`` (listed in ``graph.metadata["approximations"]``) instead of refusing.

    Returns:
        A ``nir.NIRGraph`` with an ``input`` and an ``output`` node; its metadata holds
        ``dt``.

    Raises:
        TypeError: for a module type that has no NIR export, or a non-tensor input.
        ValueError: for what NIR cannot express (subtractive reset, mixed dt, ...).
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(sample_input, torch.Tensor):
        raise TypeError(f"sample_input must be a torch.Tensor, got {type(sample_input).__name__}")
    if dt is not None and (isinstance(dt, bool) or not isinstance(dt, (int, float)) or not dt > 0):
        raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
    lead = 2 if _is_sequence_module(module) else 1
    if sample_input.ndim <= lead:
        raise ValueError(
            f"sample_input must have {lead} leading dim(s) ({'T, B' if lead == 2 else 'B'}) "
            f"and features, got shape {tuple(sample_input.shape)}"
        )
    leaves = _leaves(module, "")
    shapes: dict[int, tuple[int, ...]] = {}

    def record(m: nn.Module, args: tuple) -> None:
        if args and isinstance(args[0], torch.Tensor):
            shapes.setdefault(id(m), tuple(args[0].shape[lead:]))

    handles = [m.register_forward_pre_hook(record) for _, m in leaves]
    try:
        with torch.no_grad():
            module(sample_input)
    finally:
        for handle in handles:
            handle.remove()
    ctx = _Context(None if dt is None else float(dt), approximate_subtract_reset, shapes)
    exports = _builtin_exports()
    nodes: dict[str, nir.NIRNode] = {
        "input": nir.Input(input_type={"input": np.array(sample_input.shape[lead:])})
    }
    edges: list[tuple[str, str]] = []
    previous = "input"
    for name, leaf in leaves:
        if isinstance(leaf, nn.Identity):
            continue
        convert = exports.get(type(leaf))
        plugin = export_converter(leaf)
        if plugin is not None:
            node = _broadcast_node(
                plugin(leaf, ctx.module_dt(leaf, name)), ctx.shape(leaf, name), name
            )
        elif convert is not None:
            node = convert(leaf, name, ctx)
        else:
            raise TypeError(
                f"module {name!r} of type {type(leaf).__name__} has no NIR export; supported: "
                f"{sorted(t.__name__ for t in exports)} and plugin converters"
            )
        nodes[name] = node
        edges.append((previous, name))
        previous = name
    with torch.no_grad():
        out = module(sample_input)
    out = out[0] if isinstance(out, tuple) else out
    nodes["output"] = nir.Output(output_type={"output": np.array(out.shape[lead:])})
    edges.append((previous, "output"))
    metadata: dict[str, Any] = {}
    if ctx.dt is not None:
        metadata["dt"] = ctx.dt
    if ctx.approximations:
        metadata["approximations"] = "; ".join(ctx.approximations)
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata, type_check=False)
