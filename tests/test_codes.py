"""Paper A's mutually exclusive n-hot codes (§4.9), targets, label smoothing and decoding."""

from __future__ import annotations

import pytest
import torch

from fa_companion.rules.codes import (
    LABEL_SMOOTHING,
    code_targets,
    decode,
    member_codes,
    n_hot_codes,
)


@pytest.mark.parametrize("width,n_hot", [(50, 5), (100, 10), (37, 3), (10, 1)])
def test_codes_are_mutually_exclusive_n_hot(width, n_hot):
    codes = n_hot_codes(10, width, n_hot, generator=torch.Generator().manual_seed(3))
    assert codes.shape == (10, width)
    assert set(codes.unique().tolist()) <= {0.0, 1.0}
    assert torch.all(codes.sum(1) == n_hot)  # n ones per class
    assert torch.all(codes.sum(0) <= 1)  # no output neuron shared by two classes
    assert int(codes.sum()) == 10 * n_hot


def test_codes_are_seeded_and_random():
    a = n_hot_codes(10, 50, 5, generator=torch.Generator().manual_seed(1))
    b = n_hot_codes(10, 50, 5, generator=torch.Generator().manual_seed(1))
    c = n_hot_codes(10, 50, 5, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_every_position_is_equally_likely():
    """§4.9 draws uniformly among free positions: each of the m positions belongs to class c
    with probability n/m. 4000 draws: SD of a frequency ≈ √(0.1·0.9/4000) ≈ 0.0047; 5 SD."""
    gen = torch.Generator().manual_seed(0)
    freq = torch.stack([n_hot_codes(10, 50, 5, generator=gen) for _ in range(4000)]).mean(0)
    assert torch.all((freq - 0.1).abs() < 0.025)


def test_too_many_classes_is_an_error():
    with pytest.raises(ValueError, match="exceeds the output width"):
        n_hot_codes(10, 49, 5)
    with pytest.raises(ValueError, match="positive int"):
        n_hot_codes(10, 50, 0)


def test_member_codes_do_not_depend_on_the_ensemble():
    alone = member_codes([7], 10, 50, 5)
    together = member_codes([3, 7, 9], 10, 50, 5)
    assert torch.equal(together[1], alone[0])
    assert not torch.equal(member_codes([7], 10, 50, 5, draw=1)[0], alone[0])  # Fig 8's new codes


def test_decoding_recovers_the_labels():
    codes = member_codes([0, 1], 10, 50, 5)
    y = torch.arange(10).repeat(3)
    target = code_targets(codes, y)  # (2, 30, 50)
    assert target.shape == (2, 30, 50)
    assert torch.equal(decode(target, codes), y.expand(2, -1))
    noisy = target + 0.2 * torch.randn(target.shape, generator=torch.Generator().manual_seed(0))
    assert torch.equal(decode(noisy, codes), y.expand(2, -1))  # margin 5 vs noise ~0.45·√5


def test_label_smoothing_targets():
    codes = n_hot_codes(10, 50, 5, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([0, 3, 9])
    smooth = code_targets(codes, y, LABEL_SMOOTHING)
    hard = code_targets(codes, y)
    assert torch.allclose(smooth[hard == 1], torch.tensor(0.95))
    assert torch.allclose(smooth[hard == 0], torch.tensor(0.05))
    assert torch.equal(decode(smooth, codes), y)


def test_decode_checks_widths():
    with pytest.raises(ValueError, match="width"):
        decode(torch.zeros(4, 49), torch.zeros(10, 50))
