"""Spike-timing-dependent plasticity (STDP) with exponential traces, for linear and conv2d weights.

Each synapse side keeps a trace that decays with its time constant and jumps with spikes
(forward Euler, as in Norse 1.x)::

    t_pre  <- t_pre  + dt * tau_pre_inv  * (-t_pre  + a_pre  * z_pre)
    t_post <- t_post + dt * tau_post_inv * (-t_post + a_post * z_post)

then, with the *updated* traces, the weights change by::

    dw = A+(w) * z_post (x) t_pre  -  A-(w) * t_post (x) z_pre

summed over the batch, so a presynaptic spike that precedes a postsynaptic one potentiates
and the reverse order depresses. ``A+``/``A-`` are chosen by ``stdp_algorithm``:

- ``"additive"``: ``A+ = eta_plus``, ``A- = eta_minus``;
- ``"additive_step"``: ``A+ = eta_plus * H(w_max - w)``, ``A- = eta_minus * H(w - w_min)``;
- ``"multiplicative_pow"``: ``A+ = eta_plus * (w_max - w)^mu``, ``A- = eta_minus * (w - w_min)^mu``;
- ``"multiplicative_relu"``: ``A+ = eta_plus * relu(w_max - w)``, ``A- = eta_minus * relu(w - w_min)``.

With ``hardbound`` the new weights are clamped to ``[w_min, w_max]``.

Difference from Norse 1.x: there ``STDPState`` and ``STDPParameters`` are mutable classes
and ``stdp_step_*`` update the state object in place. Here both are immutable NamedTuples
with the same field and keyword names; the steps return a new state, and
:meth:`STDPState.decay` returns the decayed state instead of mutating it. Keep the returned
state: ``w, state = stdp_step_linear(z_pre, z_post, w, state, p)``.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from norse.hookspecs import PlasticitySpec

__all__ = [
    "STDP_ALGORITHMS",
    "STDPParameters",
    "STDPState",
    "stdp_step_conv2d",
    "stdp_step_linear",
]

STDP_ALGORITHMS = ("additive", "additive_step", "multiplicative_pow", "multiplicative_relu")
"""The accepted values of :attr:`STDPParameters.stdp_algorithm`."""


class STDPState(NamedTuple):
    """Traces of STDP.

    Attributes:
        t_pre: presynaptic trace, the shape of ``z_pre`` (``(B, N_in)`` or ``(B, C, H, W)``).
        t_post: postsynaptic trace, the shape of ``z_post``.
    """

    t_pre: torch.Tensor
    t_post: torch.Tensor

    def decay(
        self,
        z_pre: torch.Tensor,
        z_post: torch.Tensor,
        tau_pre_inv: float | torch.Tensor,
        tau_post_inv: float | torch.Tensor,
        a_pre: float | torch.Tensor,
        a_post: float | torch.Tensor,
        dt: float = 0.001,
    ) -> STDPState:
        """Returns the traces after one Euler step: ``t + dt * tau_inv * (-t + a * z)``."""
        return STDPState(
            t_pre=self.t_pre + dt * tau_pre_inv * (-self.t_pre + a_pre * z_pre),
            t_post=self.t_post + dt * tau_post_inv * (-self.t_post + a_post * z_post),
        )


class STDPParameters(NamedTuple):
    """Parameters of STDP (Norse 1.x keyword names and defaults; times in seconds).

    Attributes:
        a_pre: jump of the presynaptic trace per spike (1.0).
        a_post: jump of the postsynaptic trace per spike (1.0).
        tau_pre_inv: inverse presynaptic trace time constant in 1/s (1/50 ms = 20).
        tau_post_inv: inverse postsynaptic trace time constant in 1/s (20).
        w_min: lower weight bound (0.0).
        w_max: upper weight bound (1.0).
        eta_plus: potentiation learning rate (1e-3).
        eta_minus: depression learning rate (1e-3).
        stdp_algorithm: one of :data:`STDP_ALGORITHMS` ("additive").
        mu: exponent of ``"multiplicative_pow"`` (0.0; ignored by the other algorithms).
        hardbound: clamp the weights to ``[w_min, w_max]`` after each step (True).
        convolutional: informational; :func:`stdp_step_conv2d` is the conv2d rule (False).
        stride: stride of the convolution, for :func:`stdp_step_conv2d` (1).
        padding: padding of the convolution (0).
        dilation: dilation of the convolution (1).
    """

    a_pre: float | torch.Tensor = 1.0
    a_post: float | torch.Tensor = 1.0
    tau_pre_inv: float | torch.Tensor = 1.0 / 50e-3
    tau_post_inv: float | torch.Tensor = 1.0 / 50e-3
    w_min: float | torch.Tensor = 0.0
    w_max: float | torch.Tensor = 1.0
    eta_plus: float | torch.Tensor = 1e-3
    eta_minus: float | torch.Tensor = 1e-3
    stdp_algorithm: str = "additive"
    mu: float | torch.Tensor = 0.0
    hardbound: bool = True
    convolutional: bool = False
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    dilation: int | tuple[int, int] = 1


def _amplitudes(
    w: torch.Tensor, p: STDPParameters
) -> tuple[torch.Tensor | float, torch.Tensor | float]:
    """The weight-dependent learning rates ``(A+(w), A-(w))`` of ``p.stdp_algorithm``."""
    if p.stdp_algorithm == "additive":
        return p.eta_plus, p.eta_minus
    if p.stdp_algorithm == "additive_step":
        return (
            p.eta_plus * (p.w_max - w > 0).to(w.dtype),
            p.eta_minus * (w - p.w_min > 0).to(w.dtype),
        )
    if p.stdp_algorithm == "multiplicative_pow":
        return (
            p.eta_plus * torch.pow(p.w_max - w, p.mu),
            p.eta_minus * torch.pow(w - p.w_min, p.mu),
        )
    if p.stdp_algorithm == "multiplicative_relu":
        return (
            p.eta_plus * torch.relu(p.w_max - w),
            p.eta_minus * torch.relu(w - p.w_min),
        )
    raise ValueError(f"stdp_algorithm must be one of {STDP_ALGORITHMS}, got {p.stdp_algorithm!r}")


def _bound(w: torch.Tensor, p: STDPParameters) -> torch.Tensor:
    return torch.clamp(w, p.w_min, p.w_max) if p.hardbound else w


def _decayed(
    state: STDPState, z_pre: torch.Tensor, z_post: torch.Tensor, p: STDPParameters, dt: float
) -> STDPState:
    """The traces after one step with the spikes (:meth:`STDPState.decay` with ``p``)."""
    return state.decay(z_pre, z_post, p.tau_pre_inv, p.tau_post_inv, p.a_pre, p.a_post, dt)


def _updated(
    w: torch.Tensor, potentiation: torch.Tensor, depression: torch.Tensor, p: STDPParameters
) -> torch.Tensor:
    """``w + A+(w) * potentiation - A-(w) * depression``, clamped if ``p.hardbound``."""
    a_plus, a_minus = _amplitudes(w, p)
    return _bound(w + a_plus * potentiation - a_minus * depression, p)


def _check_shapes(
    z_pre: torch.Tensor, z_post: torch.Tensor, state: STDPState, dims: int, layout: str
) -> None:
    for name, tensor in (("z_pre", z_pre), ("z_post", z_post)):
        if tensor.dim() != dims:
            raise ValueError(f"{name} must be {layout} ({dims}-D), got shape {tuple(tensor.shape)}")
    if z_pre.shape[0] != z_post.shape[0]:
        raise ValueError(
            f"z_pre and z_post must have the same batch size, got {z_pre.shape[0]} and "
            f"{z_post.shape[0]}"
        )
    for name, trace, z in (("t_pre", state.t_pre, z_pre), ("t_post", state.t_post, z_post)):
        try:
            fits = torch.broadcast_shapes(trace.shape, z.shape) == z.shape
        except RuntimeError:
            fits = False
        if not fits:
            raise ValueError(
                f"state.{name} must broadcast to shape {tuple(z.shape)}, got {tuple(trace.shape)}"
            )


def stdp_step_linear(
    z_pre: torch.Tensor,
    z_post: torch.Tensor,
    w: torch.Tensor,
    state_stdp: STDPState,
    p_stdp: STDPParameters = STDPParameters(),  # noqa: B008 (immutable)
    dt: float = 0.001,
) -> tuple[torch.Tensor, STDPState]:
    """One STDP step for a linear (fully connected) weight ``w`` of shape ``(N_out, N_in)``.

    Updates the traces (module docstring), then
    ``w' = w + A+(w) * sum_b z_post[b]^T t_pre[b] - A-(w) * sum_b t_post[b]^T z_pre[b]``,
    clamped to ``[w_min, w_max]`` if ``hardbound``.

    Parameters:
        z_pre: presynaptic spikes ``(B, N_in)``.
        z_post: postsynaptic spikes ``(B, N_out)``.
        w: weights ``(N_out, N_in)``, as in ``torch.nn.Linear``.
        state_stdp: the traces (start from zeros of the spikes' shapes).
        p_stdp: parameters.
        dt: time step in seconds.

    Returns:
        ``(w', state')``: the new weights and traces.
    """
    _check_shapes(z_pre, z_post, state_stdp, 2, "(batch, features)")
    if w.shape != (z_post.shape[1], z_pre.shape[1]):
        raise ValueError(
            f"w must have shape (N_out, N_in) = {(z_post.shape[1], z_pre.shape[1])}, "
            f"got {tuple(w.shape)}"
        )
    state = _decayed(state_stdp, z_pre, z_post, p_stdp, dt)
    potentiation = torch.einsum("bi,bj->ij", z_post, state.t_pre)
    depression = torch.einsum("bi,bj->ij", state.t_post, z_pre)
    return _updated(w, potentiation, depression, p_stdp), state


def stdp_step_conv2d(
    z_pre: torch.Tensor,
    z_post: torch.Tensor,
    w: torch.Tensor,
    state_stdp: STDPState,
    p_stdp: STDPParameters = STDPParameters(),  # noqa: B008 (immutable)
    dt: float = 0.001,
) -> tuple[torch.Tensor, STDPState]:
    """One STDP step for a conv2d weight ``w`` of shape ``(C_out, C_in, kH, kW)``.

    As :func:`stdp_step_linear`, where each output position pairs with the input patch it
    sees: the presynaptic spikes and traces are unfolded with the kernel size and
    ``p_stdp.stride``, ``padding`` and ``dilation``, and the products are summed over the
    batch and over all output positions.

    Parameters:
        z_pre: presynaptic spikes ``(B, C_in, H, W)``.
        z_post: postsynaptic spikes ``(B, C_out, H_out, W_out)``, the conv's output shape.
        w: weights ``(C_out, C_in, kH, kW)`` (``groups = 1``).
        state_stdp: the traces (zeros of the spikes' shapes to start).
        p_stdp: parameters.
        dt: time step in seconds.

    Returns:
        ``(w', state')``: the new weights and traces.
    """
    _check_shapes(z_pre, z_post, state_stdp, 4, "(batch, channels, height, width)")
    if w.dim() != 4 or w.shape[0] != z_post.shape[1] or w.shape[1] != z_pre.shape[1]:
        raise ValueError(
            f"w must have shape (C_out={z_post.shape[1]}, C_in={z_pre.shape[1]}, kH, kW), "
            f"got {tuple(w.shape)}"
        )
    state = _decayed(state_stdp, z_pre, z_post, p_stdp, dt)
    batch, out_channels = z_post.shape[0], z_post.shape[1]
    unfold = {
        "kernel_size": tuple(w.shape[2:]),
        "dilation": p_stdp.dilation,
        "padding": p_stdp.padding,
        "stride": p_stdp.stride,
    }
    t_pre_patches = torch.nn.functional.unfold(state.t_pre.expand_as(z_pre), **unfold)
    z_pre_patches = torch.nn.functional.unfold(z_pre, **unfold)
    positions = z_post.shape[2] * z_post.shape[3]
    if t_pre_patches.shape[2] != positions:
        raise ValueError(
            f"z_post has {positions} output positions {tuple(z_post.shape[2:])}, but the conv of "
            f"z_pre {tuple(z_pre.shape[2:])} with kernel {tuple(w.shape[2:])} and the given "
            f"stride/padding/dilation has {t_pre_patches.shape[2]}"
        )
    z_post_flat = z_post.reshape(batch, out_channels, -1)
    t_post_flat = state.t_post.expand_as(z_post).reshape(batch, out_channels, -1)
    potentiation = torch.einsum("bik,bjk->ij", z_post_flat, t_pre_patches).view(w.shape)
    depression = torch.einsum("bik,bjk->ij", t_post_flat, z_pre_patches).view(w.shape)
    return _updated(w, potentiation, depression, p_stdp), state


PLASTICITY_SPECS: list[PlasticitySpec] = [
    PlasticitySpec(
        name="stdp",
        description="pair-based STDP with exponential traces, linear weights",
        step=stdp_step_linear,
        parameters=STDPParameters,
        state=STDPState,
    ),
    PlasticitySpec(
        name="stdp_conv2d",
        description="pair-based STDP with exponential traces, conv2d weights",
        step=stdp_step_conv2d,
        parameters=STDPParameters,
        state=STDPState,
    ),
]
