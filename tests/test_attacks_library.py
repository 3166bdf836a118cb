"""torchattacks through the two gradient paths, and the gradient-masking checklist (Paper B §4.4,
A.4; chapter 12; Athalye, Carlini & Wagner 2018)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from fa_companion.measure.robustness import attacks as A
from fa_companion.measure.robustness import library as L
from fa_companion.measure.robustness.masking import CHECKS, masking_checklist, passes
from fa_companion.nets.models import FeedbackMLP, Member

pytest.importorskip("torchattacks", reason=L.INSTALL)


pytestmark = pytest.mark.usefixtures("one_thread")


def mixed_mlp(dtype=torch.float64) -> FeedbackMLP:
    """BP, FA and IFA 30° members with nonzero biases, on 4×4 one-channel images."""
    torch.manual_seed(0)
    model = FeedbackMLP((16, 12, 8, 5), [Member("bp", None, 0), Member("fa", None, 1),
                                         Member("ifa", 30.0, 2)]).to(dtype)
    with torch.no_grad():
        for b in model.biases:
            b.normal_(0, 0.1)
    return model


def images(n=24, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 4, 4, generator=g, dtype=dtype)
    x[:4] = x[:4].round()  # pixels at exactly 0 and 1
    return x, torch.randint(0, 5, (n,), generator=g)


@pytest.mark.parametrize("path", ["true", "feedback"])
@pytest.mark.parametrize("method", ["fgsm", "bim"])
def test_library_equals_our_attacks_to_the_bit(method, path):
    model = mixed_mlp()
    x, y = images()
    own = A.attack(model, x, y, method, 0.1, path=path, steps=7)
    lib = L.attack_members(model, x, y, method, 0.1, path=path, steps=7)
    assert torch.equal(own, lib)
    assert (own - x).abs().max() > 0.05  # the attacks moved the images


@pytest.mark.parametrize("path", ["true", "feedback"])
def test_library_pgd_equals_ours_from_the_same_start(path):
    """torchattacks' PGD draws its start from the global random state (uniform in the ε-ball);
    from that start our iteration gives the same images."""
    model = mixed_mlp()
    x, y = images()
    eps, steps, seed = 0.1, 6, 3
    lib = L.attack_members(model, x, y, "pgd", eps, path=path, steps=steps, seed=seed)
    for k in range(model.n_members):
        torch.manual_seed(seed + k)
        start = (x + torch.empty_like(x).uniform_(-eps, eps)).clamp(0, 1)
        one = FeedbackMLP(model.sizes, [model.members[k]]).to(torch.float64)
        one.load_state_dict({n: t[k : k + 1] if t.dim() and t.shape[0] == 3 else t
                             for n, t in model.state_dict().items()})
        own = A._iterate(one, x, y, eps, start.unsqueeze(0), path=path, steps=steps, alpha=None)[0]
        torch.testing.assert_close(own, lib[k], rtol=0, atol=1e-15)


def test_twin_and_feedback_wrappers_give_the_two_input_gradients():
    model = mixed_mlp()
    x, y = images()
    for path, wrap in (("true", L.PlainTwin), ("feedback", L.FeedbackPath)):
        ref = A.input_gradient(model, x, y, path=path)
        for k in range(model.n_members):
            xk = x.clone().requires_grad_(True)
            F.cross_entropy(wrap(model, k)(xk), y, reduction="sum").backward()
            torch.testing.assert_close(xk.grad, ref[k], rtol=1e-12, atol=1e-14)
    # the twin is plain autograd: its gradient is autograd's of member k's plain forward function
    s = model.member_state(1)
    xk = x.clone().requires_grad_(True)
    h = xk.flatten(1)
    for l in range(model.n_layers):
        h = h @ s[f"W{l}"].T + s[f"b{l}"]
        h = h if l == model.n_layers - 1 else torch.relu(h)
    (g,) = torch.autograd.grad(F.cross_entropy(h, y, reduction="sum"), xk)
    xt = x.clone().requires_grad_(True)
    F.cross_entropy(L.PlainTwin(model, 1)(xt), y, reduction="sum").backward()
    torch.testing.assert_close(xt.grad, g)
    assert not any(isinstance(m, FeedbackMLP) for m in L.PlainTwin(model, 1).modules())
    assert not torch.allclose(A.input_gradient(model, x, y, path="feedback")[1], xt.grad)


@pytest.mark.parametrize("method", ["square", "apgd_ce", "apgd_dlr", "pgd_restarts"])
def test_strong_attacks_stay_in_the_eps_ball_and_pixel_range(method):
    model = mixed_mlp(torch.float32)
    x, y = images(dtype=torch.float32)
    eps = 0.1
    state = torch.random.get_rng_state()
    adv = L.attack_members(model, x, y, method, eps, path="feedback", restarts=2, apgd_steps=10,
                           n_queries=60, seed=1)
    assert torch.equal(state, torch.random.get_rng_state())  # seeded without touching the global state
    assert adv.shape == (3, *x.shape)
    assert (adv >= 0).all() and (adv <= 1).all()
    assert ((adv - x).abs() <= eps + 1e-6).all()
    assert (adv - x).abs().max() > 0.5 * eps
    torch.testing.assert_close(adv, L.attack_members(model, x, y, method, eps, path="feedback",
                                                     restarts=2, apgd_steps=10, n_queries=60, seed=1))
    torch.testing.assert_close(L.attack_members(model, x, y, method, 0.0), x.expand(3, *x.shape))


def test_bad_arguments():
    model = mixed_mlp()
    x, y = images()
    with pytest.raises(ValueError, match="unknown attack"):
        L.attack_members(model, x, y, "cw", 0.1)
    with pytest.raises(ValueError, match="gradient path"):
        L.attack_members(model, x, y, "pgd", 0.1, path="B")
    with pytest.raises(ValueError, match="eps"):
        L.library_attack(L.PlainTwin(model, 0), x, y, "fgsm", -1.0)
    with pytest.raises(ValueError, match="n_queries"):
        L.library_attack(L.PlainTwin(model, 0), x, y, "square", 0.1, n_queries=0)
    with pytest.raises(ValueError, match="feedback"):
        L.member_modules(L.PlainTwin(model, 0), "feedback")
    with pytest.raises(ValueError, match="missing"):
        masking_checklist({"fgsm": 0.5})


# ----- the checklist on a plain and a deliberately masked network --------------------------------


class _ZeroGrad(torch.autograd.Function):
    """Identity forward, zero backward: a layer that hides the input gradient (masking)."""

    @staticmethod
    def forward(x):
        return x.view_as(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def backward(ctx, g):
        return torch.zeros_like(g)


class Masked(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(_ZeroGrad.apply(x))


def _trained(seed: int, x, y) -> nn.Module:
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(150):
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
    return net.requires_grad_(False).eval()


def _acc(net, x, y) -> float:
    with torch.no_grad():
        return (net(x).argmax(-1) == y).float().mean().item()


def _checklist_accuracies(net, source, x, y, eps, eps_max):
    """The checklist's accuracies for ``net``: every attack at ``eps``, the iterative ones at
    ``eps_max``, the transfer from ``source``, random signs."""
    run = lambda m, method, e: L.library_attack(m, x, y, method, e, steps=10, restarts=2,  # noqa: E731
                                                apgd_steps=20, n_queries=300, seed=0)
    iterative = ("bim", "pgd", "pgd_restarts", "apgd_ce", "apgd_dlr")
    signs = (2 * torch.randint(0, 2, x.shape, generator=torch.Generator().manual_seed(0)) - 1)
    return {
        "clean": _acc(net, x, y),
        "fgsm": _acc(net, run(net, "fgsm", eps), y),
        "iterative": min(_acc(net, run(net, m, eps), y) for m in iterative),
        "transfer": min(_acc(net, run(source, m, eps), y) for m in ("fgsm", "pgd")),
        "noise": _acc(net, (x + eps * signs).clamp(0, 1), y),
        "gradient_free": _acc(net, run(net, "square", eps), y),
        "unbounded": min(_acc(net, run(net, m, eps_max), y) for m in ("pgd", "apgd_ce")),
    }


def test_checklist_passes_a_plain_model_and_fails_a_masked_one():
    from fa_companion.data.datasets import load_dataset

    d = load_dataset("digits", seed=0)
    net, source = _trained(0, d.x_train, d.y_train), _trained(1, d.x_train, d.y_train)
    x, y = d.x_test[:200], d.y_test[:200]
    assert _acc(net, x, y) > 0.9
    plain = _checklist_accuracies(net, source, x, y, eps=0.1, eps_max=0.5)
    rows = masking_checklist(plain)
    assert [r.check for r in rows] == list(CHECKS)
    assert passes(rows), [r.text for r in rows if not r.passed]
    masked = _checklist_accuracies(Masked(net), source, x, y, eps=0.1, eps_max=0.5)
    assert masked["fgsm"] == plain["clean"]  # a zero gradient moves nothing
    rows = {r.check: r for r in masking_checklist(masked)}
    assert not passes(list(rows.values()))
    for check in ("white-box stronger than transfer", "unbounded ε reaches zero accuracy",
                  "random noise weaker than the attack", "gradient-free no stronger than gradient"):
        assert not rows[check].passed, rows[check].text


def test_checklist_rows_follow_their_definitions():
    base = dict(fgsm=0.40, iterative=0.30, transfer=0.50, noise=0.80, gradient_free=0.35, unbounded=0.0)
    assert passes(masking_checklist(base))
    flip = lambda **kw: {r.check: r.passed for r in masking_checklist({**base, **kw})}  # noqa: E731
    assert not flip(iterative=0.45)["iterative stronger than single-step"]
    assert flip(iterative=0.405)["iterative stronger than single-step"]  # within tol
    assert not flip(transfer=0.20)["white-box stronger than transfer"]
    assert not flip(unbounded=0.02)["unbounded ε reaches zero accuracy"]
    assert not flip(noise=0.34)["random noise weaker than the attack"]  # within the 5-point margin
    assert flip(noise=0.36)["random noise weaker than the attack"]
    assert not flip(gradient_free=0.10)["gradient-free no stronger than gradient"]
    with pytest.raises(ValueError, match="fractions"):
        masking_checklist({**base, "noise": 80.0})


def test_every_install_path_installs_torchattacks_without_deps():
    from fa_companion.store.results import repo_root

    root = repo_root()
    for name in ("Makefile", "postBuild", "environment.yml", "README.md", "book/reproducing.md"):
        assert L.INSTALL.removeprefix("pip ") in (root / name).read_text(encoding="utf-8"), name


def test_strongest_arrays_take_the_minimum_and_the_per_image_worst_case():
    from types import SimpleNamespace

    from fa_companion.measure.robustness.experiments import strong_attack_plan, strongest_arrays

    models = {"BP": {"m": "bp"}, "IFA 0°": {"m": "ifa"}}
    plan = strong_attack_plan(["noise", "fgsm", "square"], [0.0, 0.1], models, dataset="digits",
                              n_eval=4, n_test=None)
    assert [(m, e, label) for m, e, label, _ in plan] == [
        ("noise", 0.0, "BP"), ("noise", 0.0, "IFA 0°"), ("noise", 0.1, "BP"), ("noise", 0.1, "IFA 0°"),
        ("fgsm", 0.1, "BP"), ("fgsm", 0.1, "IFA 0°"), ("square", 0.1, "BP"), ("square", 0.1, "IFA 0°")]
    clean = np.array([[1, 1, 1, 0]], dtype=np.uint8)  # (K=1, N=4)
    fake = {"noise": [[1, 1, 1, 0]], "fgsm": [[1, 0, 1, 0], [1, 1, 0, 0]], "square": [[0, 1, 1, 0]]}
    results = []
    for method, eps, _, config in plan:
        rows = clean[None] if eps == 0 else np.array(fake[method], dtype=np.uint8)[:, None]
        assert rows.shape[0] == len(config["paths"])
        results.append(SimpleNamespace(arrays={"correct": rows[:, None]}))  # (P, C=1, K, N)
    out = strongest_arrays(plan, results, [0.0, 0.1], list(models))
    assert set(out["attacks"]) == {"fgsm/true", "fgsm/feedback", "square"}
    np.testing.assert_allclose(out["acc"]["square"][:, 0, 0], [0.75, 0.5])  # ε = 0 holds the clean images
    np.testing.assert_allclose(out["strongest"][1, :, 0], [0.5, 0.5])  # the lowest attack: 2 of 4
    np.testing.assert_allclose(out["worst_case"][1, :, 0], [0.0, 0.0])  # no image survives all three
    np.testing.assert_allclose(out["worst_case"][0, :, 0], [0.75, 0.75])
