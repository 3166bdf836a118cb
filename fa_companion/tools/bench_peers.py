"""Speed against the peers, side by side in one run: ``python -m fa_companion.bench --json --peers``.

The peers are optional (``pip install -e ".[bench]"`` and ``pip install --no-deps biotorch``, or
``make bench-peers``); the package never imports them outside this module and never requires them.
A peer that is missing is listed in ``peers_missing`` with the command that installs it, and its
keys are absent.

Hessian (Paper B's 784-512-512-10 ReLU MLP after 50 Adam steps on 1000 uniform random images with
random labels, the network and batch of :mod:`fa_companion.tools.bench_hessian`; the same weights
copied into an ``nn.Sequential`` for the peers):

- ``hvp_over_pyhessian``: one Hessian-vector product of :class:`fa_companion.measure.hessian.Hessian`
  (the gradient graph kept from the first product) over one of PyHessian's
  (``pyhessian.utils.hessian_vector_product`` on the graph its constructor keeps); both graphs are
  built before timing.
- ``lanczos_hvp_over_pyhessian``: seconds per product inside the algorithms, our
  :func:`~fa_companion.measure.hessian.lanczos` (``m`` steps, one run, full reorthogonalization)
  over PyHessian's own Lanczos, ``density(iter=m, n_v=1)`` (also fully reorthogonalized; its last
  line, ``torch.eig``, removed in torch 2, is supplied for the call by ``_torch_eig_shim``),
  both on graphs built before timing. Goal ≤ 1.0. ``lanczos_hvp_over_pyhessian_power`` compares
  with PyHessian's power iteration run for exactly ``m`` products (``eigenvalues(tol=0)``), which
  does no reorthogonalization at all (a lower bound on any Lanczos' overhead).
- ``eig_seconds_over_pyhessian``: wall time of the top-2 eigenvalues from scratch (graph
  construction included) of :func:`~fa_companion.measure.hessian.top_eigenpairs` at ``tol=1e-4``
  (chapter 10's setting) over ``pyhessian.hessian(...).eigenvalues(top_n=2)`` at its defaults
  (``tol=1e-3``, ``maxIter=100``). The accuracies against an ``eigsh`` solve at ``tol=1e-10`` are
  reported beside it (``*_top2_rel_err``, ``*_top2_min_abs_cos``): ours is at least as accurate, so
  the ratio is at equal or better accuracy. Goal ≤ 1.0.
- ``curvlinops_hvp_over_ours`` and ``curvlinops_hvp8_over_ours`` (one vector; a block of 8, its
  vectorized ``matmat`` against our batched products), ``curvlinops_eig_seconds_over_ours``
  (``eigsh`` on its SciPy operator, same tolerance, start and ``ncv`` as ours): curvlinops-for-pytorch's
  ``HessianLinearOperator`` recomputes the forward and backward pass for every product (it is
  built for Hessians over a whole data loader, and for GGN, Fisher, K-FAC, inverse operators), so
  on one fixed batch it costs what our ``keep_graph=False`` path costs.

FA training step: ``fa_step_over_biotorch`` is one Adam step of our FA MLP (784-512-512-10, batch
128, :class:`~fa_companion.nets.models.FeedbackMLP`) over one of the same network built from
BioTorch's FA ``Linear`` layers (``biotorch.layers.fa.Linear``, its ``LinearGrad`` Function), timed
in alternation. BioTorch 0.0.16 pins an old Jupyter stack (and ``requests`` 2.25), so it is installed
with ``--no-deps``; its FA layers import and run with our torch. Without it, its ``LinearGrad``
Function re-expressed here (``_BioTorchLinearGrad``, a line-for-line copy of its forward and
backward) is used and ``biotorch_source`` says so. Goal ≤ 1.0. Both do the same arithmetic; what
differs is the fixed per-step cost (our layers serve K-member ensembles, K = 1 here), measured on
a network with almost no arithmetic in the same rounds: ``biotorch_fixed_overhead_ms`` and
``fa_step_over_biotorch_less_fixed_overhead``.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import sys
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from .. import resolve_device
from ..measure.hessian import Hessian, PlainMLP, lanczos, top_eigenpairs
from ..nets.models import FeedbackMLP, Member
from ..training.train import TrainConfig, make_optimizer
from .bench_hessian import SIZES, trained_problem
from .timing import TINY_BATCH, TINY_SIZES, paired_times

__all__ = ["PEERS", "missing_peers", "hessian_peers", "fa_step_over_biotorch", "peers_bench"]

PEERS = {
    "pyhessian": ("pyhessian", 'pip install "pyhessian>=0.1"  (or: pip install -e ".[bench]")'),
    "curvlinops": ("curvlinops",
                   'pip install "curvlinops-for-pytorch>=3"  (or: pip install -e ".[bench]")'),
    "biotorch": ("biotorch", "pip install --no-deps biotorch  (its own pins would downgrade the "
                             "book toolchain; `make bench-peers` does both)"),
}
"""Peer -> (module to import, how to install it)."""

STEP_BATCH = 128


def missing_peers() -> dict[str, str]:
    """``{peer: install command}`` for each peer whose module cannot be found."""
    return {name: hint for name, (module, hint) in PEERS.items()
            if importlib.util.find_spec(module) is None}


def _sequential(sizes, bias: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(i, o, bias=bias), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def _copy_into(seq: nn.Sequential, net: PlainMLP, theta: torch.Tensor) -> nn.Sequential:
    """The weights θ of the plain MLP ``net`` copied into the ``nn.Linear`` layers of ``seq``."""
    p = net.unflatten(theta.detach())
    linears = [m for m in seq if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for l, lin in enumerate(linears):
            lin.weight.copy_(p[f"W{l}"])
            if lin.bias is not None:
                lin.bias.copy_(p[f"b{l}"])
    return seq


@contextlib.contextmanager
def _torch_eig_shim():
    """PyHessian 0.1's ``density()`` ends with ``torch.eig(T, eigenvectors=True)``, removed in
    torch 2 (PITFALLS 20): for the duration of the call only, ``torch.eig`` is provided for the
    symmetric tridiagonal T it passes (``torch.linalg.eigh``, returned in the old ``(n, 2)``
    real/imaginary layout). Everything before that line, its products and reorthogonalization, is
    PyHessian's own code, unchanged."""
    had = hasattr(torch, "eig")
    old = getattr(torch, "eig", None)

    def eig(t, eigenvectors=False):
        vals, vecs = torch.linalg.eigh(t)
        return torch.stack([vals, torch.zeros_like(vals)], 1), vecs

    torch.eig = eig
    try:
        yield
    finally:
        if had:
            torch.eig = old
        else:
            del torch.eig


def _accuracy(vals, vecs, ref_vals, ref_vecs) -> tuple[float, float]:
    vals = np.asarray(vals, dtype=np.float64)
    rel = np.abs(vals - ref_vals) / np.abs(ref_vals)
    cos = []
    for a, b in zip(vecs, ref_vecs):
        a, b = a.reshape(-1).double(), b.reshape(-1).double()
        cos.append(abs(float(torch.dot(a, b) / (a.norm() * b.norm()))))
    return float(rel.max()), float(min(cos))


def _flat(parts) -> torch.Tensor:
    return torch.cat([p.reshape(-1) for p in parts])


def hessian_peers(device="auto", *, batch: int = 1000, train_steps: int = 50, rounds: int = 5,
                  inner: int = 3, lanczos_steps: int = 20, eig_rounds: int = 3,
                  tol: float = 1e-4) -> dict:
    """The Hessian keys of the module docstring, for the peers that are installed."""
    dev = resolve_device(device)
    missing = missing_peers()
    net, theta, x, y = trained_problem(dev, batch, train_steps)
    loss_fn = net.loss_fn(x, y)
    out: dict = {"peers_hessian_batch": batch, "peers_lanczos_steps": lanczos_steps}
    gen = torch.Generator().manual_seed(3)
    v = torch.randn(theta.shape, generator=gen).to(dev)
    V8 = torch.randn(8, theta.numel(), generator=gen).to(dev)
    ours = Hessian(loss_fn, theta)
    ours.matvec(v)  # builds the kept graph
    ref = top_eigenpairs(Hessian(loss_fn, theta), k=2, tol=1e-10, seed=1, ncv=20)
    ref_vals, ref_vecs = ref["eigenvalues"], list(ref["eigenvectors"])

    def our_eig():
        return top_eigenpairs(Hessian(loss_fn, theta), k=2, tol=tol, seed=0)

    fns: dict[str, Callable[[], object]] = {"ours_hvp": lambda: ours.matvec(v),
                                            "ours_hvp8": lambda: ours.matvec(V8),
                                            "ours_lanczos": lambda: lanczos(ours, lanczos_steps, 1,
                                                                            seed=0)}
    top = our_eig()
    out["ours_top2_rel_err"], out["ours_top2_min_abs_cos"] = _accuracy(
        top["eigenvalues"], list(top["eigenvectors"]), ref_vals, ref_vecs)
    out["ours_top2_hvps"] = int(top["n_hvp"])
    eig_fns: dict[str, Callable[[], object]] = {"ours_eig": our_eig}
    criterion = nn.CrossEntropyLoss()
    seq = _copy_into(_sequential(SIZES).to(dev), net, theta)

    if "pyhessian" not in missing:
        from pyhessian import hessian as PyHessian
        from pyhessian import utils as ph_utils

        cuda = dev.type == "cuda"
        ph = PyHessian(seq, criterion, data=(x, y), cuda=cuda)
        pv = [vv.reshape(p.shape).contiguous() for vv, p in
              zip(torch.split(v, [p.numel() for p in ph.params]), ph.params)]
        hv_ph = _flat(ph_utils.hessian_vector_product(ph.gradsH, ph.params, pv))
        out["pyhessian_hvp_max_rel_diff"] = float((hv_ph - ours.matvec(v)).abs().max()
                                                  / hv_ph.abs().max())
        fns["pyhessian_hvp"] = lambda: ph_utils.hessian_vector_product(ph.gradsH, ph.params, pv)
        torch.manual_seed(0)
        fns["pyhessian_power"] = lambda: ph.eigenvalues(maxIter=lanczos_steps, tol=0.0, top_n=1)

        def ph_lanczos():
            with _torch_eig_shim():
                return ph.density(iter=lanczos_steps, n_v=1)

        fns["pyhessian_lanczos"] = ph_lanczos

        def ph_eig():
            seq.zero_grad(set_to_none=True)
            h = PyHessian(seq, criterion, data=(x, y), cuda=cuda)
            calls = [0]
            real = ph_utils.hessian_vector_product

            def counted(*a, **k):
                calls[0] += 1
                return real(*a, **k)

            ph_mod = sys.modules[PyHessian.__module__]  # the module, not the class it exports
            ph_mod.hessian_vector_product = counted
            try:
                vals, vecs = h.eigenvalues(top_n=2)
            finally:
                ph_mod.hessian_vector_product = real
            return vals, vecs, calls[0]

        torch.manual_seed(0)
        vals, vecs, n = ph_eig()
        out["pyhessian_top2_rel_err"], out["pyhessian_top2_min_abs_cos"] = _accuracy(
            vals, [_flat(vv) for vv in vecs], ref_vals, ref_vecs)
        out["pyhessian_top2_hvps"] = n
        eig_fns["pyhessian_eig"] = ph_eig

    if "curvlinops" not in missing:
        from curvlinops import HessianLinearOperator
        from scipy.sparse.linalg import eigsh

        params = [p for p in seq.parameters() if p.requires_grad]
        cl = HessianLinearOperator(seq, criterion, params, [(x, y)], check_deterministic=False)
        out["curvlinops_hvp_max_rel_diff"] = float((cl @ v - ours.matvec(v)).abs().max()
                                                   / ours.matvec(v).abs().max())
        V8t = V8.T.contiguous()
        fns["curvlinops_hvp"] = lambda: cl @ v
        fns["curvlinops_hvp8"] = lambda: cl @ V8t
        op = cl.to_scipy()
        n_par = theta.numel()

        def cl_eig():
            v0 = np.random.default_rng(0).standard_normal(n_par)
            return eigsh(op, k=2, which="LA", tol=tol, v0=v0, ncv=max(10, 16))

        eig_fns["curvlinops_eig"] = cl_eig

    t = paired_times(fns, rounds=rounds, inner=inner, device=dev, warmup=1)
    e = paired_times(eig_fns, rounds=eig_rounds, inner=1, device=dev, warmup=0)
    out["ours_hvp_ms"] = 1e3 * t["ours_hvp"]
    out["ours_lanczos_ms_per_hvp"] = 1e3 * t["ours_lanczos"] / lanczos_steps
    out["ours_top2_seconds"] = e["ours_eig"]
    if "pyhessian_hvp" in t:
        out["pyhessian_hvp_ms"] = 1e3 * t["pyhessian_hvp"]
        out["pyhessian_lanczos_ms_per_hvp"] = 1e3 * t["pyhessian_lanczos"] / lanczos_steps
        out["pyhessian_power_ms_per_hvp"] = 1e3 * t["pyhessian_power"] / lanczos_steps
        out["hvp_over_pyhessian"] = t["ours_hvp"] / t["pyhessian_hvp"]
        out["lanczos_hvp_over_pyhessian"] = t["ours_lanczos"] / t["pyhessian_lanczos"]
        out["lanczos_hvp_over_pyhessian_power"] = t["ours_lanczos"] / t["pyhessian_power"]
        out["pyhessian_top2_seconds"] = e["pyhessian_eig"]
        out["eig_seconds_over_pyhessian"] = e["ours_eig"] / e["pyhessian_eig"]
    if "curvlinops_hvp" in t:
        out["curvlinops_hvp_ms"] = 1e3 * t["curvlinops_hvp"]
        out["curvlinops_hvp_over_ours"] = t["curvlinops_hvp"] / t["ours_hvp"]
        out["curvlinops_hvp8_over_ours"] = t["curvlinops_hvp8"] / t["ours_hvp8"]
        out["curvlinops_top2_seconds"] = e["curvlinops_eig"]
        out["curvlinops_eig_seconds_over_ours"] = e["curvlinops_eig"] / e["ours_eig"]
    return out


class _BioTorchLinearGrad(torch.autograd.Function):
    """BioTorch 0.0.16's ``biotorch.autograd.fa.linear.LinearGrad`` re-expressed (used only when
    biotorch is not installed): forward ``x Wᵀ + b``; backward ``grad_out B`` to the input,
    ``grad_outᵀ x`` to W, the column sum to b, nothing to B."""

    @staticmethod
    def forward(ctx, input, weight, weight_backward, bias=None, bias_backward=None):
        ctx.save_for_backward(input, weight, weight_backward, bias, bias_backward)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, weight_backward, bias, bias_backward = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight_backward)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[3]:
            grad_bias = grad_output.sum(0).squeeze(0)
        return grad_input, grad_weight, None, grad_bias, None


class _ReexpressedFALinear(nn.Linear):
    def __init__(self, i: int, o: int) -> None:
        super().__init__(i, o)
        self.register_buffer("weight_backward", torch.randn(o, i) / i ** 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _BioTorchLinearGrad.apply(x, self.weight, self.weight_backward, self.bias, None)


def _biotorch_mlp(sizes) -> tuple[nn.Sequential, str]:
    try:
        from biotorch.layers.fa import Linear as BioLinear

        make, source = BioLinear, f"biotorch {importlib.metadata.version('biotorch')} (--no-deps)"
    except Exception as exc:  # not installed, or does not import with this torch
        make, source = _ReexpressedFALinear, f"re-expressed LinearGrad ({type(exc).__name__})"
    layers: list[nn.Module] = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        layers += [make(i, o), nn.ReLU()]
    return nn.Sequential(*layers[:-1]), source


def fa_step_over_biotorch(device="auto", *, rounds: int = 15, inner: int = 20) -> dict:
    """``fa_step_over_biotorch`` (see the module docstring) and the two step times; timed in the
    same rounds, the same two networks at :data:`fa_companion.tools.timing.TINY_SIZES` (almost no
    arithmetic: the fixed per-step cost) give ``biotorch_fixed_overhead_ms`` (our extra fixed cost
    per step) and ``fa_step_over_biotorch_less_fixed_overhead`` (the ratio without it)."""
    dev = resolve_device(device)
    gen = torch.Generator().manual_seed(0)
    source = ""
    steps = {}
    for tag, sizes, batch in (("", SIZES, STEP_BATCH), ("_tiny", TINY_SIZES, TINY_BATCH)):
        x = torch.rand(batch, sizes[0], generator=gen).to(dev)
        y = torch.randint(0, sizes[-1], (batch,), generator=gen).to(dev)
        bio, source = _biotorch_mlp(sizes)
        steps["ours" + tag] = _adam_step(FeedbackMLP(sizes, Member("fa", seed=0)).to(dev), x, y)
        steps["biotorch" + tag] = _adam_step(bio.to(dev), x, y)
    t = paired_times(steps, rounds=rounds, inner=inner, device=dev)
    extra = t["ours_tiny"] - t["biotorch_tiny"]
    return {"fa_step_over_biotorch": t["ours"] / t["biotorch"], "biotorch_source": source,
            "ours_fa_step_ms": 1e3 * t["ours"], "biotorch_fa_step_ms": 1e3 * t["biotorch"],
            "biotorch_fixed_overhead_ms": 1e3 * extra,
            "fa_step_over_biotorch_less_fixed_overhead": (t["ours"] - extra) / t["biotorch"]}


def _adam_step(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Callable[[], None]:
    """One step: forward, cross-entropy, backward, Adam (Paper B's) over the trainable parameters
    (BioTorch keeps its feedback matrices as parameters with ``requires_grad=False``)."""
    opt = make_optimizer([p for p in model.parameters() if p.requires_grad], TrainConfig())

    def step() -> None:
        logits = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step


def peers_bench(device="auto", quick: bool = False) -> dict:
    """All peer keys; ``peers_missing`` names each missing peer and how to install it."""
    t0 = time.perf_counter()
    missing = missing_peers()
    out: dict = {"peers_missing": missing}
    if quick:
        out.update(hessian_peers(device, batch=200, train_steps=5, rounds=2, inner=1,
                                 lanczos_steps=5, eig_rounds=1))
        out.update(fa_step_over_biotorch(device, rounds=3, inner=3))
    else:
        out.update(hessian_peers(device))
        out.update(fa_step_over_biotorch(device))
    out["peers_seconds"] = time.perf_counter() - t0
    return out


def main(argv=None) -> None:
    """``python -m fa_companion.tools.bench_peers [--quick] [--device DEVICE]``: the peers alone,
    one JSON object on stdout."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m fa_companion.tools.bench_peers",
                                     description="PyHessian, curvlinops and BioTorch beside ours "
                                                 "(the --peers keys of python -m fa_companion.bench)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test, not a measurement)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    args = parser.parse_args(argv)
    print(json.dumps(peers_bench(args.device, quick=args.quick)))


if __name__ == "__main__":
    main()
