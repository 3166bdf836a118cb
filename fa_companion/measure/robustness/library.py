"""Attacks from a maintained library, torchattacks (Kim 2020), run on one network at a time along
an explicit gradient path (Paper B §4.4, A.4, B.10; Figs 7, S12, S13; chapter 12's masking
checks after Athalye, Carlini & Wagner 2018 and Croce & Hein 2020).

torchattacks attacks a ``Module`` mapping images ``(N, C, H, W)`` in [0, 1] to logits
``(N, classes)`` and takes its input gradient from autograd. An ensemble
(:class:`~fa_companion.nets.models.FeedbackMLP`, logits ``(K, N, classes)``) is therefore attacked
one member at a time, through one of two wrappers with the member's own W and b:

- :class:`PlainTwin` (``path="true"``): a plain-autograd copy of the member (``nn.Linear`` layers,
  no feedback Function anywhere); its input gradient is the exact gradient of the forward function,
  backpropagated through every Wᵀ.
- :class:`FeedbackPath` (``path="feedback"``): the member as it trains, a one-member
  :class:`~fa_companion.nets.models.FeedbackMLP` whose backward sends the error to the input through every layer's B,
  including B₀ of the first layer. Its forward function is the same as the twin's; only the
  gradient the attack receives differs. For a BP member both wrappers give the same gradient.

Attacks by name (:data:`LIBRARY_ATTACKS`), all L∞ with pixels clamped to [0, 1]:

- ``fgsm``, ``bim``, ``pgd``: torchattacks' FGSM, BIM and PGD with our settings (BIM/PGD: ``steps``
  steps of ``alpha``, default 2.5ε/steps). They equal :mod:`.attacks` (our hand-written versions,
  batched over members) to the last bit in float64 for FGSM and BIM, and for PGD from the same start
  (``tests/test_attacks_library.py``).
- ``pgd_restarts``: ``restarts`` PGD runs from independent random starts, each on the images the
  previous ones did not fool (torchattacks' ``MultiAttack``).
- ``apgd_ce``, ``apgd_dlr``: Auto-PGD with the cross-entropy or the difference-of-logits-ratio loss
  (Croce & Hein 2020, the white-box components of AutoAttack), ``apgd_steps`` steps, one restart.
- ``square``: the Square attack (Andriushchenko et al. 2020), score-based and gradient-free: it
  only queries the logits, at most ``n_queries`` times per image (margin loss, p_init 0.8).
  It needs no path.

What torchattacks cannot express, and we keep of our own: (1) the random-sign control (noise of
the attack's size, :func:`.attacks.random_sign`); (2) an attack batched over the K members of an
ensemble (torchattacks attacks one network at a time, so the stored Fig 7/S12/S13 results keep the
batched :mod:`.attacks`, whose PGD draws its random start per member from a seeded generator rather
than torchattacks' global random state); (3) the pairing of a transfer attack (source member k−1
→ target member k), in :mod:`fa_companion.measure.robustness.experiments`.

torchattacks 3.5.1 pins ``requests~=2.25.1``, which no current Sphinx accepts; its attacks never
use requests, so it is installed without dependencies: ``pip install --no-deps torchattacks==3.5.1``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ...nets.models import FeedbackMLP, activation_fn

__all__ = [
    "LIBRARY_ATTACKS",
    "GRADIENT_FREE",
    "INSTALL",
    "torchattacks",
    "PlainTwin",
    "FeedbackPath",
    "member_modules",
    "library_attack",
    "attack_members",
]

LIBRARY_ATTACKS = ("fgsm", "bim", "pgd", "pgd_restarts", "apgd_ce", "apgd_dlr", "square")
"""The attacks :func:`library_attack` runs by name."""
GRADIENT_FREE = ("square",)
"""Attacks that only query the logits: no gradient path."""
INSTALL = "pip install --no-deps torchattacks==3.5.1"
"""How to install the library (without its stale ``requests`` pin)."""


def torchattacks():
    """The torchattacks module, imported on first use (an ImportError naming :data:`INSTALL`)."""
    try:
        import torchattacks as ta
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(f"the library attacks need torchattacks: {INSTALL}") from err
    return ta


class _Act(nn.Module):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.fn = name, activation_fn(name)

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(x)

    def extra_repr(self) -> str:
        return self.name


class PlainTwin(nn.Sequential):
    """Member ``k`` of a :class:`~fa_companion.nets.models.FeedbackMLP` as plain ``nn.Linear`` layers with the same W and b
    (frozen): ``(N, …) -> (N, classes)``. Autograd through it gives the true input gradient, the
    one every attacker with the weights would use."""

    def __init__(self, model: FeedbackMLP, k: int) -> None:
        layers: list[nn.Module] = [nn.Flatten()]
        for l in range(model.n_layers):
            w = model.weights[l][k].detach()
            lin = nn.Linear(w.shape[1], w.shape[0], bias=model.biases is not None,
                            device=w.device, dtype=w.dtype)
            with torch.no_grad():
                lin.weight.copy_(w)
                if lin.bias is not None:
                    lin.bias.copy_(model.bias(l)[k].detach())
            layers += [lin, _Act(model.output_activation if l == model.n_layers - 1 else model.activation)]
        super().__init__(*layers)
        self.requires_grad_(False)
        self.eval()


class FeedbackPath(nn.Module):
    """Member ``k`` of a :class:`~fa_companion.nets.models.FeedbackMLP` as it trains: ``(N, …) -> (N, classes)`` with the
    member's own backward (errors sent through its B, B₀ included; autograd for a BP member).
    A one-member copy, so attacking it costs one network's work, not K."""

    def __init__(self, model: FeedbackMLP, k: int) -> None:
        super().__init__()
        net = FeedbackMLP(model.sizes, [model.members[k]], activation=model.activation,
                          output_activation=model.output_activation, bias=model.biases is not None)
        net = net.to(device=model.weights[0].device, dtype=model.weights[0].dtype)
        with torch.no_grad():
            for l in range(model.n_layers):
                net.weights[l].copy_(model.weights[l][k : k + 1])
                net.feedback(l).copy_(model.feedback(l)[k : k + 1])
                if model.biases is not None:
                    net.biases[l].copy_(model.biases[l][k : k + 1])
        net.feedback_step = model.feedback_step
        self.net = net.requires_grad_(False).eval()

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x, backward="own")[0]


def member_modules(model, path: str = "true") -> list[nn.Module]:
    """One module per member along ``path`` (:class:`PlainTwin` for ``"true"``,
    :class:`FeedbackPath` for ``"feedback"``); any other ``nn.Module`` ``(N, …) -> (N, classes)``
    is its own single member, on the true path only."""
    if path not in ("true", "feedback"):
        raise ValueError(f"unknown gradient path {path!r}; valid paths are ('true', 'feedback')")
    if isinstance(model, FeedbackMLP):
        wrap = PlainTwin if path == "true" else FeedbackPath
        with torch.random.fork_rng(devices=[]):  # layer init draws are overwritten: leave no trace
            return [wrap(model, k) for k in range(model.n_members)]
    if path == "feedback":
        raise ValueError(f"path 'feedback' needs a FeedbackMLP (the network's own B); got {type(model).__name__}")
    if not isinstance(model, nn.Module):
        raise TypeError(f"torchattacks needs an nn.Module, got {type(model).__name__}")
    return [model]


def _check(method: str, eps: float) -> float:
    if method not in LIBRARY_ATTACKS:
        raise ValueError(f"unknown attack {method!r}; valid attacks are {LIBRARY_ATTACKS}")
    eps = float(eps)
    if not math.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite number ≥ 0, got {eps!r}")
    return eps


def library_attack(module: nn.Module, x: Tensor, y: Tensor, method: str, eps: float, *,
                   steps: int = 10, alpha: float | None = None, restarts: int = 5,
                   apgd_steps: int = 100, n_queries: int = 1000, seed: int = 0) -> Tensor:
    """Adversarial images ``(N, …)`` for ``module`` from torchattacks' ``method`` (see the module
    docstring); ``x`` in [0, 1] with an image shape ``(N, C, H, W)`` (Square and APGD need it).
    Every random draw comes from ``seed`` (the global random state is restored afterwards)."""
    eps = _check(method, eps)
    for name, v in (("steps", steps), ("restarts", restarts), ("apgd_steps", apgd_steps),
                    ("n_queries", n_queries)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}")
    if x.dim() != 4:
        raise ValueError(f"images must be (N, C, H, W), got shape {tuple(x.shape)}")
    if eps == 0:
        return x.detach().clone()
    ta = torchattacks()
    alpha = 2.5 * eps / steps if alpha is None else float(alpha)
    if method == "fgsm":
        atk = ta.FGSM(module, eps=eps)
    elif method == "bim":
        atk = ta.BIM(module, eps=eps, alpha=alpha, steps=steps)
    elif method == "pgd":
        atk = ta.PGD(module, eps=eps, alpha=alpha, steps=steps, random_start=True)
    elif method == "pgd_restarts":
        atk = ta.MultiAttack([ta.PGD(module, eps=eps, alpha=alpha, steps=steps, random_start=True)
                              for _ in range(restarts)])
    elif method in ("apgd_ce", "apgd_dlr"):
        atk = ta.APGD(module, norm="Linf", eps=eps, steps=apgd_steps, n_restarts=1, seed=seed,
                      loss=method.split("_")[1])
    else:
        atk = ta.Square(module, norm="Linf", eps=eps, n_queries=n_queries, n_restarts=1,
                        p_init=0.8, loss="margin", seed=seed)
    devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        return atk(x.detach(), y.detach()).detach()


def attack_members(model, x: Tensor, y: Tensor, method: str, eps: float, *, path: str = "true",
                   **settings) -> Tensor:
    """:func:`library_attack` on every member of ``model`` along ``path`` (ignored for the
    gradient-free :data:`GRADIENT_FREE`); per-member adversarial images ``(K, N, …)``. Member k
    draws its random numbers from ``seed + k``."""
    _check(method, eps)
    mods = member_modules(model, "true" if method in GRADIENT_FREE else path)
    seed = int(settings.pop("seed", 0))
    return torch.stack([library_attack(m, x, y, method, eps, seed=seed + k, **settings)
                        for k, m in enumerate(mods)])
