"""Build the spiking layers of :mod:`norse.torch.models` from any registered neuron model."""

from __future__ import annotations

from typing import Any

from torch import nn

from norse import plugins


def fitting_neurons() -> list[str]:
    """Names of the registered neuron models a model in :mod:`norse.torch.models` can use:
    spiking models with a feed-forward cell and a sequence module."""
    return sorted(
        name
        for name, spec in plugins.neurons().items()
        if spec.spiking and spec.cell is not None and spec.sequence is not None
    )


def neuron_layer(neuron: str, method: str, *, sequence: bool, **overrides: Any) -> nn.Module:
    """A layer of the registered neuron model ``neuron`` with surrogate ``method``.

    Args:
        neuron: a registered neuron name (``norse plugins`` lists them), e.g. ``"lif"``.
        method: a registered surrogate name, used if the model's parameters have ``method``.
        sequence: True for the sequence module (``(T, B, ...)``), False for the cell
            (``(B, ...)``, one step).
        overrides: parameter fields to set where the model has them (e.g. ``v_th=0.7``).

    Raises:
        ValueError: ``neuron`` is not registered, or is not a spiking model with a cell and a
            sequence module; the message lists the names that fit.
    """
    spec = plugins.neurons().get(neuron)
    if spec is None or neuron not in fitting_neurons():
        raise ValueError(
            f"neuron must be a registered spiking neuron model with a cell and a sequence "
            f"module, one of {fitting_neurons()}; got {neuron!r}"
        )
    if method not in plugins.surrogates():
        raise ValueError(
            f"method must be a registered surrogate, one of {sorted(plugins.surrogates())}; "
            f"got {method!r}"
        )
    fields = spec.parameters._fields
    values = {k: v for k, v in {"method": method, **overrides}.items() if k in fields}
    p = spec.parameters(**values)
    return spec.sequence(p=p) if sequence else spec.cell(p=p)
