"""Table S1's CNNs under every rule, and Table S2's early-stopping rule."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from fa_companion.nets.models import CNNEnsemble, FeedbackCNN, Member
from fa_companion.store.results import config_hash
from fa_companion.training.experiments import build_model, cnn_config, ensemble_config
from fa_companion.training.train import TrainConfig, early_stopping


@pytest.mark.parametrize("arch", ["lenet", "alexnet"])
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (3, 96, 96)])
def test_cnn_shapes(arch, shape):
    net = FeedbackCNN(arch, shape, 10, Member("fa", seed=0), width=0.25)
    out = net(torch.rand(3, *shape))
    assert out.shape == (3, 10)


def test_cnn_rejects_unknown_arch_and_tiny_inputs():
    with pytest.raises(ValueError, match="resnet"):
        FeedbackCNN("resnet", (1, 28, 28), 10)
    with pytest.raises(ValueError, match="too small"):
        FeedbackCNN("lenet", (1, 8, 8), 10)


def _plain_lenet_forward(net, x):
    """The same LeNet as a plain F.conv2d / F.linear stack (autograd = BP)."""
    ws = [(m.weight, m.bias) for m in net.layers]
    x = F.max_pool2d(F.relu(F.conv2d(x, *ws[0])), 2)
    x = F.max_pool2d(F.relu(F.conv2d(x, *ws[1])), 2).flatten(1)
    x = F.relu(F.linear(x, *ws[2]))
    x = F.relu(F.linear(x, *ws[3]))
    return F.linear(x, *ws[4])


def test_bp_cnn_equals_plain_autograd():
    torch.manual_seed(0)
    net = FeedbackCNN("lenet", (1, 28, 28), 10, Member("bp", seed=3)).double()
    x = torch.rand(4, 1, 28, 28, dtype=torch.float64)
    y = torch.tensor([0, 3, 5, 9])
    g_rule = torch.autograd.grad(F.cross_entropy(net(x), y), list(net.parameters()))
    g_plain = torch.autograd.grad(F.cross_entropy(_plain_lenet_forward(net, x), y), list(net.parameters()))
    for a, b in zip(g_rule, g_plain):
        assert torch.equal(a, b)


def test_fa_cnn_weight_grads_of_last_layer_match_bp_and_hidden_ones_differ():
    x = torch.rand(4, 1, 28, 28, dtype=torch.float64)
    y = torch.tensor([0, 3, 5, 9])
    fa = FeedbackCNN("lenet", (1, 28, 28), 10, Member("fa", seed=3)).double()
    g_fa = torch.autograd.grad(F.cross_entropy(fa(x), y), [m.weight for m in fa.layers])
    g_bp = torch.autograd.grad(F.cross_entropy(fa(x, backward="bp"), y), [m.weight for m in fa.layers])
    assert torch.allclose(g_fa[-1], g_bp[-1])  # the output layer's update never uses feedback
    assert not torch.allclose(g_fa[0], g_bp[0])  # conv 1 receives its error through B


def test_ifa_cnn_starts_aligned_and_same_seed_same_init():
    a = FeedbackCNN("lenet", (1, 28, 28), 10, Member("ifa", 0.0, seed=1))
    b = FeedbackCNN("lenet", (1, 28, 28), 10, Member("ifa", 0.0, seed=1))
    for ma, mb in zip(a.layers, b.layers):
        assert torch.equal(ma.weight, ma.feedback)
        assert torch.equal(ma.weight, mb.weight)


def test_cnn_ensemble_member_equals_solo_network():
    members = [Member("bp", seed=0), Member("fa", seed=1), Member("ifa", 30.0, seed=2)]
    ens = CNNEnsemble("lenet", (1, 28, 28), 10, members, width=0.5)
    x = torch.rand(5, 1, 28, 28)
    out = ens(x)
    for k, m in enumerate(members):
        solo = FeedbackCNN("lenet", (1, 28, 28), 10, m, width=0.5)
        assert torch.equal(out[k], solo(x))
    per_member = ens(x.expand(3, *x.shape))
    assert torch.equal(per_member, out)
    with pytest.raises(ValueError, match="K=3"):
        ens(torch.rand(2, 5, 1, 28, 28))


def test_build_model_from_configs():
    members = [Member("fa", seed=0)]
    mlp = build_model(ensemble_config(members, hidden=(16,)), (1, 8, 8), 10)
    assert mlp.sizes == (64, 16, 10)
    cnn = build_model(cnn_config("lenet", members, width=0.5), (1, 28, 28), 10)
    assert isinstance(cnn, CNNEnsemble) and cnn.n_members == 1


def test_early_stopping_on_a_scripted_sequence():
    acc = np.array([[10, 10, 10], [50, 20, 30], [60, 30, 30], [55, 40, 30],
                    [58, 41, 30], [59, 39, 30], [61, 38, 30]], dtype=float)
    stop, best, best_epoch = early_stopping(acc, patience=2)
    # network 0: best 60 at epoch 2, no improvement at 3 and 4 -> stops at 4 (the later 61 is never seen)
    # network 1: best 41 at epoch 4 -> stops at 6; network 2: best 30 at epoch 1 -> stops at 3
    assert stop.tolist() == [4, 6, 3]
    assert best.tolist() == [60, 41, 30]
    assert best_epoch.tolist() == [2, 4, 1]
    stop, best, _ = early_stopping(acc, patience=10)  # never fires: the last epoch, the overall best
    assert stop.tolist() == [6, 6, 6] and best.tolist() == [61, 41, 30]


def test_training_stops_when_every_member_met_the_rule(tiny_data):
    from fa_companion.nets.models import FeedbackMLP
    from fa_companion.training.train import train

    data = tiny_data
    model = FeedbackMLP((data.x_train.shape[1], 16, 3), [Member("fa", seed=0), Member("bp", seed=1)])
    h = train(model, data, TrainConfig(epochs=200, patience=1, lr=1e-6, batch_size=16), progress=False)
    stop, _, _ = early_stopping(h["test_acc"], 1)
    assert len(h["test_acc"]) - 1 == stop.max() < 200


def test_new_options_left_at_none_do_not_change_hashes():
    assert "patience" not in TrainConfig().to_dict()
    assert config_hash(TrainConfig().to_dict()) != config_hash(TrainConfig(patience=10).to_dict())
    with pytest.raises(ValueError, match="patience"):
        TrainConfig(patience=0)
