"""NIR mapping of the QIF neuron, used by norse-nir when it is installed.

NIR has no quadratic neuron. ``QIFCell`` is exported as the NIR ``LIF`` node that other
tools can run as a linear approximation (``tau = 1/tau_mem_inv``, ``r = 1``,
``v_leak = v_rest``, ``v_threshold = v_th``, ``v_reset``), tagged with
``metadata = {"norse_converter": "qif", "a": a, "v_c": v_c}`` so that Norse imports the exact
QIF neuron back. ``nir`` is imported lazily: the plugin itself does not depend on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from norse_plugin_example.qif import QIFCell, QIFParameters


def _array(value: Any) -> np.ndarray:
    return np.asarray(torch.as_tensor(value).detach().cpu().double().numpy(), dtype=np.float32)


def qif_to_nir(module: QIFCell, dt: float) -> Any:
    """``QIFCell`` -> tagged NIR ``LIF`` (parameters as arrays; norse-nir broadcasts them)."""
    import nir

    p = module.p
    values = {
        "tau": _array(1.0 / torch.as_tensor(p.tau_mem_inv)),
        "v_leak": _array(p.v_rest),
        "v_threshold": _array(p.v_th),
        "v_reset": _array(p.v_reset),
        "a": _array(p.a),
        "v_c": _array(p.v_c),
    }
    shape = np.broadcast_shapes(*(v.shape for v in values.values()))
    full = {key: np.broadcast_to(value, shape).copy() for key, value in values.items()}
    return nir.LIF(
        tau=full["tau"],
        r=np.ones(shape, dtype=np.float32),
        v_leak=full["v_leak"],
        v_threshold=full["v_threshold"],
        v_reset=full["v_reset"],
        metadata={"norse_converter": "qif", "a": full["a"], "v_c": full["v_c"]},
    )


def qif_from_nir(node: Any, dt: float) -> QIFCell:
    """Tagged NIR ``LIF`` -> ``QIFCell`` with the same ``dt`` (a stateful module)."""
    tensor = torch.as_tensor
    p = QIFParameters(
        tau_mem_inv=1.0 / tensor(np.asarray(node.tau, dtype=np.float32)),
        a=tensor(np.asarray(node.metadata["a"], dtype=np.float32)),
        v_rest=tensor(np.asarray(node.v_leak, dtype=np.float32)),
        v_c=tensor(np.asarray(node.metadata["v_c"], dtype=np.float32)),
        v_th=tensor(np.asarray(node.v_threshold, dtype=np.float32)),
        v_reset=tensor(np.asarray(node.v_reset, dtype=np.float32)),
    )
    cell = QIFCell(p, dt=dt)
    cell.nir_stateful = True
    return cell
