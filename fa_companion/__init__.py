"""fa_companion: a tested PyTorch companion to two papers on learning without weight transport.

Paper A: RahmanSetayesh, Ghazizadeh, Marvasti, *Feedback alignment with weight normalization can
provide a biologically plausible mechanism for learning*.
Paper B: Cheon, Bae, Paik, *One-Time Soft Alignment Enables Resilient Learning without Weight
Transport* (initial feedback alignment, "IFA"; not Nøkland's indirect feedback alignment).

Convention used throughout the package (see ``book/notation.md``): column vectors as in Paper B,
``o = W h + b`` with ``W`` of shape ``(out, in)`` exactly like ``torch.nn.Linear.weight``; the
feedback matrix ``B`` is stored **shaped like W** (it is Paper B's ``B_lᵀ``), so feedback alignment
sends ``grad_out @ B`` to the layer's input where backpropagation sends ``grad_out @ W``.
"""

from __future__ import annotations

import os
import random
import sys


def _checkout_to_use() -> str | None:
    """The checkout whose package this process should use instead of this one, or None.

    A virtual environment shared by several checkouts holds an editable install of one of them;
    a kernel started in another checkout's ``book/`` (``papermill --cwd book``, Jupyter) would
    import that one and write its results there. When this package was found through such an
    install (its checkout is not on ``sys.path``: not ``PYTHONPATH``, not ``python -m`` from the
    root), the checkout given by ``$FA_COMPANION_ROOT``, else the one holding the current
    directory, is used instead, if it has an ``fa_companion`` package of its own.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    mine = os.path.dirname(here)
    on_path = {os.path.abspath(p or os.curdir) for p in sys.path}
    if mine in on_path or os.environ.get("FA_COMPANION_NO_REDIRECT"):
        return None
    start = os.environ.get("FA_COMPANION_ROOT") or os.getcwd()
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, "fa_companion", "__init__.py")
        if os.path.isfile(candidate) and os.path.isdir(os.path.join(folder, "book")):
            break
        parent = os.path.dirname(folder)
        if parent == folder or os.environ.get("FA_COMPANION_ROOT"):
            return None
        folder = parent
    if os.path.realpath(os.path.join(folder, "fa_companion")) == os.path.realpath(here):
        return None
    return folder


def _redirect(checkout: str) -> None:
    """Replace this module in ``sys.modules`` by ``checkout``'s ``fa_companion`` (the import
    statement then returns that one, and every submodule comes from there)."""
    import importlib.util

    package = os.path.join(checkout, "fa_companion")
    spec = importlib.util.spec_from_file_location(
        __name__, os.path.join(package, "__init__.py"), submodule_search_locations=[package]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[__name__] = module
    spec.loader.exec_module(module)


_checkout = _checkout_to_use()
if _checkout is not None:
    _redirect(_checkout)

__version__ = "0.1.0"

__all__ = ["__version__", "seed_everything", "resolve_device"]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) generators in one call."""
    import numpy as np
    import torch

    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    os.environ.setdefault("PYTHONHASHSEED", str(seed))


def resolve_device(device="auto"):
    """``"auto"`` → CUDA when available, else CPU; anything else goes through ``torch.device``."""
    import torch

    if isinstance(device, torch.device):
        return device
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"unknown device {device!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'"
        ) from err


# --------------------------------------------------------------------------------------------
# The layers (see tests/test_layers.py) and the public extension points
# --------------------------------------------------------------------------------------------

LAYERS = ("store", "data", "rules", "nets", "training", "measure", "theory", "ledger", "figures",
          "tools")
"""The subpackages, ground floor first: a module imports only from its own layer or lower ones."""

_PUBLIC = {"register_dataset": "fa_companion.data.datasets",
           "dataset_from_arrays": "fa_companion.data.datasets",
           "register_rule": "fa_companion.rules.feedback"}

__all__ += [*_PUBLIC, "load_plugins", "PLUGINS_ENV"]

PLUGINS_ENV = "FA_COMPANION_PLUGINS"
"""Environment variable naming plugin modules (comma-separated), imported by :func:`load_plugins`."""

PLUGINS_GROUP = "fa_companion.plugins"
"""Entry-point group of installed plugin modules (``[project.entry-points."fa_companion.plugins"]``)."""

_LOADED_PLUGINS: set[str] = set()
_ENTRY_POINTS_READ = [False]


def load_plugins(modules=()) -> list[str]:
    """Import plugin modules, each of which registers datasets or learning rules on import
    (``register_dataset``, ``register_rule``): ``modules``, then those named in
    ``$FA_COMPANION_PLUGINS`` (comma-separated module names, importable from the working
    directory or ``PYTHONPATH``), then the installed ``fa_companion.plugins`` entry points. Each is
    imported once per process. Called by itself when a dataset or rule name is not known, so a
    chapter's kernel (``execute``, papermill), which inherits the environment, finds them.
    Returns the modules imported by this call."""
    import importlib

    names = [*modules, *os.environ.get(PLUGINS_ENV, "").replace(" ", ",").split(",")]
    done = []
    for name in filter(None, names):
        if name not in _LOADED_PLUGINS:
            _LOADED_PLUGINS.add(name)
            importlib.import_module(name)
            done.append(name)
    if not _ENTRY_POINTS_READ[0]:
        _ENTRY_POINTS_READ[0] = True
        from importlib.metadata import entry_points

        for ep in entry_points(group=PLUGINS_GROUP):
            if ep.value not in _LOADED_PLUGINS:
                _LOADED_PLUGINS.add(ep.value)
                ep.load()
                done.append(ep.value)
    return done


def __getattr__(name: str):
    """``fa_companion.register_dataset`` etc. (imported on first use: ``import fa_companion``
    stays light), and the modules' former flat names (``fa_companion.models``, ...)."""
    import importlib

    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    if f"{__name__}.{name}" in _MOVED:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Where each module of the former flat layout lives now. ``import fa_companion.models`` (and
# ``python -m fa_companion.book``, ``-m fa_companion.bench``) keep working: the old name is the
# same module object as the new one, so patching either patches both.
_MOVED = {f"{__name__}.{old}": f"{__name__}.{new}" for old, new in {
    "results": "store.results",
    "feedback": "rules.feedback", "init": "rules.init", "normalize": "rules.normalize",
    "codes": "rules.codes", "metrics": "rules.metrics",
    "models": "nets.models", "deep": "nets.deep",
    "train": "training.train", "experiments": "training.experiments",
    "stats": "measure.stats", "costmodel": "measure.costmodel", "hessian": "measure.hessian",
    "landscape": "measure.landscape", "robustness": "measure.robustness",
    "robustness.attacks": "measure.robustness.attacks",
    "robustness.corruptions": "measure.robustness.corruptions",
    "robustness.cifar10c": "measure.robustness.cifar10c",
    "robustness.experiments": "measure.robustness.experiments",
    "robustness.figures": "figures.robustness",
    "openloop": "theory.openloop", "composition": "theory.composition",
    "synthesis": "theory.synthesis",
    "claims": "ledger.claims", "claims_paper_a": "ledger.claims_paper_a",
    "claims_paper_b": "ledger.claims_paper_b", "protocol": "ledger.protocol",
    "plotting": "figures.plotting", "plotting_theory": "figures.plotting_theory",
    "book": "tools.book", "bench": "tools.bench", "bench_deep": "tools.bench_deep",
    "bench_hessian": "tools.bench_hessian", "bench_openloop": "tools.bench_openloop",
    "environment": "tools.environment", "params": "tools.params",
}.items()}


class _MovedModules:
    """A meta-path finder and loader that serves a moved module under its former name."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        import importlib.machinery

        if name not in _MOVED:
            return None
        return importlib.machinery.ModuleSpec(name, cls())

    def create_module(self, spec):
        import importlib

        return importlib.import_module(_MOVED[spec.name])  # the module itself, not a copy

    def exec_module(self, module) -> None:
        pass  # already executed under its new name

    def get_code(self, name: str):
        """``python -m fa_companion.<old name>``: run the module under its new name."""
        return compile(f"import runpy\nrunpy.run_module({_MOVED[name]!r}, run_name='__main__', "
                       "alter_sys=True)\n", f"<{name}>", "exec")


if not any(isinstance(f, type) and f.__name__ == "_MovedModules" for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules)  # before path finders (an editable install's too)
