"""Adjoint (memory-light, exact) gradients for feed-forward LIF, LIFRefrac and LSNN steps.

Each ``*_adjoint_step`` computes the same forward step as its ordinary counterpart; its
backward pass is the hand-written discrete adjoint of the Euler step, so gradients through a
sequence equal backpropagation through the step loop while each step stores one or two
tensors instead of autograd's intermediates.
"""

from norse.torch.functional.adjoint.lif_adjoint import *  # noqa: F403
from norse.torch.functional.adjoint.lif_refrac_adjoint import *  # noqa: F403
from norse.torch.functional.adjoint.lsnn_adjoint import *  # noqa: F403
from norse.torch.functional.adjoint import lif_adjoint, lif_refrac_adjoint, lsnn_adjoint

__all__ = [*lif_adjoint.__all__, *lif_refrac_adjoint.__all__, *lsnn_adjoint.__all__]
