"""The loss Hessian of a trained network: products, top eigenpairs, trace, spectral density, planes.

Paper B §B.7-B.8 (Figs 2 e-k, 5, S10) measures the curvature of the loss at the weights a rule
reached. The loss ``L(θ)`` and hence its Hessian ``H = ∂²L/∂θ²`` depend only on the forward
function and the weights, never on the learning rule that produced them. Everything here therefore
works on a **plain functional copy** of the weights: :class:`PlainMLP` evaluates the network as a
function of one flat parameter vector ``θ = (W₀, b₀, W₁, b₁, …)`` (Paper B's θ = {W_l, b_l}) with
ordinary differentiable operations. Differentiating through the FA autograd Functions instead
would differentiate the FA pseudo-gradient and give a wrong, non-symmetric "Hessian".

- :class:`Hessian`: Hessian-vector products ``Hv`` (Paper B eq. of §B.7 ``∂(gᵀv)/∂θ = Hv``) on a
  fixed batch, by a reverse pass through the gradient's graph kept from the first product (the
  default, as PyHessian) or by forward-over-reverse differentiation (``torch.func.jvp`` of
  ``torch.func.grad``), vectorized over probe vectors and over the K networks of an ensemble (the
  Hessian of the summed losses is block diagonal), with a count of products.
- :func:`top_eigenpairs`: the k largest eigenpairs with ``scipy.sparse.linalg.eigsh`` (implicitly
  restarted Lanczos, ``which='LA'``, seeded start) on a ``LinearOperator``. Paper B uses power
  iteration; eigsh gives the same eigenvalue to a stated tolerance in fewer products and also the
  second eigenvector that Fig 5a needs.
- :func:`hutchinson_trace`: ``tr H = E[vᵀHv]`` with Rademacher probes (Paper B §B.7, ref. [62]),
  with the standard error of the mean over a fixed number of probes.
- :func:`lanczos`, :func:`slq`, :func:`spectral_density`: the spectral density by stochastic
  Lanczos quadrature (Paper B §B.7, refs [63, 64]): Lanczos with full reorthogonalization from
  Rademacher starts, the tridiagonal matrix diagonalised in float64, nodes λᵢ and weights τᵢ (squared
  first components), Gaussian broadening ``ρ_σ(t) = 1/n_v Σ_l Σ_i τᵢ⁽ˡ⁾ N(t; λᵢ⁽ˡ⁾, σ²)``. The
  density integrates to 1 and its mean is ``tr H / n`` (each run's ``Σ τᵢλᵢ = q₁ᵀHq₁`` is a
  Hutchinson sample).
- :func:`loss_plane`: the loss on ``θ + α d₁ + β d₂`` over a grid (Paper B §B.8 with the top-2
  eigenvectors; §B.6 with the top-2 principal directions of a training trajectory).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch.func import grad, jvp, vmap

from ..nets.models import activation_fn

__all__ = [
    "PlainMLP",
    "member_theta",
    "Hessian",
    "top_eigenpairs",
    "hutchinson_trace",
    "rademacher",
    "lanczos",
    "slq",
    "spectral_density",
    "density_grid",
    "loss_plane",
]


# --------------------------------------------------------------------------------------------
# A plain functional copy of the network
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlainMLP:
    """An MLP as a pure function of a flat parameter vector θ = (W₀, b₀, W₁, b₁, …).

    Same forward function as :class:`fa_companion.nets.models.FeedbackMLP` (``o = W h + b``, hidden
    ``activation``, linear output unless ``output_activation``), built from ordinary operations
    so that ``torch.func`` differentiates the true loss. ``θ`` may carry leading
    batch dimensions handled by ``vmap``; the functions here take one unbatched ``θ`` of shape
    ``(n_params,)``.
    """

    sizes: tuple[int, ...]
    activation: str = "relu"
    output_activation: str = "linear"
    bias: bool = True

    def __post_init__(self) -> None:
        sizes = tuple(int(s) for s in self.sizes)
        if len(sizes) < 2 or min(sizes) <= 0:
            raise ValueError(f"sizes needs ≥ 2 positive widths, got {self.sizes}")
        object.__setattr__(self, "sizes", sizes)
        activation_fn(self.activation)  # validates the names
        activation_fn(self.output_activation)

    @classmethod
    def from_model(cls, model) -> PlainMLP:
        """The plain twin of a :class:`~fa_companion.nets.models.FeedbackMLP` (any rule)."""
        return cls(tuple(model.sizes), model.activation, model.output_activation,
                   model.biases is not None)

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def entries(self) -> list[tuple[str, tuple[int, ...]]]:
        """Names and shapes in θ's order: ``W0, b0, W1, b1, …`` (``W{l}`` is ``(out, in)``)."""
        out = []
        for l, (i, o) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            out.append((f"W{l}", (o, i)))
            if self.bias:
                out.append((f"b{l}", (o,)))
        return out

    @property
    def n_params(self) -> int:
        return sum(math.prod(s) for _, s in self.entries)

    def unflatten(self, theta: Tensor) -> dict[str, Tensor]:
        """Views of θ (last dimension ``n_params``) as ``{W0: (…, out, in), b0: (…, out), …}``."""
        if theta.shape[-1] != self.n_params:
            raise ValueError(f"theta has {theta.shape[-1]} entries; this network has {self.n_params}")
        lead = theta.shape[:-1]
        # torch.split, not slicing: its backward is one concatenation, where each slice's backward
        # writes a zero-filled n-sized gradient (it showed in Hessian-vector products)
        parts = torch.split(theta, [math.prod(shape) for _, shape in self.entries], dim=-1)
        return {name: part.reshape(*lead, *shape) for (name, shape), part in zip(self.entries, parts)}

    def flatten(self, params: Mapping[str, Tensor]) -> Tensor:
        """θ from a dict holding ``W{l}`` (and ``b{l}``); other entries (``B{l}``) are ignored.
        Leading batch dimensions are kept: ``(…, out, in) → (…, n_params)``."""
        missing = [name for name, _ in self.entries if name not in params]
        if missing:
            raise ValueError(f"parameters {missing} missing; got {sorted(params)}")
        parts = []
        for name, shape in self.entries:
            p = params[name]
            if tuple(p.shape[p.dim() - len(shape):]) != shape:
                raise ValueError(f"{name} has shape {tuple(p.shape)}, expected (…, {shape})")
            parts.append(p.reshape(*p.shape[:p.dim() - len(shape)], -1))
        return torch.cat(parts, dim=-1)

    def logits(self, theta: Tensor, x: Tensor) -> Tensor:
        """Logits ``(N, classes)`` of inputs ``x`` ``(N, …)`` under parameters θ ``(n_params,)``."""
        p = self.unflatten(theta)
        act, out_act = activation_fn(self.activation), activation_fn(self.output_activation)
        h = x.reshape(x.shape[0], -1)
        for l in range(self.n_layers):
            h = F.linear(h, p[f"W{l}"], p.get(f"b{l}"))
            h = out_act(h) if l == self.n_layers - 1 else act(h)
        return h

    def loss(self, theta: Tensor, x: Tensor, y: Tensor) -> Tensor:
        """Mean softmax cross-entropy of the batch (the training loss of Paper B §B.1)."""
        return F.cross_entropy(self.logits(theta, x), y)

    def loss_fn(self, x: Tensor, y: Tensor) -> Callable[[Tensor], Tensor]:
        """``θ ↦ L(θ)`` on the fixed batch ``(x, y)``: the function whose Hessian is taken."""
        x = x.reshape(x.shape[0], -1)
        return lambda theta: self.loss(theta, x, y)


def member_theta(model, members: int | Sequence[int] | None = None) -> Tensor:
    """Flat plain parameter vectors of ensemble members, from ``model.member_state(k)`` (W, b only;
    the feedback matrices B do not enter the loss). An int gives ``(n_params,)``; a sequence (or
    None: all members) gives ``(K, n_params)``."""
    net = PlainMLP.from_model(model)
    if isinstance(members, int):
        return net.flatten(model.member_state(members))
    ks = range(model.n_members) if members is None else members
    return torch.stack([net.flatten(model.member_state(int(k))) for k in ks])


# --------------------------------------------------------------------------------------------
# Hessian-vector products
# --------------------------------------------------------------------------------------------


class Hessian:
    """The Hessian of ``loss_fn`` at θ, applied to vectors (never formed).

    ``theta`` is one network ``(n,)`` or K networks ``(K, n)``; ``loss_fn(θ_k)`` is the loss of one
    network on a fixed batch (e.g. :meth:`PlainMLP.loss_fn`). :meth:`matvec` takes vectors
    ``(n,)`` or ``(P, n)`` for one network and ``(K, n)`` or ``(K, P, n)`` for K networks (probe p
    of network k multiplies network k's Hessian). ``n_hvp`` counts Hessian-vector products *per
    network* (a block of P probes counts P).

    Two ways to the same product (equal to float rounding; ``tests/test_hessian.py`` checks it):

    - ``keep_graph=True`` (default): the gradient ``g(θ) = ∇L(θ)`` is computed once, on the first
      product, with its graph kept (``create_graph=True``), and every product is one more
      reverse pass through that graph, ``Hv = ∂(gᵀv)/∂θ`` (``torch.autograd.grad(g, θ, v,
      retain_graph=True)``; a block of P vectors in one vectorized pass, ``is_grads_batched``,
      on a GPU, one pass per vector on a CPU, where that was faster).
      This is what PyHessian does; it saves the forward and backward pass that every product of
      the other way repeats, at the price of holding the graph (the batch's activations and
      their gradients) in memory while the object lives.
    - ``keep_graph=False``: forward-over-reverse, ``torch.func.jvp`` of ``torch.func.grad`` per
      product (recomputes the forward and backward pass each time; holds nothing between
      products).
    """

    def __init__(self, loss_fn: Callable[[Tensor], Tensor], theta: Tensor, *,
                 keep_graph: bool = True) -> None:
        if theta.dim() not in (1, 2):
            raise ValueError(f"theta must be (n,) or (K, n), got shape {tuple(theta.shape)}")
        self.loss_fn = loss_fn
        self.theta = theta.detach()
        self.n_hvp = 0
        self.keep_graph = bool(keep_graph)
        self._grad = grad(loss_fn)
        self._graph: tuple[Tensor, Tensor] | None = None  # (θ leaf, ∇L(θ) with its graph)

    @property
    def n(self) -> int:
        return self.theta.shape[-1]

    @property
    def n_members(self) -> int | None:
        return None if self.theta.dim() == 1 else self.theta.shape[0]

    @property
    def dtype(self) -> torch.dtype:
        return self.theta.dtype

    @property
    def device(self) -> torch.device:
        return self.theta.device

    def _single(self, theta: Tensor, v: Tensor) -> Tensor:
        """Hv for one network and one vector: forward-mode derivative of the gradient along v."""
        return jvp(self._grad, (theta,), (v,))[1]

    def _block(self, theta: Tensor, v: Tensor) -> Tensor:
        """Hv for one network; v is (n,) or (P, n)."""
        if v.dim() == 1:
            return self._single(theta, v)
        return vmap(self._single, in_dims=(None, 0))(theta, v)

    def _kept_graph(self) -> tuple[Tensor, Tensor]:
        """The θ leaf and ``∇L(θ)`` with its graph, built on first use (K networks: the gradient of
        the summed losses, whose Hessian is block diagonal, one block per network)."""
        if self._graph is None:
            with torch.enable_grad():
                leaf = self.theta.clone().requires_grad_(True)
                if leaf.dim() == 1:
                    total = self.loss_fn(leaf)
                else:
                    total = vmap(self.loss_fn)(leaf).sum()
                (g,) = torch.autograd.grad(total, leaf, create_graph=True)
            self._graph = (leaf, g)
        return self._graph

    def _graph_products(self, v: Tensor, batched: bool) -> Tensor:
        """``Hv`` by a reverse pass through the kept gradient graph; ``batched``: v's first axis
        indexes independent vectors (each shaped like θ)."""
        leaf, g = self._kept_graph()
        if batched and (v.shape[0] == 1 or v.device.type == "cpu"):
            # One reverse pass per vector: on a CPU the vectorized pass (vmap over the backward)
            # was slower than a loop (Paper B's MLP, batch 1000: 14 ms more for one vector, 13%
            # more for four); on a GPU, one vectorized pass.
            return torch.stack([self._graph_products(u, batched=False) for u in v])
        with torch.enable_grad():
            (hv,) = torch.autograd.grad(g, leaf, grad_outputs=v, retain_graph=True,
                                        is_grads_batched=batched)
        return hv.detach()

    def matvec(self, v: Tensor) -> Tensor:
        """Hessian-vector products, same shape as ``v`` (see the class docstring)."""
        v = v.to(self.dtype)
        if self.theta.dim() == 1:
            if v.dim() not in (1, 2) or v.shape[-1] != self.n:
                raise ValueError(f"v must be (n,) or (P, n) with n = {self.n}, got {tuple(v.shape)}")
            self.n_hvp += 1 if v.dim() == 1 else v.shape[0]
            if self.keep_graph:
                return self._graph_products(v, batched=v.dim() == 2)
            return self._block(self.theta, v)
        k = self.theta.shape[0]
        if v.dim() not in (2, 3) or v.shape[0] != k or v.shape[-1] != self.n:
            raise ValueError(
                f"v must be (K, n) or (K, P, n) with K = {k}, n = {self.n}, got {tuple(v.shape)}")
        self.n_hvp += 1 if v.dim() == 2 else v.shape[1]
        if self.keep_graph:
            if v.dim() == 2:
                return self._graph_products(v, batched=False)
            return self._graph_products(v.transpose(0, 1), batched=True).transpose(0, 1)
        if v.dim() == 2:
            return vmap(self._single)(self.theta, v)
        return vmap(self._block)(self.theta, v)

    def member(self, k: int) -> Hessian:
        """The Hessian of network ``k`` alone (shares the product counter's semantics, not the count)."""
        if self.theta.dim() == 1:
            if k != 0:
                raise ValueError(f"a single network has only member 0, got {k}")
            return self
        return Hessian(self.loss_fn, self.theta[k], keep_graph=self.keep_graph)

    def linear_operator(self):
        """A float64 ``scipy.sparse.linalg.LinearOperator`` for one network (products in θ's dtype)."""
        from scipy.sparse.linalg import LinearOperator

        if self.theta.dim() != 1:
            raise ValueError("linear_operator() needs one network; use hessian.member(k)")

        def mv(x: np.ndarray) -> np.ndarray:
            v = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(-1), device=self.device)
            return self.matvec(v.to(self.dtype)).double().cpu().numpy()

        return LinearOperator((self.n, self.n), matvec=mv, dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Top eigenpairs, trace
# --------------------------------------------------------------------------------------------


def top_eigenpairs(hessian: Hessian, k: int = 2, *, tol: float = 1e-4, seed: int = 0,
                   ncv: int | None = None, maxiter: int | None = None) -> dict:
    """The ``k`` largest (algebraic) eigenvalues of one network's Hessian and their eigenvectors.

    ``scipy.sparse.linalg.eigsh(LinearOperator, k, which='LA', tol, v0)`` with a seeded Gaussian
    start ``v0``; ``tol`` is ARPACK's relative accuracy of the Ritz values. ``ncv`` (Lanczos vectors
    per restart cycle) defaults to max(10, 8k) (SciPy: 20): ARPACK restarts until
    ``tol`` is met either way; on Paper B's MLP this saved 10-25% of the products. Returns
    ``{"eigenvalues": (k,) descending, "eigenvectors": (k, n) unit rows in θ's dtype and device,
    "n_hvp": products used}``. Replaces Paper B's power iteration (§B.7).
    """
    from scipy.sparse.linalg import eigsh

    if not 1 <= k < hessian.n:
        raise ValueError(f"k must be in 1..{hessian.n - 1}, got {k}")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol}")
    if hessian.theta.dim() != 1:
        raise ValueError("top_eigenpairs() needs one network; use hessian.member(k)")
    start = hessian.n_hvp
    if ncv is None:
        ncv = min(hessian.n, max(10, 8 * k))
    v0 = np.random.default_rng(seed).standard_normal(hessian.n)
    vals, vecs = eigsh(hessian.linear_operator(), k=k, which="LA", tol=tol, v0=v0, ncv=ncv,
                       maxiter=maxiter)
    order = np.argsort(vals)[::-1]
    vectors = torch.as_tensor(vecs[:, order].T.copy(), device=hessian.device).to(hessian.dtype)
    return {"eigenvalues": vals[order].astype(np.float64), "eigenvectors": vectors,
            "n_hvp": hessian.n_hvp - start}


def rademacher(shape: Sequence[int], *, seed: int, dtype=torch.float32, device="cpu") -> Tensor:
    """Independent ±1 entries with probability ½ each, from a seeded CPU generator."""
    gen = torch.Generator().manual_seed(int(seed))
    r = torch.randint(0, 2, tuple(shape), generator=gen, dtype=torch.int8)
    return (2 * r - 1).to(dtype=dtype, device=device)


def hutchinson_trace(hessian: Hessian, n_probes: int, *, seed: int = 0, chunk: int = 8) -> dict:
    """Hutchinson's estimator ``tr H ≈ 1/P Σ_p v_pᵀ H v_p`` with ``P = n_probes`` Rademacher probes
    (Paper B §B.7), for one network or each of K networks (independent probes per network).

    Returns ``{"trace": (), "se": (), "samples": (P,)}`` for one network and shapes ``(K,)``,
    ``(K,)``, ``(K, P)`` for K networks, as float64 numpy; ``se`` is the sample SD (ddof 1) over
    √P. Probes are applied ``chunk`` at a time (vectorized).
    """
    if not (isinstance(n_probes, int) and n_probes >= 2):
        raise ValueError(f"n_probes must be an int ≥ 2 (for a standard error), got {n_probes!r}")
    k = hessian.n_members
    lead = () if k is None else (k,)
    probes = rademacher((*lead, n_probes, hessian.n), seed=seed, dtype=hessian.dtype,
                        device=hessian.device)
    samples = []
    for i in range(0, n_probes, chunk):
        v = probes[..., i:i + chunk, :]
        samples.append((v * hessian.matvec(v)).sum(-1).double())
    s = torch.cat(samples, dim=-1).cpu().numpy()
    return {"trace": s.mean(-1), "se": s.std(-1, ddof=1) / math.sqrt(n_probes), "samples": s}


# --------------------------------------------------------------------------------------------
# Stochastic Lanczos quadrature
# --------------------------------------------------------------------------------------------


def lanczos(hessian: Hessian, n_steps: int, n_runs: int = 1, *, seed: int = 0,
            start: Tensor | None = None, breakdown: float = 1e-10) -> dict:
    """``n_runs`` Lanczos runs of ``n_steps`` steps with full reorthogonalization, vectorized.

    Starts are normalized Rademacher vectors (or ``start``, shaped ``(R, n)`` / ``(K, R, n)``).
    Every step subtracts ``α_j q_j + β_{j-1} q_{j-1}`` (the three-term recurrence), then
    reorthogonalizes against all previous Lanczos vectors by classical Gram-Schmidt, and repeats
    that pass only for runs whose norm it cut below 1/√2 (the Daniel-Gragg-Kaufman-Stewart test,
    "twice is enough"), so the tridiagonal matrix is that of exact
    arithmetic even when Ritz values converge. α and β are accumulated in float64. A run whose
    β falls below ``breakdown`` × its largest ``|α|`` has found an invariant subspace; it stops
    there (its ``length`` is recorded and its later entries are 0).

    Returns float64 numpy ``{"alpha": (…, R, m), "beta": (…, R, m-1), "length": (…, R)}`` with
    a leading K axis for K networks.
    """
    if not (isinstance(n_steps, int) and 1 <= n_steps <= hessian.n):
        raise ValueError(f"n_steps must be an int in 1..{hessian.n}, got {n_steps!r}")
    if not (isinstance(n_runs, int) and n_runs >= 1):
        raise ValueError(f"n_runs must be a positive int, got {n_runs!r}")
    k = hessian.n_members
    lead = () if k is None else (k,)
    if start is None:
        q = rademacher((*lead, n_runs, hessian.n), seed=seed, dtype=hessian.dtype,
                       device=hessian.device)
    else:
        q = start.to(dtype=hessian.dtype, device=hessian.device)
        if tuple(q.shape) != (*lead, n_runs, hessian.n):
            raise ValueError(f"start must have shape {(*lead, n_runs, hessian.n)}, got {tuple(q.shape)}")
    q = q / q.norm(dim=-1, keepdim=True)
    shape, n = q.shape, hessian.n
    n_lines = math.prod(shape[:-1])  # independent Lanczos runs (K networks × R starts)
    # basis[r, j] is run r's j-th Lanczos vector: each run's vectors are one contiguous (m, n) block,
    # so the reorthogonalization is two batched matrix products without copies.
    basis = torch.empty((n_lines, n_steps, n), dtype=hessian.dtype, device=hessian.device)
    alpha = torch.zeros((*shape[:-1], n_steps), dtype=torch.float64, device=hessian.device)
    beta = torch.zeros((*shape[:-1], max(n_steps - 1, 0)), dtype=torch.float64, device=hessian.device)
    alive = torch.ones(shape[:-1], dtype=torch.bool, device=hessian.device)
    length = torch.full(shape[:-1], n_steps, dtype=torch.int64, device=hessian.device)
    # In-place updates of w: on a CPU every fresh n-sized temporary costs page faults, which at
    # n ~ 10⁶ took as long as the arithmetic.
    for j in range(n_steps):
        basis[:, j] = q.reshape(n_lines, n)
        w = hessian.matvec(q).reshape(n_lines, 1, n)
        qj = basis[:, j:j + 1]  # (runs, 1, n)
        a = torch.bmm(w, qj.transpose(1, 2)).reshape(shape[:-1])
        alpha[..., j] = torch.where(alive, a.double(), 0.0)
        if j == n_steps - 1:
            break
        w.addcmul_(qj, a.reshape(n_lines, 1, 1), value=-1.0)
        if j:
            w.addcmul_(basis[:, j - 1:j], beta[..., j - 1].to(w.dtype).reshape(n_lines, 1, 1),
                       value=-1.0)
        prev = basis[:, : j + 1]  # (runs, j+1, n)
        for rep in range(2):  # full reorthogonalization (classical Gram-Schmidt), again if needed
            before = w.norm(dim=-1)
            coef = torch.bmm(w, prev.transpose(1, 2))  # (runs, 1, j+1)
            w.sub_(torch.bmm(coef, prev))
            if rep == 0 and bool((w.norm(dim=-1) >= before * 0.7071).all()):
                break
        w = w.reshape(shape)
        b = w.norm(dim=-1)
        scale = alpha[..., : j + 1].abs().amax(-1).clamp_min(1e-300)
        broke = alive & (b.double() <= breakdown * scale)
        length = torch.where(broke, torch.full_like(length, j + 1), length)
        alive = alive & ~broke
        beta[..., j] = torch.where(alive, b.double(), 0.0)
        w.div_(b.clamp_min(torch.finfo(w.dtype).tiny).unsqueeze(-1))
        if not bool(alive.all()):
            w = torch.where(alive.unsqueeze(-1), w, torch.zeros_like(w))
        q = w
    return {"alpha": alpha.cpu().numpy(), "beta": beta.cpu().numpy(), "length": length.cpu().numpy()}


def slq(tridiagonal: Mapping[str, np.ndarray]) -> dict:
    """Gauss quadrature nodes and weights of Lanczos runs (Paper B §B.7, refs [63, 64]).

    For each run, the eigenvalues λᵢ of its tridiagonal matrix T (float64, truncated to the run's
    length) are the nodes and the squared first components of T's eigenvectors are the weights
    τᵢ (they sum to 1). Returns ``{"nodes", "weights"}`` shaped like ``alpha`` (entries past a
    run's length get weight 0 and node 0).
    """
    alpha = np.asarray(tridiagonal["alpha"], dtype=np.float64)
    beta = np.asarray(tridiagonal["beta"], dtype=np.float64)
    length = np.asarray(tridiagonal.get("length", np.full(alpha.shape[:-1], alpha.shape[-1])))
    m = alpha.shape[-1]
    a2, b2, l2 = alpha.reshape(-1, m), beta.reshape(-1, max(m - 1, 0)), length.reshape(-1)
    nodes, weights = np.zeros_like(a2), np.zeros_like(a2)
    for r in range(len(a2)):
        L = int(l2[r])
        t = np.diag(a2[r, :L]) + np.diag(b2[r, : L - 1], 1) + np.diag(b2[r, : L - 1], -1)
        evals, evecs = np.linalg.eigh(t)
        nodes[r, :L], weights[r, :L] = evals, evecs[0] ** 2
    return {"nodes": nodes.reshape(alpha.shape), "weights": weights.reshape(alpha.shape)}


def density_grid(nodes: np.ndarray, sigma: float, n_points: int = 1000, pad: float = 5.0) -> np.ndarray:
    """An evenly spaced grid covering every node ± ``pad``·σ (the broadened density's support)."""
    nodes = np.asarray(nodes, dtype=np.float64)
    return np.linspace(nodes.min() - pad * sigma, nodes.max() + pad * sigma, n_points)


def spectral_density(nodes: np.ndarray, weights: np.ndarray, grid: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-broadened spectral density ``ρ_σ(t) = 1/n_v Σ_l Σ_i τᵢ⁽ˡ⁾ N(t; λᵢ⁽ˡ⁾, σ²)``
    (Paper B §B.7) on ``grid``, averaged over all runs in ``nodes``/``weights`` (any shape whose
    last axis is the quadrature index). Integrates to 1 over the real line."""
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    nodes = np.asarray(nodes, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    m = nodes.shape[-1]
    lam, tau = nodes.reshape(-1, m), weights.reshape(-1, m)
    t = np.asarray(grid, dtype=np.float64)
    kernel = np.exp(-0.5 * ((t[:, None, None] - lam[None]) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    return (kernel * tau[None]).sum(-1).mean(-1)


# --------------------------------------------------------------------------------------------
# Loss on a plane through θ
# --------------------------------------------------------------------------------------------


def loss_plane(loss_fn: Callable[[Tensor], Tensor], theta: Tensor, d1: Tensor, d2: Tensor,
               alphas: Sequence[float], betas: Sequence[float], *, chunk: int = 16) -> np.ndarray:
    """``L(θ + α d₁ + β d₂)`` for every α in ``alphas`` (rows) and β in ``betas`` (columns).

    Paper B §B.8 (d₁, d₂ the top-2 Hessian eigenvectors, test loss) and §B.6 (d₁, d₂ the first two
    principal directions of a training trajectory, training loss). Grid points are evaluated
    ``chunk`` at a time with ``vmap``. Returns float64 numpy ``(len(alphas), len(betas))``.
    """
    theta, d1, d2 = theta.detach(), d1.detach().to(theta), d2.detach().to(theta)
    if not (theta.shape == d1.shape == d2.shape and theta.dim() == 1):
        raise ValueError(f"theta, d1, d2 must be equal 1-D shapes, got {theta.shape}, {d1.shape}, {d2.shape}")
    a = torch.as_tensor(np.asarray(alphas, dtype=np.float64), device=theta.device).to(theta.dtype)
    b = torch.as_tensor(np.asarray(betas, dtype=np.float64), device=theta.device).to(theta.dtype)
    aa, bb = torch.meshgrid(a, b, indexing="ij")
    coords = torch.stack([aa.reshape(-1), bb.reshape(-1)], dim=1)
    batched = vmap(loss_fn)
    out = []
    with torch.no_grad():
        for i in range(0, len(coords), chunk):
            c = coords[i:i + chunk]
            thetas = theta + c[:, :1] * d1 + c[:, 1:] * d2
            out.append(batched(thetas).double())
    return torch.cat(out).cpu().numpy().reshape(len(a), len(b))
