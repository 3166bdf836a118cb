"""Benchmarks of the Hessian tools (:mod:`fa_companion.measure.hessian`) on Paper B's MLP.

:func:`hessian_bench` returns

- ``hvp_over_grad``: time of one Hessian-vector product (:class:`~fa_companion.measure.hessian.Hessian`'s
  default: one reverse pass through the gradient graph kept from the first product) over the time
  of one gradient (``torch.func.grad``, forward and backward), same network and batch, timed side
  by side (median over alternating rounds, :func:`fa_companion.tools.timing.paired_times`). The
  recomputing path (``keep_graph=False``, forward-over-reverse) costs 2-4 gradients.
- ``hvps_for_top2``: Hessian-vector products that ``scipy.sparse.linalg.eigsh`` (``which='LA'``,
  seeded start, :func:`fa_companion.measure.hessian.top_eigenpairs`' default ``ncv``) uses for the top-2
  eigenpairs at relative tolerance 1e-4; ``top2_rel_err_vs_tight`` and
  ``top2_min_abs_cos_vs_tight`` compare them with a solve at tolerance 1e-10.

The network is 784-512-512-10 (ReLU) at its He initialization (seed 0) and after ``train_steps``
Adam steps (Paper B's optimizer) on the benchmark batch, so the spectrum has the outliers of a
network that has started learning; the batch is ``batch`` uniform random images with random labels
(seeded), so the benchmark needs no dataset.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from .. import resolve_device
from ..measure.hessian import Hessian, PlainMLP, top_eigenpairs
from ..measure.landscape import stacked_theta
from ..nets.models import FeedbackMLP, Member
from ..training.train import TrainConfig, make_optimizer
from .timing import paired_times

__all__ = ["hessian_bench", "trained_problem"]

SIZES = (784, 512, 512, 10)


def trained_problem(dev: torch.device, batch: int, train_steps: int,
                    gen: torch.Generator | None = None):
    """The Hessian benchmarks' problem, ``(net, θ, x, y)``: the ``SIZES`` MLP (784-512-512-10) trained
    ``train_steps`` Adam steps by BP on one random batch of ``batch`` images (drawn from ``gen``,
    seed 0 by default), as a :class:`~fa_companion.measure.hessian.PlainMLP` and its flat θ.
    Shared by :func:`hessian_bench` and :mod:`fa_companion.tools.bench_peers`."""
    gen = gen if gen is not None else torch.Generator().manual_seed(0)
    x = torch.rand(batch, SIZES[0], generator=gen).to(dev)
    y = torch.randint(0, SIZES[-1], (batch,), generator=gen).to(dev)
    model = FeedbackMLP(SIZES, Member("bp", seed=0)).to(dev)
    opt = make_optimizer(model.parameters(), TrainConfig())
    for _ in range(train_steps):
        loss = torch.nn.functional.cross_entropy(model(x)[0], y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return PlainMLP.from_model(model), stacked_theta(model)[0].detach(), x, y


def hessian_bench(device="auto", *, batch: int = 1000, train_steps: int = 50, rounds: int = 7,
                  inner: int = 3, tol: float = 1e-4) -> dict:
    """``{"hvp_over_grad", "hvps_for_top2", …}`` (see the module docstring); extra keys give the
    absolute times (ms), the top-2 eigenvalues, the batch size and the parameter count."""
    dev = resolve_device(device)
    gen = torch.Generator().manual_seed(0)
    net, theta, x, y = trained_problem(dev, batch, train_steps, gen)
    loss_fn = net.loss_fn(x, y)
    hess = Hessian(loss_fn, theta)
    v = torch.randn(theta.shape, generator=gen).to(dev)
    g = torch.func.grad(loss_fn)
    t = paired_times({"hvp": lambda: hess.matvec(v), "grad": lambda: g(theta)},
                     rounds=rounds, inner=inner, device=dev)
    t0 = time.perf_counter()
    top = top_eigenpairs(Hessian(loss_fn, theta), k=2, tol=tol, seed=0)
    eig_s = time.perf_counter() - t0
    tight = top_eigenpairs(Hessian(loss_fn, theta), k=2, tol=1e-10, seed=1, ncv=20)
    rel_err = np.abs(top["eigenvalues"] - tight["eigenvalues"]) / np.abs(tight["eigenvalues"])
    cos = (top["eigenvectors"] * tight["eigenvectors"]).sum(-1).abs()
    return {
        "hvp_over_grad": t["hvp"] / t["grad"],
        "hvps_for_top2": int(top["n_hvp"]),
        "hvp_ms": 1e3 * t["hvp"],
        "grad_ms": 1e3 * t["grad"],
        "top2_seconds": eig_s,
        "top2_eigenvalues": [float(e) for e in top["eigenvalues"]],
        "top2_rel_err_vs_tight": float(rel_err.max()),
        "top2_min_abs_cos_vs_tight": float(cos.min()),
        "hessian_batch": batch,
        "n_params": net.n_params,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(hessian_bench()))
