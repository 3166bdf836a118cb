"""Datasets and learning rules by name (issue 15): checked arrays, registries, plugins reaching a
fresh process and a papermill kernel, a sign-symmetry rule registered from outside."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import fa_companion
from fa_companion.data import DATASET_LABELS, dataset_from_arrays, load_dataset, register_dataset
from fa_companion.nets.models import FeedbackMLP, Member
from fa_companion.rules import feedback as fb
from fa_companion.rules.metrics import frobenius_angle, layer_angle_stats
from fa_companion.store.results import Store
from fa_companion.training.experiments import ensemble_config, run_ensemble, stored_ensemble
from fa_companion.training.train import TrainConfig, train

PLUGINS = Path(__file__).parent / "plugins"


def _arrays(n=60, d=12, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = (rng.integers(0, 256, (n, d))).astype(np.uint8)
    return x, y


# --- arrays, checked ------------------------------------------------------------------------


def test_from_arrays_uint8_and_unit_floats():
    x, y = _arrays()
    ds = dataset_from_arrays(x[:40], y[:40], x[40:], y[40:])
    assert ds.x_train.dtype == torch.float32 and float(ds.x_train.max()) <= 1.0
    assert torch.allclose(ds.x_train.flatten(1), torch.from_numpy(x[:40]).float() / 255)
    assert ds.num_classes == 3 and ds.input_dim == 12 and ds.y_train.dtype == torch.int64
    unit = dataset_from_arrays(x[:40] / 255.0, y[:40], x[40:] / 255.0, y[40:], num_classes=5)
    assert unit.num_classes == 5 and torch.allclose(unit.x_test, ds.x_test)
    rescaled = dataset_from_arrays(x[:40].astype(np.float32), y[:40], x[40:].astype(np.float32),
                                   y[40:], max_value=255)
    assert torch.allclose(rescaled.x_train, ds.x_train)
    images = dataset_from_arrays(torch.zeros(4, 5, 5, dtype=torch.uint8), [0, 1, 0, 1],
                                 torch.zeros(2, 5, 5, dtype=torch.uint8), [1, 0])
    assert images.input_shape == (1, 5, 5)


def test_from_arrays_refuses_0_255_pixels_given_as_floats():
    x, y = _arrays()
    with pytest.raises(ValueError, match="0-255 pixels given as floats"):
        dataset_from_arrays(x[:40].astype(np.float32), y[:40], x[40:].astype(np.float32), y[40:])


@pytest.mark.parametrize("case, error, match", [
    ("labels_high", ValueError, r"outside \[0, 3\)"),
    ("labels_negative", ValueError, "outside"),
    ("length", ValueError, "40 train inputs but labels"),
    ("dtype", TypeError, "dtype"),
    ("float_labels", TypeError, "non-integer"),
    ("shapes", ValueError, "differ in shape"),
    ("nan", ValueError, "NaN"),
    ("negative", ValueError, "outside"),
])
def test_from_arrays_errors(case, error, match):
    x, y = _arrays()
    xtr, ytr, xte, yte, kw = x[:40] / 255.0, y[:40], x[40:] / 255.0, y[40:], {}
    if case == "labels_high":
        kw = {"num_classes": 3}
        ytr = ytr.copy()
        ytr[0] = 3
    elif case == "labels_negative":
        ytr = ytr.copy()
        ytr[0] = -1
    elif case == "length":
        ytr = ytr[:-1]
    elif case == "dtype":
        xtr, xte = xtr > 0.5, xte > 0.5
    elif case == "float_labels":
        ytr = ytr + 0.5
    elif case == "shapes":
        xte = xte[:, :-1]
    elif case == "nan":
        xtr = xtr.copy()
        xtr[0, 0] = np.nan
    elif case == "negative":
        xtr = xtr - 0.5
    with pytest.raises(error, match=match):
        dataset_from_arrays(xtr, ytr, xte, yte, **kw)


# --- datasets by name -----------------------------------------------------------------------


def test_registered_dataset_reaches_load_dataset_configs_and_stores(tmp_path):
    x, y = _arrays(n=90)
    calls = []

    def loader():
        calls.append(1)
        return x[:60], y[:60], x[60:], y[60:]

    register_dataset("my_arrays", loader, label="my arrays", replace=True)
    assert "my_arrays" in fa_companion.data.DATASETS and DATASET_LABELS["my_arrays"] == "my arrays"
    ds = load_dataset("my_arrays", n_train=30, seed=1)
    again = load_dataset("my_arrays")
    assert len(ds.y_train) == 30 and len(again.y_train) == 60 and len(calls) == 1
    with pytest.raises(ValueError, match="already defined"):
        register_dataset("my_arrays", loader)
    with pytest.raises(ValueError, match="already defined"):
        register_dataset("digits", loader)
    config = ensemble_config([Member("bp", seed=0), Member("fa", seed=0)], dataset="my_arrays",
                             hidden=(8,), train=TrainConfig(epochs=1, batch_size=20, lr=1e-3))
    out = run_ensemble(config, device="cpu", progress=False)
    assert out["arrays"]["test_acc"].shape == (2, 2)
    store = Store(tmp_path)
    stored_ensemble(store, config, device="cpu")
    assert store.has("ensemble", config)


def test_unknown_names_say_how_to_add_one():
    with pytest.raises(ValueError, match="register_dataset"):
        load_dataset("no_such_data")
    with pytest.raises(ValueError, match="register_rule"):
        Member("no_such_rule")


# --- learning rules by name -----------------------------------------------------------------


def _sign_symmetry(W, B, step):
    return torch.sign(W) * B.abs()


def test_sign_symmetry_rule_trains_and_is_measured_against_its_own_feedback():
    fb.register_rule("sign_test", _sign_symmetry, label="sign symmetry", replace=True)
    assert "sign_test" in fb.RULES
    members = [Member("bp", seed=0), Member("fa", seed=0), Member("sign_test", seed=0)]
    assert [m.label for m in members] == ["BP", "FA", "sign symmetry"] and members[2].theta == 90.0
    torch.manual_seed(0)
    x = torch.rand(120, 10)
    y = (x[:, :5].sum(1) > x[:, 5:].sum(1)).long()
    model = FeedbackMLP((10, 16, 2), members)
    for l in range(model.n_layers):
        used = model.effective_feedback(l)
        w, b = model.weights[l].detach(), model.feedback(l)
        assert torch.equal(used[2], torch.sign(w[2]) * b[2].abs())
        assert torch.equal(used[1], b[1]) and torch.equal(used[0], w[0])
    stats = layer_angle_stats(model)
    want = frobenius_angle(model.weights[1][2].detach(), torch.sign(model.weights[1][2].detach())
                           * model.feedback(1)[2].abs())
    assert abs(float(stats["angle_frob"][1, 2]) - float(want)) < 1e-3
    # against the stored, unused B it would read near 90° (a small random layer: 70-90°)
    stored = float(frobenius_angle(model.weights[1][2].detach(), model.feedback(1)[2]))
    assert float(stats["angle_frob"][1, 2]) < 60 < stored

    from fa_companion.data.datasets import TensorDataset

    data = TensorDataset("toy", x[:80], y[:80], x[80:], y[80:], 2, "toy")
    hist = train(model, data, TrainConfig(epochs=8, batch_size=20, lr=1e-2), progress=False)
    assert hist["train_loss"][-1, 2] < hist["train_loss"][0, 2]
    assert hist["angle_frob"].shape[-1] == 3
    # the gradient a sign-symmetry member sends down is grad_out @ (sign(W) * |B|)
    model.zero_grad()
    xb = x[:7]
    loss = model(xb).pow(2).sum()
    loss.backward()
    assert model.weights[0].grad is not None


def test_bp_still_equals_autograd_beside_a_registered_rule():
    fb.register_rule("sign_test", _sign_symmetry, label="sign symmetry", replace=True)
    torch.manual_seed(1)
    model = FeedbackMLP((6, 5, 4, 3), [Member("bp", seed=3), Member("sign_test", seed=3)])
    x = torch.randn(9, 6)
    model(x)[0].pow(2).sum().backward()
    got = [w.grad[0].clone() for w in model.weights]
    params = [w.detach()[0].clone().requires_grad_(True) for w in model.weights]
    biases = [model.bias(l).detach()[0] for l in range(model.n_layers)]
    h = x
    for l, (w, b) in enumerate(zip(params, biases)):
        h = h @ w.T + b
        h = torch.relu(h) if l < model.n_layers - 1 else h
    h.pow(2).sum().backward()
    for g, p in zip(got, params):
        assert torch.allclose(g, p.grad, atol=1e-6)


def test_single_feedback_layer_uses_a_registered_rule():
    fb.register_rule("sign_test", _sign_symmetry, label="sign symmetry", replace=True)
    layer = fb.FeedbackLinear(4, 3, rule="sign_test")
    torch.nn.init.normal_(layer.weight)
    torch.nn.init.normal_(layer.feedback)
    x = torch.randn(5, 4, requires_grad=True)
    layer(x).sum().backward()
    want = torch.ones(5, 3) @ (torch.sign(layer.weight.detach()) * layer.feedback.abs())
    assert torch.allclose(x.grad, want)


# --- plugins reach a fresh process and a papermill kernel -----------------------------------


def _plugin_env():
    env = dict(os.environ)
    env["FA_COMPANION_PLUGINS"] = "fa_plugin_example"
    root = str(Path(fa_companion.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([str(PLUGINS), root, env.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = "1"
    return env


def test_plugins_named_in_the_environment_reach_a_fresh_process():
    code = ("from fa_companion.data import load_dataset, DATASETS\n"
            "from fa_companion.nets.models import Member\n"
            "ds = load_dataset('tiny_blobs', n_train=30)\n"
            "print(len(ds.y_train), ds.num_classes, Member('sign_sym').label, 'tiny_blobs' in DATASETS)\n")
    out = subprocess.run([sys.executable, "-c", code], env=_plugin_env(), capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["30", "3", "sign", "symmetry", "True"]


@pytest.mark.slow
def test_plugins_reach_a_papermill_kernel(tmp_path, monkeypatch):
    pytest.importorskip("papermill")
    import nbformat

    from fa_companion.tools.book import execute_notebook

    for key, value in _plugin_env().items():
        monkeypatch.setenv(key, value)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "from fa_companion.training.experiments import ensemble_config, run_ensemble\n"
        "from fa_companion.nets.models import Member\n"
        "from fa_companion.training.train import TrainConfig\n"
        "cfg = ensemble_config([Member('sign_sym'), Member('fa')], dataset='tiny_blobs', hidden=(8,),\n"
        "                      train=TrainConfig(epochs=1, batch_size=30, lr=1e-3))\n"
        "out = run_ensemble(cfg, device='cpu', progress=False)\n"
        "print(out['summary']['labels'], out['summary']['data_source'])")]
    done = execute_notebook(nb, tmp_path / "out.ipynb", tmp_path)
    text = "".join(o.get("text", "") for o in done.cells[0].outputs)
    assert "['sign symmetry', 'FA'] three Gaussian blobs" in text
