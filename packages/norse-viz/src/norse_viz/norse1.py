"""Norse 1.x's plotting API (``norse.torch.utils.plot``), implemented on norse-viz.

Same names, signatures, inputs and defaults as Norse 1.1's ``norse.torch.utils.plot``; the
core resolves ``norse.torch.utils.plot.*`` and ``norse.torch.plot_*`` to these functions.
Deliberate differences (bugs of Norse 1.x fixed, nothing removed):

- Every function draws into the axes it is given (Norse 1.x drew through ``plt.imshow`` /
  ``plt.hist`` into the *current* axes, whatever ``axes`` said).
- torch 2.13 removed named tensors: :func:`plot_heatmap_3d` and :func:`plot_scatter_3d`
  read unnamed tensors in the documented order (``L, X, Y`` or ``T, L, X, Y``) or take the
  order as ``names=`` (a named tensor of an older torch is still aligned by its names).
- :func:`plot_izhikevich` simulates ``time_print`` ms in steps of ``timestep_print`` ms
  (Norse 1.x mislabelled its time axis by a factor ``timestep_print`` and stepped in 0.25
  ms whatever ``timestep_print`` said), and returns its axes (Norse 1.x returned None).
- Axis labels say what is drawn, with units where known.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_heatmap_2d",
    "plot_heatmap_3d",
    "plot_histogram_2d",
    "plot_izhikevich",
    "plot_neuron_states",
    "plot_scatter_3d",
    "plot_spikes_2d",
]


def _names(tensor: Tensor) -> tuple[str | None, ...]:
    """The dimension names of a named tensor (torch < 2.13), else all None."""
    return tuple(getattr(tensor, "names", None) or (None,) * tensor.dim())


def _plain(tensor: Any) -> Any:
    """A detached CPU tensor without dimension names (other values unchanged)."""
    if not isinstance(tensor, Tensor):
        return tensor
    tensor = tensor.detach().cpu()
    return tensor.rename(None) if any(_names(tensor)) else tensor


def _aligned(tensor: Tensor, order: str, names: Sequence[str] | None) -> Tensor:
    """``tensor`` permuted into the dimension order ``order``.

    The dimensions are named by ``names``, else by the tensor's own names (named tensors,
    torch < 2.13), else they are taken to be in ``order`` already.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"spikes must be a torch.Tensor, got {type(tensor).__name__}")
    names = tuple(names) if names is not None else _names(tensor)
    tensor = _plain(tensor)
    if tensor.dim() != len(order):
        raise ValueError(
            f"spikes must have {len(order)} dimensions ({', '.join(order)}), "
            f"got shape {tuple(tensor.shape)}"
        )
    if not any(names):
        return tensor
    if sorted(names) != sorted(order):
        raise ValueError(f"names must be a permutation of {tuple(order)}, got {names}")
    return tensor.permute(*(names.index(n) for n in order))


def plot_heatmap_2d(
    data: Tensor, axes: Axes | None = None, show_colorbar: bool = False, **kwargs: Any
) -> Axes:
    """Draw 2-D data ``(T, N)`` as an image with time on x and neuron on y (``imshow(data.T)``).

    Args:
        data: e.g. spikes or voltages, time first.
        axes: the axes to draw into (default: the current axes, ``plt.gca()``).
        show_colorbar: add a colour bar.
        **kwargs: passed to ``imshow`` (defaults ``aspect="auto"``, ``interpolation="none"``).

    Returns:
        The axes; the image is ``axes.images[-1]``.
    """
    import matplotlib.pyplot as plt

    ax = axes if axes is not None else plt.gca()
    kwargs.setdefault("aspect", "auto")
    kwargs.setdefault("interpolation", "none")
    image = ax.imshow(_plain(data).T.numpy(), **kwargs)
    if show_colorbar:
        ax.figure.colorbar(image, ax=ax)
    return ax


def plot_spikes_2d(spikes: Tensor, axes: Axes | None = None, **kwargs: Any) -> Axes:
    """Draw ``(T, N)`` spikes in black and white: :func:`plot_heatmap_2d` with ``cmap="binary"``.

    At most about ten neuron ticks are labelled on the y axis.

    Returns:
        The axes.
    """
    import matplotlib.pyplot as plt

    kwargs.setdefault("cmap", "binary")
    ax = axes if axes is not None else plt.gca()
    ax.set_yticks(range(0, spikes.shape[-1], max(1, spikes.shape[-1] // 10)))
    plot_heatmap_2d(spikes, axes=ax, **kwargs)
    ax.set_xlabel("time step")
    ax.set_ylabel("neuron")
    return ax


def plot_heatmap_3d(
    spikes: Tensor,
    show_colorbar: bool = False,
    *,
    names: Sequence[str] | None = None,
    **kwargs: Any,
) -> Axes:
    """Draw the activity of several 2-D layers ``(L, X, Y)`` as points in 3-D.

    Every entry becomes a point at ``(layer, y, x)`` coloured by its value (zeros too), in a
    3-D axes added to the current figure.

    Args:
        spikes: the activity ``(L, X, Y)``, expected in ``[0, 1]``.
        show_colorbar: add a colour bar.
        names: the dimension names of ``spikes`` in another order, e.g. ``("X", "Y", "L")``
            (replaces Norse 1.x's named tensors, which torch 2.13 removed; a named tensor
            of an older torch is aligned by its names).
        **kwargs: passed to ``scatter`` (default colours: the values).

    Returns:
        The 3-D axes.
    """
    import matplotlib.pyplot as plt

    values = _aligned(spikes, "LXY", names)
    layers = values.shape[0]
    ax = plt.gcf().add_subplot(1, 1, 1, projection="3d")
    index = torch.nonzero(torch.ones_like(values, dtype=torch.bool), as_tuple=True)
    kwargs.setdefault("c", values.flatten().numpy())
    ax.invert_yaxis()
    ax.invert_zaxis()
    ax.set_xlim(0, layers - 1)
    ax.set_ylim(0, values.shape[2])
    ax.set_zlim(0, values.shape[1])
    ax.set_xticks(range(layers), [str(n + 1) for n in range(layers)])
    points = ax.scatter(index[0].numpy(), index[2].numpy(), index[1].numpy(), **kwargs)
    ax.set_xlabel("layer")
    ax.set_ylabel("y")
    ax.set_zlabel("x")
    if show_colorbar:
        ax.figure.colorbar(points, ax=ax)
    return ax


def plot_neuron_states(
    states: Any, *variables: str, label: bool = True, axes: Axes | None = None, **kwargs: Any
) -> Axes:
    """Draw state variables over time from a state recorded at every step.

    Args:
        states: a state ``NamedTuple`` whose fields hold every step (``(T, ...)``, as
            returned by a sequence module with ``record_states=True``).
        *variables: the field names to draw (at least one), e.g. ``"v"``, ``"i"``.
        label: add a legend naming the variables.
        axes: the axes to draw into (default: the current axes).
        **kwargs: passed to ``plot``.

    Returns:
        The axes: one line per variable and neuron (``(T, B, N)`` is drawn as ``B*N`` lines).

    Raises:
        ValueError: if no variable is named or a name is not a field of ``states``.
    """
    import matplotlib.pyplot as plt

    if not variables:
        raise ValueError("plot_neuron_states needs at least one variable name, e.g. 'v'")
    ax = axes if axes is not None else plt.gca()
    for variable in variables:
        if not hasattr(states, variable):
            fields = getattr(states, "_fields", ())
            raise ValueError(f"states has no field {variable!r}; its fields are {list(fields)}")
        values = _plain(getattr(states, variable))
        if isinstance(values, Tensor) and values.dim() > 2:
            values = values.reshape(values.shape[0], -1)
        lines = ax.plot(values, **kwargs)
        if label and lines:
            lines[0].set_label(variable)
    if label:
        ax.legend()
    ax.set_xlabel("time step")
    return ax


def plot_histogram_2d(spikes: Tensor, axes: Axes | None = None, **kwargs: Any) -> Axes:
    """Histogram of the values of ``spikes`` (``Axes.hist``; a 2-D input gives one
    histogram per column, as in matplotlib).

    Args:
        spikes: the data, e.g. a voltage state ``(B, N)``.
        axes: the axes to draw into (default: the current axes).
        **kwargs: passed to ``hist``.

    Returns:
        The axes.
    """
    import matplotlib.pyplot as plt

    ax = axes if axes is not None else plt.gca()
    ax.hist(_plain(spikes).numpy(), **kwargs)
    ax.set_xlabel("value")
    ax.set_ylabel("count")
    return ax


def plot_scatter_3d(
    spikes: Tensor,
    axes: list[Axes] | None = None,
    show_colorbar: bool = True,
    *,
    names: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[Axes]:
    """Draw spike activity over time, one 3-D scatter per layer.

    Every nonzero entry of a layer becomes a point at ``(t, y, x)`` coloured by its value.

    Args:
        spikes: ``(T, L, X, Y)`` or ``(L, X, Y)`` (one step).
        axes: one 3-D axes per layer; default: a row of new subplots in the current figure.
        show_colorbar: add one colour bar for all layers.
        names: the dimension names of ``spikes`` in another order, e.g.
            ``("L", "T", "X", "Y")`` (as :func:`plot_heatmap_3d`).
        **kwargs: passed to ``scatter``.

    Returns:
        The list of axes, one per layer.

    Raises:
        ValueError: if ``axes`` has a different length than the number of layers.
    """
    import matplotlib.pyplot as plt

    if isinstance(spikes, Tensor) and spikes.dim() > 3:
        values = _aligned(spikes, "TLXY", names)
    else:
        values = _aligned(spikes, "LXY", names).unsqueeze(0)
    steps, layers = values.shape[:2]
    if axes is not None and len(axes) != layers:
        raise ValueError(f"axes must hold one axes per layer ({layers}), got {len(axes)}")
    axes = [None] * layers if axes is None else list(axes)
    points = None
    for layer in range(layers):
        if axes[layer] is None:
            axes[layer] = plt.gcf().add_subplot(1, layers, layer + 1, projection="3d")
        ax = axes[layer]
        layer_values = values[:, layer]
        t, x, y = torch.nonzero(layer_values, as_tuple=True)
        ax.invert_yaxis()
        ax.invert_zaxis()
        ax.set_xlim(0, steps)
        points = ax.scatter(
            t.numpy(), y.numpy(), x.numpy(), c=layer_values[t, x, y].numpy(), **kwargs
        )
        ax.set_xlabel("time step")
    if show_colorbar and points is not None:
        plt.gcf().colorbar(points, ax=axes, fraction=0.04 / layers)
    return axes


def plot_izhikevich(
    behavior: Any,
    current: float = 1,
    time_print: int = 250,
    time_current: int = 20,
    timestep_print: float = 0.1,
) -> Axes:
    """Simulate one Izhikevich neuron with a behaviour preset and draw its voltage.

    The input is 0 up to ``time_current`` ms and ``current`` afterwards; the neuron runs
    for ``time_print`` ms in steps of ``timestep_print`` ms (``dt = timestep_print /
    tau_inv`` seconds in Norse's units) with ``izhikevich_feed_forward_step``.

    Args:
        behavior: an ``IzhikevichSpikingBehavior`` ``(p, s)``, e.g.
            ``norse.torch.functional.tonic_spiking``.
        current: the input step's height.
        time_print: the simulated time in ms.
        time_current: when the step starts, in ms.
        timestep_print: the time step in ms.

    Returns:
        The axes (a new figure): the membrane voltage in mV, and the input current on a
        second y axis, against time in ms.
    """
    import matplotlib.pyplot as plt

    from norse.torch.functional import izhikevich_feed_forward_step

    p, state = behavior
    if not timestep_print > 0:
        raise ValueError(f"timestep_print must be positive (ms), got {timestep_print}")
    dt = timestep_print / float(torch.as_tensor(p.tau_inv))
    times = torch.arange(0, time_print, timestep_print, dtype=torch.float64)
    voltages, currents = [], []
    with torch.no_grad():
        for t in times:
            x = torch.full((1,), float(current) if t > time_current else 0.0)
            _, state = izhikevich_feed_forward_step(x, state, p, dt)
            voltages.append(float(state.v.reshape(-1)[0]))
            currents.append(float(x[0]))
    fig = plt.figure()
    ax = fig.add_subplot(111)
    ax.plot(times.numpy(), voltages, color="C0", label="v")
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Membrane potential (mV)")
    current_ax = ax.twinx()
    current_ax.plot(times.numpy(), currents, color="C1", label="input current")
    current_ax.set_ylabel("Input current (a.u.)")
    return ax
