"""Networks whose ensembles are first class.

:class:`FeedbackMLP` holds K independent networks ("members") with stacked parameters: weights of
shape ``(K, out, in)``, biases ``(K, out)`` and feedback buffers ``(K, out, in)``. One forward pass
computes all members with batched matrix products; one optimizer over the stacked parameters is K
independent optimizers because Adam and SGD act element-wise. Members may differ in seed, learning
rule (``bp``/``fa``/``ifa``), θ_init and the init scales (a, b). K = 1 is an ordinary network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from numbers import Real

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..rules.feedback import check_rule, feedback_linear, get_rule
from ..rules.init import HE_GAIN, check_theta, init_weights_and_feedback

__all__ = [
    "Member",
    "ACTIVATIONS",
    "activation_fn",
    "FeedbackMLP",
    "members_grid",
    "CNN_ARCHS",
    "FeedbackCNN",
    "CNNEnsemble",
]

ACTIVATIONS = ("relu", "tanh", "tanh_relu", "linear")


def activation_fn(name: str):
    """Elementwise nonlinearity by name; ``tanh_relu`` is Paper A's f(x) = tanh(ReLU(x))."""
    table = {
        "relu": F.relu,
        "tanh": torch.tanh,
        "tanh_relu": lambda z: torch.tanh(F.relu(z)),
        "linear": lambda z: z,
    }
    if name not in table:
        raise ValueError(f"unknown activation {name!r}; valid activations are {ACTIVATIONS}")
    return table[name]


@dataclass(frozen=True)
class Member:
    """One network of an ensemble.

    ``theta_init`` (degrees) defaults to 90° for ``bp`` and ``fa`` (W₀ independent of B₀, so BP and
    FA start from the same W₀ for the same seed) and to 0° for ``ifa`` (W₀ = B₀).
    """

    rule: str = "bp"
    theta_init: float | None = None
    seed: int = 0
    a: float = HE_GAIN
    b: float | None = None

    def __post_init__(self) -> None:
        check_rule(self.rule)
        for name in ("theta_init", "a", "b"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, Real)):
                raise TypeError(
                    f"Member {name} must be a number (degrees for theta_init), got {value!r} "
                    f"of type {type(value).__name__}"
                )
        if self.theta_init is not None:
            check_theta(self.theta_init)
            if self.rule == "fa" and self.theta_init != 90.0:
                raise ValueError(
                    f"rule 'fa' means theta_init = 90°, got {self.theta_init}; "
                    "use rule 'ifa' for another initial angle"
                )
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {self.seed!r}")

    @property
    def theta(self) -> float:
        """The initial angle in degrees: ``theta_init``, or its default (0° for IFA, else 90°)."""
        if self.theta_init is not None:
            return float(self.theta_init)
        rule = get_rule(self.rule)
        if rule is not None:
            return rule.theta_init
        return 0.0 if self.rule == "ifa" else 90.0

    @property
    def label(self) -> str:
        """``BP``, ``FA`` or ``IFA θ°`` (θ = :attr:`theta`), the label of figures and tables."""
        if self.rule == "ifa":
            return f"IFA {self.theta:g}°"
        rule = get_rule(self.rule)
        if rule is not None:
            return rule.label
        return self.rule.upper()

    def to_dict(self) -> dict:
        return asdict(self)


def members_grid(rules_thetas: Sequence[tuple[str, float | None]], seeds: Sequence[int]) -> list[Member]:
    """All (rule, θ) conditions × seeds, condition-major: ``[(c0, s0), (c0, s1), …, (c1, s0), …]``."""
    return [Member(rule=r, theta_init=t, seed=s) for r, t in rules_thetas for s in seeds]


class FeedbackMLP(nn.Module):
    """An ensemble of K multi-layer perceptrons trained by BP, FA or IFA (Paper B §B.1).

    ``sizes`` lists layer widths from input to output, e.g. ``(784, 512, 512, 10)``. The output
    layer is linear (softmax cross-entropy is applied by the loss) unless ``output_activation`` is
    given (Paper A applies tanh∘ReLU there too).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        members: Sequence[Member] | Member = Member(),
        *,
        activation: str = "relu",
        output_activation: str = "linear",
        bias: bool = True,
    ) -> None:
        super().__init__()
        sizes = tuple(int(n) for n in sizes)
        if len(sizes) < 2 or min(sizes) <= 0:
            raise ValueError(f"sizes needs ≥ 2 positive widths, got {sizes}")
        members = [members] if isinstance(members, Member) else list(members)
        if not members:
            raise ValueError("an ensemble needs at least one Member")
        self.sizes, self.members = sizes, members
        self.activation, self.output_activation = activation, output_activation
        self._act, self._out_act = activation_fn(activation), activation_fn(output_activation)
        shapes = [(o, i) for i, o in zip(sizes[:-1], sizes[1:])]
        draws = [
            init_weights_and_feedback(shapes, seed=m.seed, theta_init=m.theta, a=m.a, b=m.b)
            for m in members
        ]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.stack([d[l][0] for d in draws])) for l in range(len(shapes))
        )
        self.biases = nn.ParameterList(
            nn.Parameter(torch.zeros(len(members), o)) for o, _ in shapes
        ) if bias else None
        for l in range(len(shapes)):
            self.register_buffer(f"feedback_{l}", torch.stack([d[l][1] for d in draws]))
        self.register_buffer("bp_mask", torch.tensor([m.rule == "bp" for m in members]))
        # registered rules: their name -> the members (indices) that use them
        custom = {m.rule for m in members if get_rule(m.rule) is not None}
        self._custom_rules = {r: [k for k, m in enumerate(members) if m.rule == r] for r in sorted(custom)}
        self.feedback_step = 0  # optimizer steps so far (set by the training loop)

    @property
    def n_members(self) -> int:
        return len(self.members)

    @property
    def n_layers(self) -> int:
        return len(self.weights)

    def feedback(self, l: int) -> Tensor:
        """The fixed feedback matrices of layer ``l``, shape ``(K, out, in)`` (Paper B's B_lᵀ)."""
        return getattr(self, f"feedback_{l}")

    def bias(self, l: int) -> Tensor | None:
        return None if self.biases is None else self.biases[l]

    def effective_feedback(self, l: int) -> Tensor:
        """The matrices layer ``l`` of each member sends its errors through now, ``(K, out, in)``:
        W for BP, the stored B for FA and IFA, ``feedback(W, B, step)`` for a registered rule."""
        w = self.weights[l].detach()
        fb = torch.where(self.bp_mask.view(-1, 1, 1), w, self.feedback(l))
        for name, idx in self._custom_rules.items():
            rule = get_rule(name)
            fb = fb.clone() if fb is self.feedback(l) else fb
            fb[idx] = rule.feedback(w[idx], self.feedback(l)[idx], self.feedback_step).to(fb.dtype)
        return fb

    def _effective_feedback(self, l: int, backward: str) -> Tensor | None:
        """What layer ``l`` sends errors through: None (autograd, BP) or a (K, out, in) matrix."""
        n_bp = sum(m.rule == "bp" for m in self.members)  # Python-side: no device sync per step
        if backward == "bp" or n_bp == self.n_members:
            return None
        if self._custom_rules:
            return self.effective_feedback(l)
        if n_bp == 0:
            return self.feedback(l)
        mask = self.bp_mask.view(-1, 1, 1)
        return torch.where(mask, self.weights[l].detach(), self.feedback(l))

    def forward(self, x: Tensor, *, backward: str = "own") -> Tensor:
        """Logits of every member, shape ``(K, N, classes)``.

        ``x`` is shared, ``(N, …)``, or per member, ``(K, N, …)``; image dims are flattened.
        ``backward="own"`` uses each member's rule; ``"bp"`` makes every member backpropagate
        (the true gradient of the same forward function, for update angles and attacks).
        """
        if backward not in ("own", "bp"):
            raise ValueError(f"backward must be 'own' or 'bp', got {backward!r}")
        h = self._flatten(x)
        for l in range(self.n_layers):
            h = feedback_linear(h, self.weights[l], self.bias(l), self._effective_feedback(l, backward))
            h = self._out_act(h) if l == self.n_layers - 1 else self._act(h)
        return h

    def _flatten(self, x: Tensor) -> Tensor:
        """Shared inputs: (N, d), (N, H, W), (N, C, H, W); per member: (K, N, d), (K, N, C, H, W)."""
        d, k = self.sizes[0], self.n_members
        per_member = x.dim() == 5 or (x.dim() == 3 and x.shape[-1] == d)
        if per_member and x.shape[0] == k and math.prod(x.shape[2:]) == d:
            return x.reshape(k, x.shape[1], d)
        if not per_member and x.dim() in (2, 3, 4) and math.prod(x.shape[1:]) == d:
            return x.reshape(x.shape[0], d)
        raise ValueError(
            f"input of shape {tuple(x.shape)} does not match input width {d} with K={k} members; "
            "use (N, d), (N, H, W), (N, C, H, W), (K, N, d) or (K, N, C, H, W)"
        )

    def member_state(self, k: int) -> dict[str, Tensor]:
        """Member ``k``'s weights, biases and feedback as a plain dict of unstacked tensors."""
        state = {}
        for l in range(self.n_layers):
            state[f"W{l}"] = self.weights[l][k].detach().clone()
            state[f"B{l}"] = self.feedback(l)[k].clone()
            if self.biases is not None:
                state[f"b{l}"] = self.biases[l][k].detach().clone()
        return state

    def extra_repr(self) -> str:
        rules = sorted({m.label for m in self.members})
        return f"sizes={self.sizes}, members={self.n_members} ({', '.join(rules)}), activation={self.activation!r}"


# Paper B Table S1's two CNNs. The paper names them only ("a LeNet variant, two convolutional and
# three fully connected layers"; "an AlexNet variant, five convolutional and three fully connected
# layers"); these are the classic layouts, with ``width`` scaling channels and hidden units.
# ("conv", channels, kernel, padding) | ("pool",) | ("fc", units); the last fc is the classifier.
CNN_ARCHS = {
    "lenet": (("conv", 6, 5, 0), ("pool",), ("conv", 16, 5, 0), ("pool",),
              ("fc", 120), ("fc", 84), ("fc", None)),
    "alexnet": (("conv", 64, 3, 1), ("pool",), ("conv", 192, 3, 1), ("pool",),
                ("conv", 384, 3, 1), ("conv", 256, 3, 1), ("conv", 256, 3, 1), ("pool",),
                ("fc", 1024), ("fc", 512), ("fc", None)),
}


class FeedbackCNN(nn.Module):
    """One CNN of Table S1 whose every layer (conv and fc) follows the member's rule; ReLU after
    every layer but the last, 2×2 max-pooling where the architecture says."""

    def __init__(self, arch: str, input_shape: Sequence[int], num_classes: int,
                 member: Member = Member(), width: float = 1.0) -> None:
        from ..rules.feedback import FeedbackConv2d, FeedbackLinear
        from ..rules.init import init_weights_and_feedback

        super().__init__()
        if arch not in CNN_ARCHS:
            raise ValueError(f"unknown CNN {arch!r}; valid: {tuple(CNN_ARCHS)}")
        if width <= 0:
            raise ValueError(f"width must be > 0, got {width}")
        c, h, w = (int(n) for n in input_shape)
        self.member, self.arch = member, arch
        layers, self.plan = nn.ModuleList(), []
        for spec in CNN_ARCHS[arch]:
            if spec[0] == "pool":
                self.plan.append("pool")
                h, w = h // 2, w // 2
            elif spec[0] == "conv":
                out = max(1, round(spec[1] * width))
                layers.append(FeedbackConv2d(c, out, spec[2], padding=spec[3], rule=member.rule))
                c, h, w = out, h - spec[2] + 2 * spec[3] + 1, w - spec[2] + 2 * spec[3] + 1
                self.plan.append(len(layers) - 1)
            else:
                n_in = c * h * w if h else c
                out = num_classes if spec[1] is None else max(1, round(spec[1] * width))
                layers.append(FeedbackLinear(n_in, out, rule=member.rule))
                c, h, w = out, 0, 0
                self.plan.append(len(layers) - 1)
            if h < 0 or (h == 0 and spec[0] != "fc"):
                raise ValueError(f"input {tuple(input_shape)} is too small for {arch!r}")
        self.layers = layers
        draws = init_weights_and_feedback([m.weight.shape for m in layers], seed=member.seed,
                                          theta_init=member.theta, a=member.a, b=member.b)
        with torch.no_grad():
            for m, (wt, fb) in zip(layers, draws):
                m.weight.copy_(wt)
                m.feedback.copy_(fb)
                m.bias.zero_()

    def forward(self, x: Tensor, *, backward: str = "own") -> Tensor:
        from ..rules.feedback import FeedbackConv2d, feedback_conv2d, feedback_linear

        if backward not in ("own", "bp"):
            raise ValueError(f"backward must be 'own' or 'bp', got {backward!r}")
        last = len(self.layers) - 1
        for step in self.plan:
            if step == "pool":
                x = F.max_pool2d(x, 2)
                continue
            m = self.layers[step]
            fb = None if backward == "bp" or m.rule == "bp" else m.feedback
            if isinstance(m, FeedbackConv2d):
                x = feedback_conv2d(x, m.weight, m.bias, fb, m.stride, m.padding)
            else:
                x = feedback_linear(x.flatten(1), m.weight, m.bias, fb)
            if step != last:
                x = F.relu(x)
        return x


class CNNEnsemble(nn.Module):
    """K independent :class:`FeedbackCNN` s behind the ensemble interface of :class:`FeedbackMLP`
    (logits ``(K, N, classes)``; shared ``(N, C, H, W)`` or per-member ``(K, N, C, H, W)`` inputs).
    Members run one after the other: convolutions gain little from batching on a CPU. Alignment
    angles are not tracked (``tracks_alignment = False``)."""

    tracks_alignment = False

    def __init__(self, arch: str, input_shape: Sequence[int], num_classes: int,
                 members: Sequence[Member], width: float = 1.0) -> None:
        super().__init__()
        self.members = list(members)
        if not self.members:
            raise ValueError("an ensemble needs at least one Member")
        self.nets = nn.ModuleList(FeedbackCNN(arch, input_shape, num_classes, m, width)
                                  for m in self.members)

    @property
    def n_members(self) -> int:
        return len(self.members)

    def forward(self, x: Tensor, *, backward: str = "own") -> Tensor:
        if x.dim() == 5:
            if x.shape[0] != self.n_members:
                raise ValueError(f"per-member input needs K={self.n_members}, got {tuple(x.shape)}")
            return torch.stack([net(xk, backward=backward) for net, xk in zip(self.nets, x)])
        if x.dim() != 4:
            raise ValueError(f"CNN input must be (N, C, H, W) or (K, N, C, H, W), got {tuple(x.shape)}")
        return torch.stack([net(x, backward=backward) for net in self.nets])
