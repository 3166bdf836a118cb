"""FGSM, BIM and PGD with an explicit gradient path (Paper B §4.4, A.4, B.10)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from fa_companion.measure.robustness import attacks as A
from fa_companion.nets.models import FeedbackMLP, Member

pytestmark = pytest.mark.usefixtures("one_thread")


def mlp(rule: str, sizes=(12, 16, 8, 5), seeds=(0, 1, 2), theta=None) -> FeedbackMLP:
    torch.manual_seed(0)
    model = FeedbackMLP(sizes, [Member(rule, theta, s) for s in seeds])
    with torch.no_grad():
        for b in model.biases:
            b.normal_(0, 0.1)
    return model


def data(n=20, d=12, classes=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, d, generator=g), torch.randint(0, classes, (n,), generator=g)


def plain_logits(model, k, x):
    """Member k's forward function from plain tensors (no feedback Functions anywhere)."""
    s = model.member_state(k)
    h = x
    for l in range(model.n_layers):
        h = h @ s[f"W{l}"].T + s[f"b{l}"]
        h = h if l == model.n_layers - 1 else torch.relu(h)
    return h


def test_fgsm_on_a_linear_model_follows_the_analytic_gradient_sign():
    model = mlp("bp", sizes=(12, 5))
    x, y = data()
    x = 0.2 + 0.6 * x  # interior: no clamping at ε = 0.05
    adv = A.fgsm(model, x, y, 0.05)
    assert adv.shape == (3, 20, 12)
    for k in range(3):
        s = model.member_state(k)
        p = torch.softmax(x @ s["W0"].T + s["b0"], -1)
        grad = (p - F.one_hot(y, 5).float()) @ s["W0"]  # ∇ₓ CE of a linear softmax model
        torch.testing.assert_close(adv[k], x + 0.05 * grad.sign())


def test_feedback_path_is_the_chain_through_B():
    model = mlp("fa", sizes=(12, 16, 5))
    x, y = data()
    g_fb = A.input_gradient(model, x, y, path="feedback")
    g_true = A.input_gradient(model, x, y, path="true")
    for k in range(3):
        s = model.member_state(k)
        z0 = x @ s["W0"].T + s["b0"]
        p = torch.softmax(torch.relu(z0) @ s["W1"].T + s["b1"], -1)
        e = p - F.one_hot(y, 5).float()
        torch.testing.assert_close(g_fb[k], ((e @ s["B1"]) * (z0 > 0)) @ s["B0"])
        torch.testing.assert_close(g_true[k], ((e @ s["W1"]) * (z0 > 0)) @ s["W0"])
        xk = x.clone().requires_grad_(True)
        F.cross_entropy(plain_logits(model, k, xk), y, reduction="sum").backward()
        torch.testing.assert_close(g_true[k], xk.grad)
    assert not torch.allclose(g_fb, g_true)


def test_true_and_feedback_paths_agree_for_bp():
    model = mlp("bp")
    x, y = data()
    torch.testing.assert_close(A.input_gradient(model, x, y, path="true"),
                               A.input_gradient(model, x, y, path="feedback"))
    for method in A.ATTACKS:
        torch.testing.assert_close(A.attack(model, x, y, method, 0.03, path="true"),
                                   A.attack(model, x, y, method, 0.03, path="feedback"))
    agree = A.gradient_agreement(model, x, y)
    torch.testing.assert_close(agree["cosine"], torch.ones(3))
    torch.testing.assert_close(agree["sign"], torch.ones(3))


@pytest.mark.parametrize("method", A.ATTACKS)
@pytest.mark.parametrize("path", A.PATHS)
def test_attacks_stay_in_the_eps_ball_and_pixel_range(method, path):
    model = FeedbackMLP((12, 16, 8, 5), [Member("bp", None, 0), Member("fa", None, 1),
                                         Member("ifa", 30.0, 2)])
    x, y = data()
    x[:5] = x[:5].round()  # pixels at exactly 0 and 1
    eps = 0.1
    adv = A.attack(model, x, y, method, eps, path=path, steps=5, seed=3)
    assert adv.shape == (3, *x.shape)
    assert (adv >= 0).all() and (adv <= 1).all()
    assert ((adv - x).abs() <= eps + 1e-6).all()
    assert (adv - x).abs().max() > 0.5 * eps
    torch.testing.assert_close(A.attack(model, x, y, method, 0.0, path=path), x.expand(3, *x.shape))


def test_pgd_random_start_is_seeded_and_bim_has_none():
    model = mlp("bp")
    x, y = data()
    a = A.pgd(model, x, y, 0.05, seed=1)
    torch.testing.assert_close(a, A.pgd(model, x, y, 0.05, seed=1))
    assert not torch.equal(a, A.pgd(model, x, y, 0.05, seed=2))
    # one BIM step of α = ε from the clean image is FGSM
    torch.testing.assert_close(A.bim(model, x, y, 0.05, steps=1, alpha=0.05), A.fgsm(model, x, y, 0.05))


def test_pgd_is_at_least_as_strong_as_fgsm_on_a_trained_model():
    from fa_companion.data.datasets import load_dataset

    d = load_dataset("digits", seed=0).flat()
    model = FeedbackMLP((64, 32, 10), [Member("bp", None, s) for s in range(3)])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x_train, y_train = d.x_train[:600], d.y_train[:600]
    for _ in range(80):
        opt.zero_grad()
        F.cross_entropy(model(x_train).flatten(0, 1), y_train.repeat(3)).backward()
        opt.step()
    x, y = d.x_test[:300], d.y_test[:300]
    clean = A.member_accuracy(model, x, y)
    assert (clean > 0.85).all()
    eps = 0.05
    acc = {}
    for method in A.ATTACKS:
        acc[method], _ = A.attack_accuracy(model, x, y, method=method, eps=eps, steps=20, batch_size=128)
    assert (acc["fgsm"] < clean).all()
    assert (acc["pgd"] <= acc["fgsm"]).all() and (acc["bim"] <= acc["fgsm"]).all()
    losses = {}
    for method in ("fgsm", "pgd"):
        adv = A.attack(model, x, y, method, eps, steps=20)
        losses[method] = F.cross_entropy(model(adv, backward="bp").flatten(0, 1), y.repeat(3))
    assert losses["pgd"] >= losses["fgsm"]


def test_random_sign_control():
    model = mlp("bp")
    x, y = data()
    x = 0.2 + 0.6 * x
    a = A.random_sign(model, x, 0.05, seed=4)
    assert a.shape == (3, *x.shape)
    torch.testing.assert_close((a - x).abs(), torch.full_like(a, 0.05))
    torch.testing.assert_close(a, A.random_sign(model, x, 0.05, seed=4))
    assert not torch.equal(a[0], a[1])  # one draw per member
    assert abs(((a - x) > 0).float().mean().item() - 0.5) < 0.1


def test_attack_accuracy_and_transfer():
    source = mlp("bp")
    target = mlp("fa", seeds=(5, 6, 7))
    x, y = data(30)
    acc, (acc_t, acc_self) = A.attack_accuracy(source, x, y, method="bim", eps=0.05, batch_size=7,
                                               targets=(target, source))
    torch.testing.assert_close(acc, acc_self)
    advs = [A.bim(source, x[i : i + 7], y[i : i + 7], 0.05) for i in range(0, 30, 7)]
    adv = torch.cat(advs, dim=1)
    torch.testing.assert_close(acc_t, A.member_accuracy(target, adv, y, per_member=True))
    with pytest.raises(ValueError, match="members"):
        A.attack_accuracy(source, x, y, method="fgsm", eps=0.1, targets=(mlp("bp", seeds=(0,)),))


def test_attacks_leave_parameters_untouched():
    model = mlp("fa")
    x, y = data()
    before = [p.detach().clone() for p in model.parameters()]
    A.pgd(model, x, y, 0.05, path="feedback")
    assert all(p.requires_grad and p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_plain_callables_support_the_true_path_only():
    model = mlp("bp", seeds=(0,))
    x, y = data()
    f = lambda inp: plain_logits(model, 0, inp)  # noqa: E731
    torch.testing.assert_close(A.fgsm(f, x, y, 0.02), A.fgsm(model, x, y, 0.02))
    with pytest.raises(ValueError, match="FeedbackMLP"):
        A.fgsm(f, x, y, 0.02, path="feedback")


def test_bad_arguments():
    model = mlp("bp")
    x, y = data()
    with pytest.raises(ValueError, match="gradient path"):
        A.fgsm(model, x, y, 0.1, path="B")
    with pytest.raises(ValueError, match="unknown attack"):
        A.attack(model, x, y, "cw", 0.1)
    with pytest.raises(ValueError, match="eps"):
        A.fgsm(model, x, y, -0.1)
    with pytest.raises(ValueError, match="steps"):
        A.bim(model, x, y, 0.1, steps=0)
