"""Learning rules as autograd Functions: backpropagation (``bp``), feedback alignment (``fa``) and
initial feedback alignment (``ifa``, Paper B's one-time soft alignment; *not* Nøkland's indirect FA).

A feedback layer computes the usual forward pass ``o = x Wᵀ + b`` (Paper B eq. 1). Its backward pass
(Paper B eq. 4, Algorithm 1 lines 11-12; Paper A's δ_ℓ = δ_{ℓ+1} B_ℓ ⊙ f'(Z_ℓ)) differs from
backpropagation in one place only: the error sent to the layer's input is ``grad_out @ B`` with a
fixed feedback matrix ``B`` **shaped like W** (Paper B's ``B_lᵀ``) instead of ``grad_out @ W``.
The weight gradient ``grad_outᵀ x`` and the bias gradient are the same as backpropagation's, and
``B`` receives no gradient. ``fa`` and ``ifa`` share this rule; they differ only at initialization
(:mod:`fa_companion.rules.init`).

The Functions are new-style (``setup_context``, ``generate_vmap_rule``) so that ``torch.func``
transforms work, and they accept a leading ensemble dimension: ``x`` of shape
``(N, in)`` or ``(K, N, in)`` with ``W`` of shape ``(out, in)`` or ``(K, out, in)``. Outside
``torch.func`` transforms, :func:`feedback_linear` and :func:`feedback_conv2d` call a classic-style
twin of each (the same forward, context and backward): torch binds a new-style Function's
arguments with ``inspect.signature`` at every call, about 35 µs, which made a small FA training
step 10 % slower than backpropagation's (``python -m fa_companion.bench``, ``fa_over_bp_step``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_BUILTIN_RULES = ("bp", "fa", "ifa")
"""The built-in rules: backpropagation, feedback alignment, initial feedback alignment. ``RULES``
(a live view) adds the registered ones (:func:`register_rule`)."""

__all__ = [
    "RULES",  # noqa: F822 (a live view, served by __getattr__)
    "Rule",
    "register_rule",
    "get_rule",
    "check_rule",
    "FeedbackLinearFunction",
    "FeedbackConv2dFunction",
    "feedback_linear",
    "feedback_conv2d",
    "FeedbackLinear",
    "FeedbackConv2d",
]


def check_rule(rule: str) -> str:
    """Return ``rule`` if it is one of ``RULES`` (the built-in rules and the registered ones), else raise a ``ValueError`` naming it."""
    if rule in _BUILTIN_RULES or rule in _REGISTERED:
        return rule
    from .. import load_plugins

    load_plugins()
    if rule not in _REGISTERED:
        raise ValueError(f"unknown learning rule {rule!r}; valid rules are "
                         f"{_BUILTIN_RULES + tuple(_REGISTERED)} (add one with "
                         "fa_companion.register_rule, in a plugin module for chapters)")
    return rule


@dataclass(frozen=True)
class Rule:
    """A learning rule added by :func:`register_rule`.

    ``feedback(W, B, step)`` returns the matrix the layer sends its errors through, shaped like
    ``W``: ``W`` (detached) and ``B`` (the stored feedback drawn at initialization) are
    ``(..., out, in)`` (a stack of the ensemble's members that use this rule), ``step`` the number
    of optimizer steps taken so far. ``label`` names it in results, legends and the ledger;
    ``theta_init`` is the default initial angle between W₀ and B₀ (degrees).
    """

    name: str
    feedback: Callable[[Tensor, Tensor, int], Tensor]
    label: str
    theta_init: float = 90.0


_REGISTERED: dict[str, Rule] = {}


def register_rule(name: str, feedback: Callable[[Tensor, Tensor, int], Tensor], *,
                  label: str | None = None, theta_init: float = 90.0, replace: bool = False) -> Rule:
    """Add learning rule ``name``: a layer sends ``grad_out @ feedback(W, B, step)`` to its input
    (see :class:`Rule`). ``Member(rule=name)`` then trains with it, and its angles are measured
    against the feedback it used. Chapters' kernels see a rule registered by a plugin module
    (:func:`fa_companion.load_plugins`)."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a rule name must be an identifier, got {name!r}")
    if name in _BUILTIN_RULES or (name in _REGISTERED and not replace):
        raise ValueError(f"learning rule {name!r} is already defined; pass replace=True to "
                         "redefine a registered one (built-in ones cannot be)")
    if not callable(feedback):
        raise TypeError(f"feedback must be callable (W, B, step) -> Tensor, got {type(feedback).__name__}")
    if not 0.0 <= float(theta_init) <= 180.0:
        raise ValueError(f"theta_init must be in [0, 180] degrees, got {theta_init}")
    rule = Rule(name, feedback, label or name, float(theta_init))
    _REGISTERED[name] = rule
    return rule


def get_rule(name: str) -> Rule | None:
    """The registered :class:`Rule` ``name``; None for the built-in ``bp``, ``fa``, ``ifa``."""
    check_rule(name)
    return _REGISTERED.get(name)


def __getattr__(name: str):
    if name == "RULES":  # a live view of the registry
        from .. import load_plugins

        load_plugins()
        return _BUILTIN_RULES + tuple(_REGISTERED)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``x Wᵀ + b`` for a single layer or a stacked ensemble of K layers."""
    if weight.dim() == 2:
        return F.linear(x, weight, bias)
    out = torch.matmul(x, weight.transpose(-1, -2))
    return out if bias is None else out + bias.unsqueeze(-2)


class FeedbackLinearFunction(torch.autograd.Function):
    """Linear layer whose input gradient goes through a fixed feedback matrix ``B`` (shaped like W)."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x: Tensor, weight: Tensor, bias: Tensor | None, feedback: Tensor) -> Tensor:
        return _linear(x, weight, bias)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        x, weight, bias, feedback = inputs
        ctx.save_for_backward(x, feedback)
        ctx.weight_shape = weight.shape
        ctx.bias_shape = None if bias is None else bias.shape

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        x, feedback = ctx.saved_tensors
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.matmul(grad_out, feedback).sum_to_size(x.shape)
        if ctx.needs_input_grad[1]:
            grad_w = torch.matmul(grad_out.transpose(-1, -2), x).sum_to_size(ctx.weight_shape)
        if ctx.bias_shape is not None and ctx.needs_input_grad[2]:
            grad_b = grad_out.sum(-2).sum_to_size(ctx.bias_shape)
        return grad_x, grad_w, grad_b, None


class _EagerFeedbackLinear(torch.autograd.Function):
    """:class:`FeedbackLinearFunction` in the classic style (no per-call argument binding)."""

    @staticmethod
    def forward(ctx, x, weight, bias, feedback):
        out = FeedbackLinearFunction.forward(x, weight, bias, feedback)
        FeedbackLinearFunction.setup_context(ctx, (x, weight, bias, feedback), out)
        return out

    backward = staticmethod(FeedbackLinearFunction.backward)


def _eager_unless_transformed(new_style, eager):
    """``new_style`` inside ``torch.func`` transforms (which need it), else its classic twin."""
    return new_style if torch._C._are_functorch_transforms_active() else eager


def feedback_linear(
    x: Tensor, weight: Tensor, bias: Tensor | None, feedback: Tensor | None
) -> Tensor:
    """Linear layer under a learning rule: ``feedback=None`` is plain autograd (backpropagation);
    otherwise the input gradient is ``grad_out @ feedback`` (feedback alignment)."""
    if feedback is None:
        return _linear(x, weight, bias)
    if feedback.shape != weight.shape:
        raise ValueError(
            f"feedback shape {tuple(feedback.shape)} must equal weight shape {tuple(weight.shape)}"
        )
    fn = _eager_unless_transformed(FeedbackLinearFunction, _EagerFeedbackLinear)
    if x.dim() == 1:  # a single unbatched sample, as F.linear allows (and vmap(grad(f)) needs)
        return fn.apply(x.unsqueeze(0), weight, bias, feedback).squeeze(0)
    return fn.apply(x, weight, bias, feedback)


class FeedbackConv2dFunction(torch.autograd.Function):
    """2-D convolution whose input gradient goes through a fixed feedback kernel ``B`` (shaped like W).

    Uses the public ``torch.nn.grad.conv2d_input`` / ``conv2d_weight``."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x, weight, bias, feedback, stride, padding, dilation, groups):
        return F.conv2d(x, weight, bias, stride, padding, dilation, groups)

    @staticmethod
    def setup_context(ctx, inputs, output) -> None:
        x, weight, bias, feedback, stride, padding, dilation, groups = inputs
        ctx.save_for_backward(x, feedback)
        ctx.weight_shape = weight.shape
        ctx.has_bias = bias is not None
        ctx.conv_args = (stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, grad_out):
        x, feedback = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.conv_args
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = torch.nn.grad.conv2d_input(
                x.shape, feedback, grad_out, stride, padding, dilation, groups
            )
        if ctx.needs_input_grad[1]:
            grad_w = torch.nn.grad.conv2d_weight(
                x, ctx.weight_shape, grad_out, stride, padding, dilation, groups
            )
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad_out.sum((0, 2, 3))
        return grad_x, grad_w, grad_b, None, None, None, None, None


class _EagerFeedbackConv2d(torch.autograd.Function):
    """:class:`FeedbackConv2dFunction` in the classic style (no per-call argument binding)."""

    @staticmethod
    def forward(ctx, *inputs):
        out = FeedbackConv2dFunction.forward(*inputs)
        FeedbackConv2dFunction.setup_context(ctx, inputs, out)
        return out

    backward = staticmethod(FeedbackConv2dFunction.backward)


def feedback_conv2d(x, weight, bias, feedback, stride=1, padding=0, dilation=1, groups=1):
    """Convolution under a learning rule (``feedback=None``: backpropagation)."""
    if feedback is None:
        return F.conv2d(x, weight, bias, stride, padding, dilation, groups)
    if feedback.shape != weight.shape:
        raise ValueError(
            f"feedback shape {tuple(feedback.shape)} must equal weight shape {tuple(weight.shape)}"
        )
    if x.dim() == 3:  # a single unbatched image, as F.conv2d allows
        return feedback_conv2d(x.unsqueeze(0), weight, bias, feedback, stride, padding, dilation,
                               groups).squeeze(0)
    fn = _eager_unless_transformed(FeedbackConv2dFunction, _EagerFeedbackConv2d)
    return fn.apply(x, weight, bias, feedback, stride, padding, dilation, groups)


class _FeedbackLayer(nn.Module):
    """Common part of the single-network feedback layers: rule, weight, bias, feedback buffer."""

    def __init__(self, weight_shape: tuple[int, ...], bias: bool, rule: str) -> None:
        super().__init__()
        self.rule = check_rule(rule)
        self.weight = nn.Parameter(torch.empty(weight_shape))
        self.bias = nn.Parameter(torch.zeros(weight_shape[0])) if bias else None
        # A registered buffer: saved in state_dict, moved by .to(), never seen by optimizers.
        self.register_buffer("feedback", torch.empty(weight_shape))

    def _feedback_or_none(self) -> Tensor | None:
        if self.rule in _REGISTERED:
            return _REGISTERED[self.rule].feedback(self.weight.detach(), self.feedback,
                                                   getattr(self, "feedback_step", 0))
        return None if self.rule == "bp" else self.feedback

    def extra_repr(self) -> str:
        return f"rule={self.rule!r}, weight={tuple(self.weight.shape)}, bias={self.bias is not None}"


class FeedbackLinear(_FeedbackLayer):
    """A single linear layer under rule ``bp``, ``fa`` or ``ifa``; initialize with
    :func:`fa_companion.rules.init.init_feedback_layer_`."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, rule: str = "fa"):
        if in_features <= 0 or out_features <= 0:
            raise ValueError(
                f"layer sizes must be positive, got in={in_features}, out={out_features}"
            )
        super().__init__((out_features, in_features), bias, rule)

    def forward(self, x: Tensor) -> Tensor:
        return feedback_linear(x, self.weight, self.bias, self._feedback_or_none())


class FeedbackConv2d(_FeedbackLayer):
    """A single 2-D convolution under rule ``bp``, ``fa`` or ``ifa``."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 rule="fa"):
        if min(in_channels, out_channels, kernel_size) <= 0:
            raise ValueError(
                f"conv sizes must be positive, got in={in_channels}, out={out_channels}, "
                f"kernel={kernel_size}"
            )
        super().__init__((out_channels, in_channels, kernel_size, kernel_size), bias, rule)
        self.stride, self.padding = stride, padding

    def forward(self, x: Tensor) -> Tensor:
        return feedback_conv2d(
            x, self.weight, self.bias, self._feedback_or_none(), self.stride, self.padding
        )
