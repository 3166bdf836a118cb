"""Mathematics of the learning rules in fa_companion.feedback.

Convention: W is (out, in) like nn.Linear.weight and the feedback B is stored shaped like W
(Paper B's B_lᵀ), so feedback alignment sends ``grad_out @ B`` to the layer input where
backpropagation sends ``grad_out @ W``. The weight and bias gradients are BP's.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from fa_companion.rules.feedback import (
    RULES,
    FeedbackConv2d,
    FeedbackLinear,
    check_rule,
    feedback_conv2d,
    feedback_linear,
)
from fa_companion.rules.init import init_feedback_layer_

D = torch.float64


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def _randn(*shape, seed=0, requires_grad=False):
    return torch.randn(*shape, generator=_gen(seed), dtype=D).requires_grad_(requires_grad)


def _bp_linear_grads(x, w, b, g):
    """Reference: autograd of F.linear / batched matmul (backpropagation) for upstream grad g."""
    x = x.detach().clone().requires_grad_(True)
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    if w.dim() == 2:
        out = F.linear(x, w, b)
    else:
        out = torch.matmul(x, w.transpose(-1, -2)) + b.unsqueeze(-2)
    out.backward(g)
    return x.grad, w.grad, b.grad


def _fa_linear_grads(x, w, b, fb, g):
    x = x.detach().clone().requires_grad_(True)
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    out = feedback_linear(x, w, b, fb)
    out.backward(g)
    return out, x.grad, w.grad, b.grad


# --------------------------------------------------------------------------------------------
# Linear: input gradient goes through B, weight/bias gradients are BP's
# --------------------------------------------------------------------------------------------


def test_fa_linear_2d_input_grad_is_grad_out_times_B():
    n, i, o = 5, 4, 3
    x, w, b, fb = _randn(n, i, seed=1), _randn(o, i, seed=2), _randn(o, seed=3), _randn(o, i, seed=4)
    g = _randn(n, o, seed=5)
    out, gx, _, _ = _fa_linear_grads(x, w, b, fb, g)
    assert torch.equal(out, F.linear(x, w, b))  # forward is the ordinary linear layer
    assert torch.equal(gx, g @ fb)  # exactly, not just approximately
    # and it is NOT backpropagation's g @ W
    assert not torch.allclose(gx, g @ w)


def test_fa_linear_ensemble_3d_input_grad_is_per_member_grad_out_times_B():
    k, n, i, o = 3, 5, 4, 6
    x, w, b, fb = _randn(k, n, i, seed=1), _randn(k, o, i, seed=2), _randn(k, o, seed=3), _randn(k, o, i, seed=4)
    g = _randn(k, n, o, seed=5)
    out, gx, _, _ = _fa_linear_grads(x, w, b, fb, g)
    for m in range(k):
        torch.testing.assert_close(out[m], F.linear(x[m], w[m], b[m]), rtol=0, atol=1e-14)
        torch.testing.assert_close(gx[m], g[m] @ fb[m], rtol=0, atol=1e-14)


def test_fa_linear_shared_input_with_ensemble_weights_sums_input_grad_over_members():
    k, n, i, o = 3, 5, 4, 6
    x, w, b, fb = _randn(n, i, seed=1), _randn(k, o, i, seed=2), _randn(k, o, seed=3), _randn(k, o, i, seed=4)
    g = _randn(k, n, o, seed=5)
    out, gx, gw, gb = _fa_linear_grads(x, w, b, fb, g)
    assert out.shape == (k, n, o) and gx.shape == (n, i)
    expected = sum(g[m] @ fb[m] for m in range(k))
    torch.testing.assert_close(gx, expected, rtol=0, atol=1e-13)
    for m in range(k):
        torch.testing.assert_close(gw[m], g[m].T @ x, rtol=0, atol=1e-13)
        torch.testing.assert_close(gb[m], g[m].sum(0), rtol=0, atol=1e-13)


@pytest.mark.parametrize("shape_kind", ["2d", "3d", "shared"])
def test_fa_linear_weight_and_bias_grads_equal_backprop(shape_kind):
    k, n, i, o = 3, 7, 4, 5
    if shape_kind == "2d":
        x, w, b, fb, g = _randn(n, i, seed=1), _randn(o, i, seed=2), _randn(o, seed=3), _randn(o, i, seed=4), _randn(n, o, seed=5)
    elif shape_kind == "3d":
        x, w, b, fb, g = (_randn(k, n, i, seed=1), _randn(k, o, i, seed=2), _randn(k, o, seed=3),
                          _randn(k, o, i, seed=4), _randn(k, n, o, seed=5))
    else:
        x, w, b, fb, g = (_randn(n, i, seed=1), _randn(k, o, i, seed=2), _randn(k, o, seed=3),
                          _randn(k, o, i, seed=4), _randn(k, n, o, seed=5))
    _, _, gw, gb = _fa_linear_grads(x, w, b, fb, g)
    _, gw_bp, gb_bp = _bp_linear_grads(x, w, b, g)
    torch.testing.assert_close(gw, gw_bp, rtol=0, atol=1e-13)
    torch.testing.assert_close(gb, gb_bp, rtol=0, atol=1e-13)


def test_fa_linear_bias_grad_is_sum_of_grad_out_over_batch():
    x, w, b, fb, g = _randn(6, 4, seed=1), _randn(3, 4, seed=2), _randn(3, seed=3), _randn(3, 4, seed=4), _randn(6, 3, seed=5)
    _, _, _, gb = _fa_linear_grads(x, w, b, fb, g)
    torch.testing.assert_close(gb, g.sum(0), rtol=0, atol=1e-14)


def test_fa_linear_without_bias():
    x, w, fb, g = _randn(6, 4, seed=1, requires_grad=True), _randn(3, 4, seed=2, requires_grad=True), _randn(3, 4, seed=4), _randn(6, 3, seed=5)
    feedback_linear(x, w, None, fb).backward(g)
    torch.testing.assert_close(x.grad, g @ fb, rtol=0, atol=1e-14)
    torch.testing.assert_close(w.grad, g.T @ x.detach(), rtol=0, atol=1e-14)


def test_feedback_tensor_receives_no_gradient_even_if_it_requires_grad():
    x, w = _randn(5, 4, seed=1, requires_grad=True), _randn(3, 4, seed=2, requires_grad=True)
    fb = _randn(3, 4, seed=4, requires_grad=True)
    feedback_linear(x, w, None, fb).sum().backward()
    assert fb.grad is None
    assert x.grad is not None and w.grad is not None


def test_fa_linear_unbatched_1d_input_weight_grad():
    x, w, b, fb = _randn(4, seed=1), _randn(3, 4, seed=2, requires_grad=True), _randn(3, seed=3, requires_grad=True), _randn(3, 4, seed=4)
    g = _randn(3, seed=5)
    feedback_linear(x, w, b, fb).backward(g)
    torch.testing.assert_close(w.grad, torch.outer(g, x))
    torch.testing.assert_close(b.grad, g)


# --------------------------------------------------------------------------------------------
# Modules: B is a buffer (state_dict, .to) and never changes; bp rule == nn.Linear
# --------------------------------------------------------------------------------------------


def test_feedback_linear_module_B_is_buffer_not_parameter_and_never_changes_under_adam():
    torch.manual_seed(0)
    layer = FeedbackLinear(6, 4, rule="fa")
    init_feedback_layer_(layer, seed=3)
    params = list(layer.parameters())
    assert all(p is not layer.feedback for p in params)
    assert {name for name, _ in layer.named_parameters()} == {"weight", "bias"}
    assert "feedback" in layer.state_dict()
    b0, w0 = layer.feedback.clone(), layer.weight.detach().clone()
    opt = torch.optim.Adam(layer.parameters(), lr=0.1)
    x = torch.randn(8, 6, requires_grad=True)
    for _ in range(5):
        opt.zero_grad()
        (layer(x) ** 2).sum().backward()
        opt.step()
    assert layer.feedback.grad is None
    assert torch.equal(layer.feedback, b0)
    assert not torch.equal(layer.weight.detach(), w0)  # the weights did train


def test_feedback_buffer_moves_with_to_float64_and_round_trips_state_dict():
    layer = FeedbackLinear(5, 3, rule="fa")
    init_feedback_layer_(layer, seed=1)
    b32 = layer.feedback.clone()
    layer.to(torch.float64)
    assert layer.feedback.dtype == torch.float64 and layer.weight.dtype == torch.float64
    torch.testing.assert_close(layer.feedback, b32.double(), rtol=0, atol=0)
    other = FeedbackLinear(5, 3, rule="fa").to(torch.float64)
    other.load_state_dict(layer.state_dict())
    assert torch.equal(other.feedback, layer.feedback)


def test_feedback_linear_module_input_grad_uses_its_buffer():
    layer = FeedbackLinear(5, 3, rule="ifa").double()
    init_feedback_layer_(layer, seed=2, theta_init=45.0)
    x, g = _randn(4, 5, seed=1, requires_grad=True), _randn(4, 3, seed=2)
    layer(x).backward(g)
    torch.testing.assert_close(x.grad, g @ layer.feedback, rtol=0, atol=1e-14)


def test_bp_rule_feedback_none_equals_nn_linear_autograd_exactly():
    x, w, b, g = _randn(5, 4, seed=1), _randn(3, 4, seed=2), _randn(3, seed=3), _randn(5, 3, seed=5)
    xa, wa, ba = (t.clone().requires_grad_(True) for t in (x, w, b))
    out_a = feedback_linear(xa, wa, ba, None)
    out_a.backward(g)
    lin = nn.Linear(4, 3).double()
    with torch.no_grad():
        lin.weight.copy_(w)
        lin.bias.copy_(b)
    xb = x.clone().requires_grad_(True)
    out_b = lin(xb)
    out_b.backward(g)
    assert torch.equal(out_a, out_b)
    assert torch.equal(xa.grad, xb.grad)
    assert torch.equal(wa.grad, lin.weight.grad)
    assert torch.equal(ba.grad, lin.bias.grad)


def test_bp_rule_module_equals_nn_linear_exactly():
    torch.manual_seed(0)
    layer = FeedbackLinear(4, 3, rule="bp")
    init_feedback_layer_(layer, seed=0)
    lin = nn.Linear(4, 3)
    with torch.no_grad():
        lin.weight.copy_(layer.weight)
        lin.bias.copy_(torch.linspace(-1, 1, 3))
        layer.bias.copy_(lin.bias)
    x = torch.randn(6, 4)
    g = torch.randn(6, 3)
    xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    out_a, out_b = layer(xa), lin(xb)
    out_a.backward(g)
    out_b.backward(g)
    assert torch.equal(out_a, out_b)
    assert torch.equal(xa.grad, xb.grad)
    assert torch.equal(layer.weight.grad, lin.weight.grad)
    assert torch.equal(layer.bias.grad, lin.bias.grad)


# --------------------------------------------------------------------------------------------
# torch.func
# --------------------------------------------------------------------------------------------


def test_torch_func_grad_through_feedback_linear_gives_fa_input_grad_and_bp_weight_grad():
    x, w, b, fb, g = _randn(5, 4, seed=1), _randn(3, 4, seed=2), _randn(3, seed=3), _randn(3, 4, seed=4), _randn(5, 3, seed=5)

    def loss(x_, w_):
        return (feedback_linear(x_, w_, b, fb) * g).sum()

    gx, gw = torch.func.grad(loss, argnums=(0, 1))(x, w)
    torch.testing.assert_close(gx, g @ fb, rtol=0, atol=1e-14)
    torch.testing.assert_close(gw, g.T @ x, rtol=0, atol=1e-14)


def test_torch_func_vmap_of_grad_gives_per_sample_fa_gradients():
    n, i, o = 6, 4, 3
    x, w, b, fb = _randn(n, i, seed=1), _randn(o, i, seed=2), _randn(o, seed=3), _randn(o, i, seed=4)

    def sample_loss(x1, w_):  # x1 is one sample, (in,); keep a batch dim of 1 inside
        return feedback_linear(x1[None], w_, b, fb).pow(2).sum()

    gx, gw = torch.func.vmap(torch.func.grad(sample_loss, argnums=(0, 1)), in_dims=(0, None))(x, w)
    g = 2 * F.linear(x, w, b)  # dL/dout per sample
    torch.testing.assert_close(gx, g @ fb, rtol=0, atol=1e-13)
    torch.testing.assert_close(gw, g[:, :, None] * x[:, None, :], rtol=0, atol=1e-13)


def test_torch_func_vmap_over_ensemble_members():
    k, n, i, o = 3, 5, 4, 2
    x, w, fb = _randn(k, n, i, seed=1), _randn(k, o, i, seed=2), _randn(k, o, i, seed=4)
    out = torch.func.vmap(lambda xx, ww, ff: feedback_linear(xx, ww, None, ff))(x, w, fb)
    torch.testing.assert_close(out, torch.matmul(x, w.transpose(-1, -2)), rtol=0, atol=1e-14)
    gx = torch.func.vmap(torch.func.grad(lambda xx, ww, ff: feedback_linear(xx, ww, None, ff).sum()))(x, w, fb)
    torch.testing.assert_close(gx, torch.ones(k, n, o, dtype=D) @ fb, rtol=0, atol=1e-14)


# --------------------------------------------------------------------------------------------
# Conv2d
# --------------------------------------------------------------------------------------------

CONV_CASES = [dict(stride=1, padding=0), dict(stride=2, padding=1), dict(stride=2, padding=0)]


def _conv_setup(seed=0, n=2, cin=3, cout=4, k=3, hw=7):
    return (_randn(n, cin, hw, hw, seed=seed + 1), _randn(cout, cin, k, k, seed=seed + 2),
            _randn(cout, seed=seed + 3), _randn(cout, cin, k, k, seed=seed + 4))


@pytest.mark.parametrize("args", CONV_CASES)
def test_fa_conv_input_grad_equals_conv2d_input_with_B_and_autograd_of_conv_with_weight_B(args):
    x, w, b, fb = _conv_setup()
    xa, wa, ba = (t.clone().requires_grad_(True) for t in (x, w, b))
    out = feedback_conv2d(xa, wa, ba, fb, **args)
    torch.testing.assert_close(out, F.conv2d(x, w, b, **args), rtol=0, atol=1e-13)
    g = _randn(*out.shape, seed=9)
    out.backward(g)
    ref1 = torch.nn.grad.conv2d_input(x.shape, fb, g, args["stride"], args["padding"])
    torch.testing.assert_close(xa.grad, ref1, rtol=0, atol=1e-13)
    # independent check: BP input gradient of a convolution whose weight IS B
    xc = x.clone().requires_grad_(True)
    F.conv2d(xc, fb, b, **args).backward(g)
    torch.testing.assert_close(xa.grad, xc.grad, rtol=0, atol=1e-12)
    # and it is not the BP input gradient through W
    xd = x.clone().requires_grad_(True)
    F.conv2d(xd, w, b, **args).backward(g)
    assert not torch.allclose(xa.grad, xd.grad)


@pytest.mark.parametrize("args", CONV_CASES)
def test_fa_conv_weight_and_bias_grads_equal_backprop(args):
    x, w, b, fb = _conv_setup(seed=10)
    wa, ba = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    out = feedback_conv2d(x, wa, ba, fb, **args)
    g = _randn(*out.shape, seed=11)
    out.backward(g)
    wr, br = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    F.conv2d(x, wr, br, **args).backward(g)
    torch.testing.assert_close(wa.grad, wr.grad, rtol=0, atol=1e-12)
    torch.testing.assert_close(ba.grad, br.grad, rtol=0, atol=1e-12)


def test_fa_conv_with_dilation_and_groups():
    x, fb, w = _randn(2, 4, 9, 9, seed=1), _randn(6, 2, 3, 3, seed=2), _randn(6, 2, 3, 3, seed=3)
    kw = dict(stride=1, padding=2, dilation=2, groups=2)
    xa, wa = x.clone().requires_grad_(True), w.clone().requires_grad_(True)
    out = feedback_conv2d(xa, wa, None, fb, **kw)
    g = _randn(*out.shape, seed=4)
    out.backward(g)
    xb = x.clone().requires_grad_(True)
    F.conv2d(xb, fb, None, **kw).backward(g)
    torch.testing.assert_close(xa.grad, xb.grad, rtol=0, atol=1e-12)
    wb = w.clone().requires_grad_(True)
    F.conv2d(x, wb, None, **kw).backward(g)
    torch.testing.assert_close(wa.grad, wb.grad, rtol=0, atol=1e-12)


@pytest.mark.parametrize("args", CONV_CASES)
def test_bp_conv_equals_autograd_of_conv2d(args):
    x, w, b, _ = _conv_setup(seed=20)
    layer = FeedbackConv2d(3, 4, 3, bias=True, rule="bp", **args).double()
    with torch.no_grad():
        layer.weight.copy_(w)
        layer.bias.copy_(b)
    xa = x.clone().requires_grad_(True)
    out = layer(xa)
    g = _randn(*out.shape, seed=21)
    out.backward(g)
    xr, wr, br = (t.clone().requires_grad_(True) for t in (x, w, b))
    ref = F.conv2d(xr, wr, br, **args)
    ref.backward(g)
    assert torch.equal(out, ref)
    assert torch.equal(xa.grad, xr.grad)
    assert torch.equal(layer.weight.grad, wr.grad)
    assert torch.equal(layer.bias.grad, br.grad)


def test_fa_conv_module_uses_its_feedback_buffer():
    layer = FeedbackConv2d(3, 4, 3, stride=2, padding=1, rule="fa").double()
    init_feedback_layer_(layer, seed=5)
    x = _randn(2, 3, 8, 8, seed=1, requires_grad=True)
    out = layer(x)
    g = _randn(*out.shape, seed=2)
    out.backward(g)
    ref = torch.nn.grad.conv2d_input(x.shape, layer.feedback, g, 2, 1)
    torch.testing.assert_close(x.grad, ref, rtol=0, atol=1e-13)
    assert layer.feedback.grad is None and "feedback" in layer.state_dict()


def test_fa_conv_unbatched_input_like_nn_conv2d():
    x, w, b, fb = _conv_setup(seed=30)
    x1 = x[0].clone().requires_grad_(True)
    out = feedback_conv2d(x1, w, b.clone().requires_grad_(True), fb, stride=1, padding=1)
    out.backward(torch.ones_like(out))
    xr = x[0].clone().requires_grad_(True)
    F.conv2d(xr, fb, b, 1, 1).backward(torch.ones_like(out))
    torch.testing.assert_close(x1.grad, xr.grad)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def test_mismatched_feedback_shape_raises():
    x = _randn(2, 4)
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(3, 4\)"):
        feedback_linear(x, _randn(3, 4), None, _randn(4, 3))
    with pytest.raises(ValueError, match="feedback shape"):
        feedback_linear(x, _randn(2, 3, 4), None, _randn(3, 4))
    with pytest.raises(ValueError, match="feedback shape"):
        feedback_conv2d(_randn(1, 3, 5, 5), _randn(4, 3, 3, 3), None, _randn(4, 3, 2, 2))


def test_unknown_rule_raises_naming_value_and_listing_valid_rules():
    assert RULES == ("bp", "fa", "ifa")
    for r in RULES:
        assert check_rule(r) == r
    with pytest.raises(ValueError) as err:
        check_rule("dfa")
    msg = str(err.value)
    assert "'dfa'" in msg and all(f"'{r}'" in msg for r in RULES)
    with pytest.raises(ValueError, match="'kp'"):
        FeedbackLinear(3, 2, rule="kp")
    with pytest.raises(ValueError, match="'BP'"):
        FeedbackConv2d(3, 2, 3, rule="BP")


@pytest.mark.parametrize("sizes", [(0, 3), (3, 0), (-1, 3), (3, -2)])
def test_nonpositive_linear_sizes_raise(sizes):
    with pytest.raises(ValueError, match="positive"):
        FeedbackLinear(*sizes)


@pytest.mark.parametrize("sizes", [(0, 3, 3), (3, -1, 3), (3, 4, 0)])
def test_nonpositive_conv_sizes_raise(sizes):
    with pytest.raises(ValueError, match="positive"):
        FeedbackConv2d(*sizes)


def _grads(fn, *inputs):
    leaves = [t.detach().clone().requires_grad_(t.is_floating_point() and i < 3)
              if isinstance(t, torch.Tensor) else t for i, t in enumerate(inputs)]
    out = fn.apply(*leaves)
    out.pow(2).sum().backward()
    return out, [t.grad for t in leaves[:3]]


def test_classic_twins_compute_exactly_the_new_style_functions():
    """Outside torch.func, feedback_linear/conv2d run classic-style twins (no per-call argument
    binding); same forward, same gradients, bit for bit."""
    from fa_companion.rules import feedback as fb

    gen = torch.Generator().manual_seed(0)
    for x, w in (((5, 4), (3, 4)), ((2, 5, 4), (2, 3, 4)), ((5, 4), (1, 3, 4))):
        args = (torch.randn(x, generator=gen), torch.randn(w, generator=gen),
                torch.randn(w[:-1], generator=gen), torch.randn(w, generator=gen))
        (o1, g1), (o2, g2) = _grads(fb.FeedbackLinearFunction, *args), _grads(fb._EagerFeedbackLinear, *args)
        assert torch.equal(o1, o2) and all(torch.equal(a, b) for a, b in zip(g1, g2))
    args = (torch.randn(2, 3, 6, 6, generator=gen), torch.randn(4, 3, 3, 3, generator=gen),
            torch.randn(4, generator=gen), torch.randn(4, 3, 3, 3, generator=gen), 1, 1, 1, 1)
    (o1, g1), (o2, g2) = _grads(fb.FeedbackConv2dFunction, *args), _grads(fb._EagerFeedbackConv2d, *args)
    assert torch.equal(o1, o2) and all(torch.equal(a, b) for a, b in zip(g1, g2))


def test_the_new_style_function_is_used_inside_torch_func_only():
    from fa_companion.rules import feedback as fb

    picked = []

    def f(w):
        picked.append(fb._eager_unless_transformed("new", "eager"))
        return w.sum()

    f(torch.ones(2))
    torch.func.grad(f)(torch.ones(2))
    assert picked == ["eager", "new"]
