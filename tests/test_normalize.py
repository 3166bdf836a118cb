"""Paper A's weight normalization (eq. 32) and its variants, as in-place projections."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from fa_companion.rules.normalize import (
    match_feedback_norm_,
    neuron_norms,
    normalize_feedback_columns_,
    project_layer_,
    project_module_,
    project_neurons_,
)


def _w(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("gamma", [1.0, 0.6, 2.5])
def test_project_neurons_gives_gamma_norms_and_keeps_directions(gamma):
    w = _w(7, 5)
    before = w.clone()
    out = project_neurons_(w, gamma)
    assert out is w  # in place, same tensor returned
    torch.testing.assert_close(neuron_norms(w), torch.full((7,), gamma, dtype=torch.float64))
    cos = torch.nn.functional.cosine_similarity(w, before, dim=-1)
    torch.testing.assert_close(cos, torch.ones(7, dtype=torch.float64))
    # only a positive rescaling of each row: w = s_i * before_i with s_i = γ/‖before_i‖
    torch.testing.assert_close(w, before * (gamma / before.norm(dim=-1, keepdim=True)))


def test_project_neurons_is_idempotent():
    w = _w(6, 4, 9)
    project_neurons_(w, 1.3)
    once = w.clone()
    project_neurons_(w, 1.3)
    torch.testing.assert_close(w, once, rtol=0, atol=1e-15)


def test_per_member_gamma_and_where_mask():
    w = _w(3, 4, 5)
    before = w.clone()
    gamma = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    where = torch.tensor([True, False, True])
    project_neurons_(w, gamma, where=where)
    torch.testing.assert_close(neuron_norms(w[0]), torch.full((4,), 0.5, dtype=torch.float64))
    torch.testing.assert_close(w[1], before[1], rtol=0, atol=0)  # untouched member
    torch.testing.assert_close(neuron_norms(w[2]), torch.full((4,), 2.0, dtype=torch.float64))


def test_zero_row_is_left_alone():
    w = _w(3, 4)
    w[1] = 0.0
    project_neurons_(w, 1.0)
    assert torch.all(w[1] == 0)
    torch.testing.assert_close(neuron_norms(w)[[0, 2]], torch.ones(2, dtype=torch.float64))


def test_projection_works_in_place_on_an_optimizers_parameters():
    torch.manual_seed(0)
    layer = nn.Linear(6, 4, bias=False)
    opt = torch.optim.SGD(layer.parameters(), lr=0.1)
    x, y = torch.randn(8, 6), torch.randn(8, 4)

    def step():
        opt.zero_grad()
        ((layer(x) - y) ** 2).sum().backward()
        opt.step()

    step()
    param, ptr = layer.weight, layer.weight.data_ptr()
    project_neurons_(layer.weight, 1.0)
    # Same Parameter object, same storage, still the one the optimizer holds (PITFALLS 15).
    assert layer.weight is param and layer.weight.data_ptr() == ptr
    assert opt.param_groups[0]["params"][0] is layer.weight
    assert layer.weight.requires_grad and isinstance(layer.weight, nn.Parameter)
    torch.testing.assert_close(neuron_norms(layer.weight), torch.ones(4))
    before = layer.weight.detach().clone()
    step()  # the optimizer keeps updating the projected tensor
    assert not torch.allclose(layer.weight.detach(), before)
    expected = before - 0.1 * layer.weight.grad
    torch.testing.assert_close(layer.weight.detach(), expected)
    project_module_(layer.parameters(), 1.0)
    torch.testing.assert_close(neuron_norms(layer.weight), torch.ones(4))


def test_project_module_refuses_conv_kernels():
    conv = nn.Conv2d(2, 3, 3)
    with pytest.raises(ValueError, match="linear weights only"):
        project_module_(conv.parameters(), 1.0)


def test_layer_wise_projection():
    w = _w(2, 5, 7)
    before = w.clone()
    project_layer_(w, 7.07)
    torch.testing.assert_close(torch.linalg.matrix_norm(w), torch.full((2,), 7.07, dtype=torch.float64))
    torch.testing.assert_close(w / w.norm(dim=(-2, -1), keepdim=True),
                               before / before.norm(dim=(-2, -1), keepdim=True))
    once = w.clone()
    project_layer_(w, 7.07)
    torch.testing.assert_close(w, once)


def test_feedback_norm_matching_and_column_normalization():
    w, b = _w(3, 5, 4, seed=1), _w(3, 5, 4, seed=2)
    b0 = b.clone()
    match_feedback_norm_(b, w)
    torch.testing.assert_close(torch.linalg.matrix_norm(b), torch.linalg.matrix_norm(w))
    torch.testing.assert_close(b / b.norm(dim=(-2, -1), keepdim=True),
                               b0 / b0.norm(dim=(-2, -1), keepdim=True))
    normalize_feedback_columns_(b, 0.6)
    torch.testing.assert_close(torch.linalg.vector_norm(b, dim=-2),
                               torch.full((3, 4), 0.6, dtype=torch.float64))


@pytest.mark.parametrize("bad", [0.0, -1.0])
def test_bad_gamma_is_refused(bad):
    with pytest.raises(ValueError, match="gamma must be positive"):
        project_neurons_(_w(2, 2), bad)


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="shape"):
        project_neurons_(torch.ones(3), 1.0)
    with pytest.raises(ValueError, match="shapes differ"):
        match_feedback_norm_(torch.ones(2, 3), torch.ones(3, 2))
    with pytest.raises(ValueError, match="batch dimension"):
        project_neurons_(_w(2, 3, 4), torch.ones(2, 3))
