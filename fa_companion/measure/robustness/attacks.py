"""L∞ adversarial attacks with an explicit input-gradient path (Paper B §4.4, A.4, B.10; Figs 7,
S12, S13).

- **FGSM** (Goodfellow et al. 2015; Paper B eq. in §B.10): ``x_adv = clip₀¹(x + ε·sign(∇ₓL(x, y)))``.
- **BIM** (Kurakin et al. 2017): start at x; ``steps`` times ``x ← clip₀¹(Π_ε(x + α·sign(∇ₓL)))``
  where Π_ε clips to the L∞ ball of radius ε around the clean image. No random start.
- **PGD** (Madry et al. 2018): BIM from a uniform random start in the ε-ball (clipped to [0, 1]).

L is the softmax cross-entropy. ``α`` defaults to ``2.5·ε/steps`` (Madry et al.'s rule; ε/4 for
the default 10 steps, close to torchattacks' 2/255 at ε = 8/255).

**Gradient paths.** Paper B does not say which input gradient its attacks used on FA networks. On
a :class:`~fa_companion.nets.models.FeedbackMLP`:

- ``path="true"``: the exact input gradient of the network's forward function (every member
  backpropagates through its own Wᵀ: ``model(x, backward="bp")``);
- ``path="feedback"``: the network's own learning rule sends the error to the input, through
  every layer's feedback matrix B, including B₀ of the first layer, which never acts in training
  (``model(x)`` with ``x.requires_grad``). For BP members both paths are the same gradient.

The feedback path is not the gradient of the function being attacked, so a network can look robust
under it merely because its B is a poor guide (gradient masking). A **transfer attack** (examples
crafted on another network, e.g. BP's, and evaluated here: ``targets`` of :func:`attack_accuracy`)
needs no gradient of the attacked network at all.

Ensembles: a model holds K members with logits ``(K, N, classes)``; clean images ``x`` are shared,
``(N, …)``, and every member gets its own adversarial examples, returned as ``(K, N, …)``.

These hand-written attacks compute the stored Fig 7/S12/S13 results and stay for that reason and
because they attack all K members in one batched pass; torchattacks (:mod:`.library`) attacks one
network at a time. Its FGSM and BIM equal these to the bit in float64, its PGD does from the same
random start (``tests/test_attacks_library.py``).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from ...nets.models import FeedbackMLP

__all__ = [
    "PATHS",
    "ATTACKS",
    "input_gradient",
    "fgsm",
    "bim",
    "pgd",
    "attack",
    "random_sign",
    "member_accuracy",
    "attack_accuracy",
    "gradient_agreement",
]

PATHS = ("true", "feedback")
"""Input-gradient paths: the exact gradient of the forward function, or through the network's B."""
ATTACKS = ("fgsm", "bim", "pgd")
"""The L∞ attacks :func:`attack` runs by name."""


def _check_path(path: str) -> str:
    if path not in PATHS:
        raise ValueError(f"unknown gradient path {path!r}; valid paths are {PATHS}")
    return path


def _check_eps(eps: float) -> float:
    eps = float(eps)
    if not math.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite number ≥ 0, got {eps!r}")
    return eps


def n_members(model) -> int:
    """K for a :class:`FeedbackMLP`; 1 for any other model (a callable ``(N, …) -> (N, classes)``)."""
    return model.n_members if isinstance(model, FeedbackMLP) else 1


def _forward(model, path: str) -> Callable[[Tensor], Tensor]:
    """``f(x (K, N, …)) -> logits (K, N, classes)`` along gradient ``path``."""
    _check_path(path)
    if isinstance(model, FeedbackMLP):
        backward = "bp" if path == "true" else "own"
        return lambda x: model(x.reshape(x.shape[0], x.shape[1], -1), backward=backward)
    if path == "feedback":
        raise ValueError(
            f"path 'feedback' needs a FeedbackMLP (the network's own B); got {type(model).__name__}"
        )
    return lambda x: model(x[0]).unsqueeze(0)


@contextlib.contextmanager
def _frozen(model) -> Iterator[None]:
    """Parameters not requiring grad while attacking: no weight gradients are computed (a custom
    autograd Function would otherwise compute them), and none leak into ``.grad``."""
    params = [p for p in model.parameters()] if isinstance(model, torch.nn.Module) else []
    flags = [p.requires_grad for p in params]
    try:
        for p in params:
            p.requires_grad_(False)
        yield
    finally:
        for p, flag in zip(params, flags):
            p.requires_grad_(flag)


def _loss(logits: Tensor, y: Tensor) -> Tensor:
    """Σ over members and images of the cross-entropy (each member's gradient is its own)."""
    k = logits.shape[0]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.repeat(k), reduction="sum")


def _grad(f: Callable[[Tensor], Tensor], x: Tensor, y: Tensor) -> Tensor:
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(_loss(f(x), y), x)
    return g


def _per_member(model, x: Tensor) -> Tensor:
    """Shared clean images (N, …) → a private copy per member (K, N, …)."""
    k = n_members(model)
    return x.detach().unsqueeze(0).expand(k, *x.shape).clone()


def input_gradient(model, x: Tensor, y: Tensor, *, path: str = "true",
                   per_member: bool = False) -> Tensor:
    """∇ₓ of the cross-entropy for every member along ``path``, shape ``(K, N, …)``; ``x`` is shared
    ``(N, …)`` or, with ``per_member``, ``(K, N, …)``."""
    f = _forward(model, path)
    xk = x if per_member else _per_member(model, x)
    with _frozen(model):
        return _grad(f, xk, y)


def fgsm(model, x: Tensor, y: Tensor, eps: float, *, path: str = "true") -> Tensor:
    """FGSM: ``clip₀¹(x + ε·sign(∇ₓL))`` per member, ``(K, N, …)`` (Paper B §B.10)."""
    eps = _check_eps(eps)
    xk = _per_member(model, x)
    if eps == 0:
        return xk
    g = input_gradient(model, xk, y, path=path, per_member=True)
    return (xk + eps * g.sign()).clamp_(0.0, 1.0)


def _iterate(model, x: Tensor, y: Tensor, eps: float, start: Tensor, *, path: str, steps: int,
             alpha: float | None) -> Tensor:
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    alpha = 2.5 * eps / steps if alpha is None else float(alpha)
    if alpha < 0:
        raise ValueError(f"alpha must be ≥ 0, got {alpha}")
    f = _forward(model, path)
    clean = _per_member(model, x)
    lo, hi = (clean - eps).clamp_(min=0.0), (clean + eps).clamp_(max=1.0)
    adv = start
    with _frozen(model):
        for _ in range(steps):
            g = _grad(f, adv, y)
            adv = torch.minimum(torch.maximum(adv + alpha * g.sign(), lo), hi).detach()
    return adv


def bim(model, x: Tensor, y: Tensor, eps: float, *, path: str = "true", steps: int = 10,
        alpha: float | None = None) -> Tensor:
    """BIM: ``steps`` FGSM steps of size ``alpha`` from the clean image, each projected onto the
    ε-ball and [0, 1] (Paper B Fig S12). No random start."""
    eps = _check_eps(eps)
    start = _per_member(model, x)
    if eps == 0:
        return start
    return _iterate(model, x, y, eps, start, path=path, steps=steps, alpha=alpha)


def pgd(model, x: Tensor, y: Tensor, eps: float, *, path: str = "true", steps: int = 10,
        alpha: float | None = None, seed: int = 0) -> Tensor:
    """PGD: BIM from a uniform random start in the ε-ball (clipped to [0, 1]), drawn per member
    from a generator seeded with ``seed`` on the images' device (Paper B Fig S13)."""
    eps = _check_eps(eps)
    clean = _per_member(model, x)
    if eps == 0:
        return clean
    gen = torch.Generator(device=clean.device).manual_seed(int(seed))
    noise = torch.rand(clean.shape, generator=gen, device=clean.device, dtype=clean.dtype)
    start = (clean + (2 * noise - 1) * eps).clamp_(0.0, 1.0)
    return _iterate(model, x, y, eps, start, path=path, steps=steps, alpha=alpha)


def random_sign(model, x: Tensor, eps: float, *, seed: int = 0) -> Tensor:
    """The control for FGSM: ``clip₀¹(x + ε·s)`` with uniformly random signs s, one draw per member
    ``(K, N, …)``. An attack whose gradient carries no information about the loss does this well."""
    eps = _check_eps(eps)
    clean = _per_member(model, x)
    gen = torch.Generator(device=clean.device).manual_seed(int(seed))
    signs = torch.randint(0, 2, clean.shape, generator=gen, device=clean.device).to(clean.dtype)
    return (clean + eps * (2 * signs - 1)).clamp_(0.0, 1.0)


def attack(model, x: Tensor, y: Tensor, method: str, eps: float, *, path: str = "true",
           steps: int = 10, alpha: float | None = None, seed: int = 0) -> Tensor:
    """One of :data:`ATTACKS` by name; returns per-member adversarial images ``(K, N, …)``."""
    if method == "fgsm":
        return fgsm(model, x, y, eps, path=path)
    if method == "bim":
        return bim(model, x, y, eps, path=path, steps=steps, alpha=alpha)
    if method == "pgd":
        return pgd(model, x, y, eps, path=path, steps=steps, alpha=alpha, seed=seed)
    raise ValueError(f"unknown attack {method!r}; valid attacks are {ATTACKS}")


@torch.no_grad()
def member_accuracy(model, x: Tensor, y: Tensor, *, per_member: bool = False) -> Tensor:
    """Fraction of correct predictions of every member, shape ``(K,)``; ``x`` is shared ``(N, …)`` or,
    with ``per_member``, ``(K, N, …)`` (member k classifies ``x[k]``)."""
    xk = x if per_member else x.unsqueeze(0).expand(n_members(model), *x.shape)
    logits = _forward(model, "true")(xk)
    return (logits.argmax(-1) == y).float().mean(-1)


def attack_accuracy(model, x: Tensor, y: Tensor, *, method: str, eps: float, path: str = "true",
                    steps: int = 10, alpha: float | None = None, seed: int = 0,
                    batch_size: int = 1000, targets: Sequence = ()) -> tuple[Tensor, list[Tensor]]:
    """Accuracy ``(K,)`` of every member of ``model`` on its own adversarial examples, crafted in
    batches of ``batch_size`` images (PGD's start in batch b drawn with seed ``seed + b``); and the
    accuracy of every model in ``targets`` (each with K members) when member k receives member k's
    examples (a transfer attack: no gradient of the target is used)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
    k = n_members(model)
    for t in targets:
        if n_members(t) != k:
            raise ValueError(f"transfer targets need {k} members like the source, got {n_members(t)}")
    correct = torch.zeros(k, device=x.device)
    correct_t = [torch.zeros(k, device=x.device) for _ in targets]
    for b, start in enumerate(range(0, len(x), batch_size)):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        adv = attack(model, xb, yb, method, eps, path=path, steps=steps, alpha=alpha, seed=seed + b)
        correct += member_accuracy(model, adv, yb, per_member=True) * len(yb)
        for i, t in enumerate(targets):
            correct_t[i] += member_accuracy(t, adv, yb, per_member=True) * len(yb)
    n = max(len(x), 1)
    return correct / n, [c / n for c in correct_t]


def gradient_agreement(model, x: Tensor, y: Tensor, *, batch_size: int = 1000) -> dict[str, Tensor]:
    """How well the feedback path points where the true gradient does, per member ``(K,)``:
    ``cosine`` (mean over images of the cosine between the two input gradients) and ``sign`` (the
    fraction of pixels where their signs agree: what FGSM uses; 1 for BP, ½ for unrelated
    directions)."""
    k = n_members(model)
    cos_sum = torch.zeros(k, device=x.device)
    sign_sum = torch.zeros(k, device=x.device)
    for start in range(0, len(x), batch_size):
        xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        g_true = input_gradient(model, xb, yb, path="true").flatten(2)
        g_fb = input_gradient(model, xb, yb, path="feedback").flatten(2)
        cos_sum += F.cosine_similarity(g_true, g_fb, dim=-1, eps=1e-30).sum(-1)
        sign_sum += (g_true.sign() == g_fb.sign()).float().mean(-1).sum(-1)
    n = max(len(x), 1)
    return {"cosine": cos_sum / n, "sign": sign_sum / n}
