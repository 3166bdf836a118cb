"""Execute the book's chapters at a profile, and keep the nbval references in sync.

Command line (run from anywhere inside the repository)::

    python -m fa_companion.book list
    python -m fa_companion.book execute --profile ci [07 ...] [--output-dir DIR]
    python -m fa_companion.book execute --profile book          # compute forbidden (stored results)
    python -m fa_companion.book execute --profile paper --smoke # the paper profile, tiny sizes
    python -m fa_companion.book reproduce [07 ...]              # book profile, compute allowed
    python -m fa_companion.book refresh-ref [07 ...]            # ci profile -> tests/notebooks/
    python -m fa_companion.book check-sync [07 ...]

Conventions (see ``book/reproducing.md``):

* A chapter is ``book/NN_name.py`` in Jupytext percent format. It has exactly one cell tagged
  ``parameters`` (``# %% tags=["parameters"]``) whose assignments declare each parameter with a
  type string and the *book* profile's value (``n_networks: "int[1]" = 10``; ``profile = "book"``;
  see :mod:`fa_companion.tools.params`), followed by a cell calling
  ``apply_profile("NN_name", globals())``.
* ``book/params/<profile>.yaml`` maps ``chapter_stem -> {parameter: value}``. The executor injects
  ``profile=<profile>`` plus the explicit ``-p`` values after the ``parameters`` cell, exactly as
  ``papermill -p profile <profile> -p ...`` does; the chapter's ``apply_profile`` cell applies the
  profile's section to every parameter not given explicitly, on both routes. Every name and value
  is checked against the declarations before any kernel starts (papermill only warns).
* Executed notebooks are written to ``book/NN_name.ipynb`` (gitignored; the HTML book is built from
  them) only when they succeed; a failed one goes to ``book/NN_name.failed.ipynb``. nbval references are ``tests/notebooks/NN_name.ipynb``, executed at the ``ci`` profile,
  with deterministic cell ids (``cell-000`` ...) and no volatile metadata.
* Kernels run with cwd ``book/``, ``TQDM_DISABLE=1``, no ``MPLBACKEND`` (chapters use
  ``%matplotlib inline``) and, at the book profile, ``FA_COMPANION_COMPUTE=0`` unless compute is
  explicitly allowed (``reproduce`` or ``execute --allow-compute``).

Every function takes optional ``book_dir`` / ``ref_dir`` arguments; by default they are
``<root>/book`` and ``<root>/tests/notebooks`` where ``<root>`` is ``$FA_COMPANION_ROOT``, else the
checkout this module lives in, else the current directory.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import os
import sys
import tempfile
import time
import traceback
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .params import (
    ParameterError,
    ParamSpec,
    check_values,
    resolve,
    specs_from_source,
)

PROFILES: tuple[str, ...] = ("ci", "book", "paper")
REFERENCE_PROFILE = "ci"
KERNEL_NAME = "python3"
LANGUAGE = "python"
CHAPTER_GLOB = "[0-9][0-9]_*.py"
PAGES = ("quickstart", "extending")  # executed pages of "Using this book", run like chapters
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
INJECTED_COMMENT = "Parameters"
NBVAL_IGNORE_TAG = "nbval-ignore-output"
COMPUTE_ENV = "FA_COMPANION_COMPUTE"
ROOT_ENV = "FA_COMPANION_ROOT"
STORE_ENV = "FA_COMPANION_STORE"
CELL_ID_FORMAT = "cell-{:03d}"

# Cell metadata written by the execution machinery (papermill, nbclient, Jupyter extensions):
# never part of a committed reference.
VOLATILE_CELL_METADATA = ("execution", "papermill", "ExecuteTime", "collapsed", "scrolled")
# Notebook metadata kept in a reference; everything else (jupytext version, papermill timings,
# the kernel's Python version in language_info, widgets state, ...) is dropped.
KEPT_NOTEBOOK_METADATA = ("kernelspec", "fa_companion")
# metadata.fa_companion.parameters: every parameter's effective value (so that check-sync sees a
# change of book/params/ci.yaml, which no longer changes any cell's source)


class BookError(Exception):
    """A user-facing error: unknown chapter or parameter, malformed chapter or params file."""


# --------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------


def repo_root() -> Path:
    """The repository root: ``$FA_COMPANION_ROOT``, else this checkout, else the cwd."""
    env = os.environ.get(ROOT_ENV)
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[2]
    if (here / "book").is_dir():
        return here
    return Path.cwd().resolve()


def default_book_dir() -> Path:
    return repo_root() / "book"


def default_ref_dir() -> Path:
    return repo_root() / "tests" / "notebooks"


def _book(book_dir: Path | str | None) -> Path:
    return Path(book_dir) if book_dir is not None else default_book_dir()


def _ref(ref_dir: Path | str | None) -> Path:
    return Path(ref_dir) if ref_dir is not None else default_ref_dir()


def _display(path: Path) -> str:
    """A path relative to the cwd when possible (for messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# Chapters and parameters
# --------------------------------------------------------------------------------------------


def chapters(book_dir: Path | str | None = None) -> list[str]:
    """Stems of all chapters, ``book/NN_name.py``, sorted, then the executed pages (``PAGES``)."""
    return sorted(p.stem for p in _book(book_dir).glob(CHAPTER_GLOB) if p.is_file()) + [
        p for p in PAGES if (_book(book_dir) / f"{p}.py").is_file()]


def toc_chapters(book_dir: Path | str | None = None) -> list[str]:
    """Stems of the chapters the published book lists in ``_toc.yml`` (``book/NN_name.ipynb``):
    a chapter whose book-profile results are still being computed stays out of the toc."""
    import re

    toc = _book(book_dir).parent / "_toc.yml"
    listed = re.findall(r"file:\s*book/([A-Za-z0-9_]+)", toc.read_text()) if toc.exists() else []
    available = chapters(book_dir)
    return [c for c in listed if c in available]


def resolve_chapters(names: Iterable[str] | None, book_dir: Path | str | None = None) -> list[str]:
    """Map user-given names to chapter stems; no names means all chapters.

    A name may be the stem (``07_initial_alignment``), its number (``07`` or ``7``) or a path
    (``book/07_initial_alignment.py``, ``tests/notebooks/07_initial_alignment.ipynb``).
    """
    available = chapters(book_dir)
    names = list(names or [])
    if not names:
        return available
    chosen: list[str] = []
    for name in names:
        stem = Path(name).stem if name.endswith((".py", ".ipynb")) or "/" in name else name
        if stem in available:
            match = stem
        elif stem.isdigit():
            hits = [c for c in available if c.split("_", 1)[0] == f"{int(stem):02d}"]
            match = hits[0] if len(hits) == 1 else None
        else:
            match = None
        if match is None:
            raise BookError(
                f"unknown chapter {name!r}; valid chapters: {', '.join(available) or '(none)'}"
            )
        if match not in chosen:
            chosen.append(match)
    return chosen


def chapter_path(chapter: str, book_dir: Path | str | None = None) -> Path:
    return _book(book_dir) / f"{chapter}.py"


def params_path(profile: str, book_dir: Path | str | None = None) -> Path:
    return _book(book_dir) / "params" / f"{profile}.yaml"


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise BookError(f"unknown profile {profile!r}; valid profiles: {', '.join(PROFILES)}")


def read_params_file(profile: str, book_dir: Path | str | None = None) -> dict[str, dict[str, Any]]:
    """The whole ``book/params/<profile>.yaml`` as ``{chapter: {name: value}}``.

    A missing or empty file means no overrides. Sections must name existing chapters, so that a
    typo cannot silently run a chapter at the wrong size.
    """
    _check_profile(profile)
    return _read_sections(params_path(profile, book_dir), book_dir)


def _read_sections(path: Path, book_dir: Path | str | None) -> dict[str, dict[str, Any]]:
    """A params file (profile or smoke overlay) as ``{chapter: {name: value}}``, its sections
    checked to name existing chapters and never to set ``profile``."""
    import yaml

    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BookError(f"{_display(path)}: expected a mapping chapter -> {{parameter: value}}")
    known = chapters(book_dir)
    for chapter, section in data.items():
        if chapter not in known:
            raise BookError(
                f"{_display(path)}: section {chapter!r} names no chapter; "
                f"valid chapters: {', '.join(known) or '(none)'}"
            )
        if section is None:
            data[chapter] = {}
        elif not isinstance(section, dict) or not all(isinstance(k, str) for k in section):
            raise BookError(f"{_display(path)}: section {chapter!r} must map names to values")
        if "profile" in (section or {}):
            raise BookError(
                f"{_display(path)}: section {chapter!r} sets 'profile'; it is always injected"
            )
    return data


SMOKE_PROFILE = "paper"
"""The profile a smoke run (``execute --smoke``) executes: the paper profile, sizes shrunk."""
SMOKE_FILE = "paper-smoke.yaml"
"""``book/params/paper-smoke.yaml``: the smoke overlay, not a profile (see :func:`smoke_overlay`)."""


def smoke_path(book_dir: Path | str | None = None) -> Path:
    """``<book>/params/paper-smoke.yaml``."""
    return _book(book_dir) / "params" / SMOKE_FILE


def smoke_dir(book_dir: Path | str | None = None) -> Path:
    """``<checkout>/.cache/paper-smoke/``: a smoke run's notebooks, and its stores under ``store/``
    unless ``$FA_COMPANION_STORE`` says otherwise."""
    return _book(book_dir).resolve().parent / ".cache" / "paper-smoke"


def smoke_overlay(book_dir: Path | str | None = None) -> dict[str, dict[str, Any]]:
    """The smoke overlay ``book/params/paper-smoke.yaml`` as ``{chapter: {name: value}}``.

    A smoke run executes a chapter at the **paper** profile (``profile == "paper"`` inside, the
    values of ``paper.yaml``, every code path of the paper profile) with the overlay's values given
    explicitly on top, as ``-p`` would give them. The overlay may only shrink sizes (counts,
    epochs, lists of sizes): ``tests/test_paper_smoke.py`` checks that it leaves every dataset,
    architecture and other structural value of the paper profile as it is.
    """
    return _read_sections(smoke_path(book_dir), book_dir)


def smoke_parameters(chapter: str, book_dir: Path | str | None = None,
                     extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The explicit values of ``chapter``'s smoke run: its section of the overlay, then ``extra``."""
    return {**(smoke_overlay(book_dir).get(chapter) or {}), **(extra or {})}


def load_params(
    profile: str,
    chapter: str,
    book_dir: Path | str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Parameters injected into ``chapter`` at ``profile``: ``profile`` first, then the chapter's
    section of ``book/params/<profile>.yaml``, then ``extra`` (e.g. ``-p dataset cifar10``)."""
    section = read_params_file(profile, book_dir).get(chapter, {}) or {}
    params: dict[str, Any] = {"profile": profile}
    params.update(section)
    params.update(extra or {})
    params["profile"] = profile
    return params


def read_chapter(chapter: str, book_dir: Path | str | None = None):
    """The chapter as a NotebookNode (Jupytext percent format -> nbformat v4)."""
    import jupytext

    path = chapter_path(chapter, book_dir)
    if not path.exists():
        raise BookError(f"chapter file {_display(path)} does not exist")
    return jupytext.read(path)


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def parameters_cell_index(nb) -> int:
    """Index of the one cell tagged ``parameters``; an error unless there is exactly one."""
    hits = [i for i, c in enumerate(nb.cells) if PARAMETERS_TAG in _tags(c)]
    if len(hits) != 1:
        raise BookError(
            f"expected exactly one cell tagged {PARAMETERS_TAG!r} "
            f'(`# %% tags=["{PARAMETERS_TAG}"]`), found {len(hits)}'
        )
    if nb.cells[hits[0]].cell_type != "code":
        raise BookError(f"the cell tagged {PARAMETERS_TAG!r} must be a code cell")
    return hits[0]


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def parameter_names_from_source(source: str) -> list[str]:
    """Names assigned at top level of a parameters cell, in order of first assignment.

    IPython magics and shell escapes (lines starting with ``%`` or ``!``) are ignored.
    """
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError as exc:
        raise BookError(f"cannot parse the parameters cell: {exc}") from exc
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets: list[ast.expr] = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        for target in targets:
            for name in _target_names(target):
                if name not in names:
                    names.append(name)
    return names


def parameter_names(nb) -> list[str]:
    """Names assigned in the notebook's ``parameters`` cell."""
    return parameter_names_from_source(nb.cells[parameters_cell_index(nb)].source)


def chapter_specs(nb, chapter: str = "chapter") -> dict[str, ParamSpec]:
    """The declared parameters of the notebook's ``parameters`` cell (name -> type, default)."""
    try:
        return specs_from_source(nb.cells[parameters_cell_index(nb)].source, chapter)
    except ParameterError as exc:
        raise BookError(str(exc)) from exc


def resolved_parameters(
    nb, profile: str, chapter: str = "chapter", book_dir: Path | str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every parameter's effective value at ``profile`` with the explicit ``extra`` values, as the
    chapter's own resolution cell will compute it; checked against the declared types (a
    :class:`BookError` names every unknown name and bad value). Nothing is executed."""
    specs = chapter_specs(nb, chapter)
    if "profile" not in specs:
        raise BookError(f'{chapter}: the parameters cell must assign `profile = "book"`')
    extra = dict(extra or {})
    if "profile" in extra:
        raise BookError(
            f"{chapter}: -p profile is not a parameter you can set here; choose the profile with "
            f"--profile (one of {', '.join(PROFILES)}), e.g. --profile {extra['profile']}"
        )
    section = read_params_file(profile, book_dir).get(chapter, {}) or {}
    try:
        return resolve(
            chapter, {n: s.type for n, s in specs.items()},
            {n: s.default for n, s in specs.items()}, profile, section, extra,
        )
    except ParameterError as exc:
        raise BookError(str(exc)) from exc


def validate_parameters(nb, params: dict[str, Any], chapter: str = "chapter") -> None:
    """Raise :class:`BookError` naming every parameter the chapter does not declare and every
    value that does not fit its declared type (``params`` as injected: ``profile`` + explicit)."""
    params = dict(params)
    profile = params.pop("profile", "book")
    specs = chapter_specs(nb, chapter)
    if "profile" not in specs:
        raise BookError(f'{chapter}: the parameters cell must assign `profile = "book"`')
    try:
        check_values(chapter, {n: s.type for n, s in specs.items()}, {"profile": profile, **params})
    except ParameterError as exc:
        raise BookError(str(exc)) from exc


def check_resolution_cell(nb, chapter: str) -> None:
    """The cell after the parameters cell must call ``apply_profile("<chapter>", globals())``:
    without it the profile's sizes would never be applied."""
    i = parameters_cell_index(nb)
    nxt = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
    if (nxt is None or nxt.cell_type != "code" or "apply_profile(" not in nxt.source
            or f'"{chapter}"' not in nxt.source):
        raise BookError(
            f"{chapter}: the cell right after the parameters cell must be "
            f'`apply_profile("{chapter}", globals())` (from fa_companion.params): it gives the '
            "parameters their values at the profile"
        )


def _injected_source(params: dict[str, Any]) -> str:
    """papermill's Python parameter cell, without the optional black reformatting (which would
    make the source depend on whether black happens to be installed)."""
    from papermill.translators import PythonTranslator

    # Translator.codify (the base class's) with cls=PythonTranslator
    return super(PythonTranslator, PythonTranslator).codify(params, INJECTED_COMMENT)


def assign_cell_ids(nb) -> None:
    """Deterministic cell ids ``cell-000``, ``cell-001``, ... (Jupytext draws random ones)."""
    for i, cell in enumerate(nb.cells):
        cell["id"] = CELL_ID_FORMAT.format(i)


def inject_parameters(nb, params: dict[str, Any]):
    """Insert papermill's ``injected-parameters`` cell after the ``parameters`` cell (replacing an
    existing injected cell), as ``papermill.parameterize.parameterize_notebook`` does, and record
    the parameters in ``metadata.papermill``. Returns the (upgraded) notebook."""
    from papermill.parameterize import parameterize_notebook

    nb.metadata.setdefault("papermill", {})
    nb.metadata.papermill.setdefault("default_parameters", {})
    for cell in nb.cells:  # papermill's tag lookup expects every cell to have a tags list
        cell.metadata.setdefault("tags", [])
    nb = parameterize_notebook(
        nb, dict(params), kernel_name=KERNEL_NAME, language=LANGUAGE, comment=INJECTED_COMMENT
    )
    for cell in nb.cells:
        if INJECTED_TAG in _tags(cell):
            cell.source = _injected_source(params)
            # the page shows the chapter's own parameters cell; the injected one (the profile's
            # overrides) is kept in the notebook but left off the built book
            if "remove-cell" not in cell.metadata.tags:
                cell.metadata.tags.append("remove-cell")
    return nb


def injected_parameters(profile: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the ``# Parameters`` cell assigns: ``profile`` and the explicit ``-p`` values, exactly
    what ``papermill -p profile <profile> -p ...`` would inject. The profile's own values
    (``book/params/<profile>.yaml``) are applied by the chapter's resolution cell, on every route."""
    return {"profile": profile, **{k: v for k, v in (extra or {}).items() if k != "profile"}}


def prepare(
    chapter: str,
    profile: str,
    book_dir: Path | str | None = None,
    extra: dict[str, Any] | None = None,
):
    """The chapter as papermill would execute it at ``profile``: read with Jupytext, every
    parameter resolved and checked, ``profile`` and ``extra`` injected, kernelspec set,
    deterministic cell ids. Nothing is executed."""
    _check_profile(profile)
    nb = read_chapter(chapter, book_dir)
    values = resolved_parameters(nb, profile, chapter, book_dir, extra)
    check_resolution_cell(nb, chapter)
    nb.metadata.setdefault(
        "kernelspec", {"display_name": "Python 3", "language": LANGUAGE, "name": KERNEL_NAME}
    )
    nb.metadata["fa_companion"] = {"parameters": values}
    nb = inject_parameters(nb, injected_parameters(profile, extra))
    assign_cell_ids(nb)
    return nb


# --------------------------------------------------------------------------------------------
# Execution
# --------------------------------------------------------------------------------------------


@dataclass
class ChapterRun:
    chapter: str
    output: Path
    seconds: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextlib.contextmanager
def kernel_environment(
    profile: str, allow_compute: bool | None = None, book_root: Path | None = None,
    store_dir: Path | None = None,
) -> Iterator[dict[str, str]]:
    """Environment for notebook kernels (they inherit ours), restored afterwards.

    ``TQDM_DISABLE=1``; ``MPLBACKEND`` removed (it would override ``%matplotlib inline``);
    ``FA_COMPANION_COMPUTE=0`` at the book profile unless ``allow_compute``, ``=1`` when
    ``allow_compute`` is true; the repository root prepended to ``PYTHONPATH`` so that
    ``import fa_companion`` works from ``book/`` without an install; this environment's Jupyter
    data directory prepended to ``JUPYTER_PATH`` so that ``python3`` is this interpreter's kernel;
    ``FA_COMPANION_ROOT`` set to ``book_root`` (the folder holding the executed ``book/``) when
    given, so that the kernel reads that book's ``params/`` and writes to its stores;
    ``FA_COMPANION_STORE`` set to ``store_dir`` when given, so that every results store and the
    model cache live there instead (:func:`fa_companion.store.results.store_root`).
    """
    root = str(repo_root())
    changes: dict[str, str | None] = {
        "TQDM_DISABLE": "1",
        "MPLBACKEND": None,
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if book_root is not None:
        changes[ROOT_ENV] = str(book_root)
    if store_dir is not None:
        changes[STORE_ENV] = str(store_dir)
    if allow_compute:
        changes[COMPUTE_ENV] = "1"
    elif profile == "book":
        changes[COMPUTE_ENV] = "0"
    # A stale user kernelspec named python3 (~/.local/share/jupyter) would otherwise win over this
    # environment's; JUPYTER_PATH comes first in Jupyter's search path.
    env_data = str(Path(sys.prefix) / "share" / "jupyter")
    jupyter_path = os.environ.get("JUPYTER_PATH", "")
    kernel_json = Path(env_data) / "kernels" / KERNEL_NAME / "kernel.json"
    if kernel_json.exists() and env_data not in jupyter_path.split(os.pathsep):
        changes["JUPYTER_PATH"] = os.pathsep.join(p for p in (env_data, jupyter_path) if p)
    pythonpath = os.environ.get("PYTHONPATH", "")
    if root not in pythonpath.split(os.pathsep):
        changes["PYTHONPATH"] = os.pathsep.join(p for p in (root, pythonpath) if p)
    saved = {k: os.environ.get(k) for k in changes}
    try:
        for key, value in changes.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield {k: v for k, v in os.environ.items() if k in changes}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _error_summary(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}".strip()
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}".strip()


def _ipc_kernel_manager():
    """An ``AsyncKernelManager`` whose kernels talk over IPC (Unix sockets) instead of TCP on
    localhost: nothing listens on a port, and ipykernel's "[IPKernelApp] WARNING | Kernel is
    running over TCP without encryption" line is not printed. TCP where IPC is unavailable."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            if os.name == "posix":
                kwargs.setdefault("transport", "ipc")
            super().__init__(**kwargs)
            _KERNEL_MANAGERS.add(self)

    return IPCKernelManager


_KERNEL_MANAGERS: weakref.WeakSet = weakref.WeakSet()


def _kill_kernels() -> None:
    """Kill every kernel this process started (each runs in its own session)."""
    import signal

    for km in list(_KERNEL_MANAGERS):
        pid = getattr(getattr(km, "provisioner", None), "pid", None)
        if pid:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)


def execute_notebook(nb, output: Path, cwd: Path, start_timeout: int = 180,
                     cell_timeout: int | None = None):
    """Run a prepared notebook with papermill (parameters already injected) into ``output``;
    ``cell_timeout``: seconds a cell may run (None: no limit)."""
    import papermill

    output.parent.mkdir(parents=True, exist_ok=True)
    return papermill.execute_notebook(
        nb,
        str(output),
        kernel_name=KERNEL_NAME,
        language=LANGUAGE,
        progress_bar=False,
        cwd=str(cwd),
        start_timeout=start_timeout,
        execution_timeout=cell_timeout,
        kernel_manager_class=_ipc_kernel_manager(),
    )


def failed_path(output: Path) -> Path:
    """Where a failed execution's notebook goes: ``NN_name.failed.ipynb`` beside ``output``."""
    return output.with_name(output.stem + ".failed.ipynb")


def running_path(output: Path) -> Path:
    """Where a chapter executes before it is known good: a hidden file beside ``output`` (papermill
    rewrites its output after every cell, so it must not be the last good notebook)."""
    return output.with_name(f".{output.stem}.running.ipynb")


class Interrupted(Exception):
    """Ctrl-C during :func:`execute`: which chapter was running, where its results are kept."""

    def __init__(self, chapter: str, profile: str, extra: dict[str, Any], done: list[ChapterRun]):
        super().__init__(chapter)
        self.chapter, self.profile, self.extra, self.done = chapter, profile, extra, done


def _interrupt(now: dict[str, Any], profile: str, extra: dict[str, Any] | None,
               runs: list[ChapterRun]) -> Interrupted:
    """Stop the running chapter's kernel; keep its partial notebook as ``.failed.ipynb``."""
    _kill_kernels()
    output = now.get("output")
    if output is not None and running_path(output).exists():
        with contextlib.suppress(OSError):
            os.replace(running_path(output), failed_path(output))
    return Interrupted(now.get("chapter", "?"), profile, dict(extra or {}), list(runs))


@contextlib.contextmanager
def _sigint_handler(on_interrupt: Callable[[Interrupted], None] | None,
                    make: Callable[[], Interrupted]) -> Iterator[None]:
    import signal
    import threading

    if on_interrupt is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        on_interrupt(make())

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def execute(
    chapter_names: Iterable[str] | None = None,
    profile: str = "book",
    output_dir: Path | str | None = None,
    allow_compute: bool | None = None,
    book_dir: Path | str | None = None,
    extra: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
    on_interrupt: Callable[[Interrupted], None] | None = None,
    smoke: bool = False,
    store_dir: Path | str | None = None,
    cell_timeout: int | None = None,
) -> list[ChapterRun]:
    """Execute chapters at ``profile`` into ``output_dir`` (default ``book/``), one after another.

    Every chapter's parameters are resolved and checked first (a :class:`BookError` before any
    kernel starts). A chapter runs into a hidden ``.NN_name.running.ipynb`` and becomes
    ``NN_name.ipynb`` only when it succeeds; a failed run is kept as ``NN_name.failed.ipynb`` and
    the last good notebook stays as it was. A failing chapter does not stop the others; inspect
    ``ChapterRun.error``. Ctrl-C raises :class:`Interrupted`; with ``on_interrupt`` (the command
    line), a SIGINT handler kills the running kernel, keeps its notebook as ``.failed.ipynb`` and
    calls ``on_interrupt`` at once instead (papermill's own clean-up would wait for the kernel).

    ``smoke``: a smoke run of the paper profile (``profile`` must be ``"paper"``): each chapter's
    section of ``book/params/paper-smoke.yaml`` is given explicitly under ``extra``
    (:func:`smoke_overlay`), notebooks go to ``<repo>/.cache/paper-smoke/`` unless ``output_dir``
    says otherwise, and results stores and the model cache to ``store_dir``, else
    ``$FA_COMPANION_STORE``, else ``<repo>/.cache/paper-smoke/store/`` (never into
    ``results-paper/``). ``store_dir`` also applies without ``smoke``. ``cell_timeout``: seconds
    a cell may run before the chapter fails (default: no limit).
    """
    _check_profile(profile)
    bdir = _book(book_dir).resolve()
    names = resolve_chapters(chapter_names, bdir)
    if smoke:
        if profile != SMOKE_PROFILE:
            raise BookError(f"a smoke run executes the {SMOKE_PROFILE!r} profile, not {profile!r}: "
                            f"use --profile {SMOKE_PROFILE} --smoke")
        output_dir = output_dir if output_dir is not None else smoke_dir(bdir)
        store_dir = store_dir or os.environ.get(STORE_ENV) or smoke_dir(bdir) / "store"
    out_dir = Path(output_dir).resolve() if output_dir is not None else bdir
    chapter_extra = {chapter: smoke_parameters(chapter, bdir, extra) if smoke else extra
                     for chapter in names}
    prepared = {chapter: prepare(chapter, profile, bdir, chapter_extra[chapter])
                for chapter in names}
    runs: list[ChapterRun] = []
    now: dict[str, Any] = {}
    store = Path(store_dir).resolve() if store_dir is not None else None
    with kernel_environment(profile, allow_compute, bdir.parent, store), _sigint_handler(
        on_interrupt, lambda: _interrupt(now, profile, extra, runs)
    ):
        compute = os.environ.get(COMPUTE_ENV, "(unset)")
        log(f"executing {len(names)} chapter(s) at profile {profile!r} ({COMPUTE_ENV}={compute})")
        for chapter in names:
            output = out_dir / f"{chapter}.ipynb"
            running = running_path(output)
            now.update(chapter=chapter, output=output)
            start = time.perf_counter()
            error = None
            try:
                execute_notebook(prepared[chapter], running, cwd=bdir, cell_timeout=cell_timeout)
            except KeyboardInterrupt:
                if running.exists():
                    os.replace(running, failed_path(output))
                raise Interrupted(chapter, profile, dict(extra or {}), runs) from None
            except Exception as exc:  # report and go on with the next chapter
                if getattr(exc, "ename", None) == "KeyboardInterrupt":  # the kernel saw Ctrl-C
                    if running.exists():
                        os.replace(running, failed_path(output))
                    raise Interrupted(chapter, profile, dict(extra or {}), runs) from None
                error = _error_summary(exc)
                if not isinstance(exc, BookError) and not hasattr(exc, "ename"):
                    log(traceback.format_exc().rstrip())
            seconds = time.perf_counter() - start
            if error is None:
                os.replace(running, output)
                with contextlib.suppress(FileNotFoundError):
                    failed_path(output).unlink()
                where = output
            else:
                where = failed_path(output)
                if running.exists():
                    os.replace(running, where)
            run = ChapterRun(chapter, where, seconds, error)
            runs.append(run)
            status = "ok" if run.ok else "FAILED"
            log(f"  {chapter}: {status} in {seconds:.1f} s -> {_display(where)}")
            if error:
                log(f"    {error}")
                if output.exists():
                    log(f"    the last good notebook {_display(output)} is unchanged")
    return runs


# --------------------------------------------------------------------------------------------
# nbval references
# --------------------------------------------------------------------------------------------


def normalize_reference(nb):
    """A copy of an executed notebook fit to commit as an nbval reference.

    Cell ids ``cell-000``...; execution/papermill/timing metadata removed; empty tag lists
    removed; notebook metadata reduced to the kernelspec and the injected parameters; outputs of
    cells tagged ``nbval-ignore-output`` dropped (nbval ignores them, and they hold wall-clock
    times or commit ids that would change on every refresh). Idempotent, and byte-stable:
    equal outputs give an identical file.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    nb.nbformat = 4
    nb.nbformat_minor = max(5, int(nb.get("nbformat_minor", 5)))
    old = nb.get("metadata", {})
    meta = nbformat.NotebookNode()
    for key in KEPT_NOTEBOOK_METADATA:
        if key in old:
            meta[key] = copy.deepcopy(old[key])
    params = old.get("papermill", {}).get("parameters")
    if params:
        meta["papermill"] = nbformat.NotebookNode(parameters=copy.deepcopy(params))
    nb.metadata = meta
    for cell in nb.cells:
        md = cell.setdefault("metadata", nbformat.NotebookNode())
        for key in VOLATILE_CELL_METADATA:
            md.pop(key, None)
        if "tags" in md and not md["tags"]:
            del md["tags"]
        if cell.cell_type == "code":
            if NBVAL_IGNORE_TAG in _tags(cell):
                cell.outputs = []  # wall-clock and the like: nbval ignores them; keep diffs quiet
            for output in cell.get("outputs", []):
                output.pop("transient", None)
    assign_cell_ids(nb)
    return nb


def reference_path(chapter: str, ref_dir: Path | str | None = None) -> Path:
    return _ref(ref_dir) / f"{chapter}.ipynb"


def write_notebook(nb, path: Path) -> None:
    """Write atomically (temp file + rename) in nbformat's canonical JSON."""
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    text = nbformat.writes(nb, version=4)
    if not text.endswith("\n"):
        text += "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def refresh_references(
    chapter_names: Iterable[str] | None = None,
    book_dir: Path | str | None = None,
    ref_dir: Path | str | None = None,
    log: Callable[[str], None] = print,
) -> list[ChapterRun]:
    """Execute chapters at the ci profile and write normalised references to ``ref_dir``.

    A reference is only (re)written when its chapter ran without error.
    """
    rdir = _ref(ref_dir).resolve()
    runs: list[ChapterRun] = []
    with tempfile.TemporaryDirectory(prefix="fa-companion-ref-") as tmp:
        raw = execute(chapter_names, REFERENCE_PROFILE, tmp, book_dir=book_dir, log=log)
        for run in raw:
            target = reference_path(run.chapter, rdir)
            if run.ok:
                import nbformat

                nb = nbformat.read(str(run.output), as_version=4)
                write_notebook(normalize_reference(nb), target)
                log(f"  wrote {_display(target)}")
            runs.append(ChapterRun(run.chapter, target, run.seconds, run.error))
    return runs


@dataclass
class SyncProblem:
    chapter: str
    reason: str


def _cells_signature(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nb.cells]


def check_sync(
    chapter_names: Iterable[str] | None = None,
    book_dir: Path | str | None = None,
    ref_dir: Path | str | None = None,
) -> list[SyncProblem]:
    """Compare each reference's cells (types and sources) with the current chapter prepared at the
    ci profile. Returns the problems (empty when in sync). Without chapter names, references with
    no chapter are reported too."""
    import nbformat

    rdir = _ref(ref_dir)
    names = list(chapter_names or [])
    selected = resolve_chapters(names, book_dir)
    problems: list[SyncProblem] = []
    for chapter in selected:
        ref = reference_path(chapter, rdir)
        if not ref.exists():
            problems.append(SyncProblem(chapter, f"no reference {_display(ref)}"))
            continue
        try:
            fresh = prepare(chapter, REFERENCE_PROFILE, book_dir)
        except BookError as exc:
            problems.append(SyncProblem(chapter, str(exc)))
            continue
        old = nbformat.read(str(ref), as_version=4)
        want, have = _cells_signature(fresh), _cells_signature(old)
        if want != have:
            problems.append(SyncProblem(chapter, _describe_difference(want, have)))
            continue
        want_p = fresh.metadata.get("fa_companion", {}).get("parameters")
        have_p = old.metadata.get("fa_companion", {}).get("parameters")
        if want_p != have_p:
            changed = sorted(k for k in set(want_p or {}) | set(have_p or {})
                             if (want_p or {}).get(k) != (have_p or {}).get(k))
            problems.append(SyncProblem(
                chapter, f"parameters at the ci profile differ: {', '.join(changed) or 'all'}"
            ))
    if not names and rdir.is_dir():
        known = set(chapters(book_dir))
        for ref in sorted(rdir.glob("*.ipynb")):
            if ref.stem not in known:
                problems.append(
                    SyncProblem(ref.stem, f"{_display(ref)} has no chapter book/{ref.stem}.py")
                )
    return problems


def _describe_difference(want: list[tuple[str, str]], have: list[tuple[str, str]]) -> str:
    if len(want) != len(have):
        return f"reference has {len(have)} cells, the chapter gives {len(want)}"
    for i, (w, h) in enumerate(zip(want, have)):
        if w != h:
            what = "type" if w[0] != h[0] else "source"
            return f"cell {i} ({CELL_ID_FORMAT.format(i)}) differs in {what}"
    return "cells differ"  # pragma: no cover


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def _parse_extra(pairs: Sequence[Sequence[str]] | None) -> dict[str, Any]:
    import yaml

    extra: dict[str, Any] = {}
    for name, value in pairs or []:
        try:
            extra[name] = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise BookError(f"-p {name} {value!r} is not a YAML value: {exc}") from exc
    return extra


def _report_runs(runs: list[ChapterRun], log: Callable[[str], None] = print) -> int:
    total = sum(r.seconds for r in runs)
    failed = [r for r in runs if not r.ok]
    log(f"{len(runs) - len(failed)}/{len(runs)} chapter(s) ok in {total:.1f} s")
    if failed:
        log("failed chapters:")
        for run in failed:
            log(f"  {run.chapter}: {run.error}  (see {_display(run.output)})")
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fa_companion.book",
        description="Execute the book's chapters with papermill and keep nbval references in sync.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def add_chapters(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "chapters", nargs="*", help="chapter stems or numbers (default: all book/NN_*.py)"
        )

    def add_extra(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-p",
            "--parameter",
            nargs=2,
            action="append",
            metavar=("NAME", "VALUE"),
            help="extra parameter (YAML value), e.g. -p dataset cifar10; validated like the rest",
        )

    p = sub.add_parser("execute", help="execute chapters at a profile into book/NN_name.ipynb")
    add_chapters(p)
    p.add_argument("--toc", action="store_true",
                   help="execute the chapters listed in _toc.yml (the published book)")
    p.add_argument("--profile", choices=PROFILES, default="book")
    p.add_argument("--output-dir", type=Path, default=None, help="default: book/")
    p.add_argument(
        "--allow-compute",
        action="store_true",
        help=f"at the book profile, compute missing results instead of failing ({COMPUTE_ENV}=1)",
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help=f"with --profile paper: a smoke run, the paper profile's datasets and code paths at "
             f"the tiny sizes of book/params/{SMOKE_FILE}, into .cache/paper-smoke/ (minutes; "
             f"checks a machine and its data before the hours-long run)",
    )
    add_extra(p)

    p = sub.add_parser(
        "reproduce", help="execute with compute allowed, filling the results store (resumable)"
    )
    add_chapters(p)
    p.add_argument("--profile", choices=PROFILES, default="book")
    p.add_argument("--output-dir", type=Path, default=None, help="default: book/")
    add_extra(p)

    p = sub.add_parser("refresh-ref", help="execute at the ci profile into tests/notebooks/")
    add_chapters(p)

    p = sub.add_parser("check-sync", help="check tests/notebooks/ against the chapters' sources")
    add_chapters(p)

    p = sub.add_parser("list", help="list chapters, their parameters and per-profile overrides")
    add_chapters(p)
    return parser


def _cli_args(extra: dict[str, Any]) -> str:
    from ..store.results import _cli_value

    return "".join(f" -p {name} {_cli_value(value)}" for name, value in extra.items())


def interrupted_message(exc: Interrupted, command: str, remaining: Sequence[str]) -> str:
    """One line: what is stored for the interrupted chapter and the command that resumes."""
    from ..store.results import chapter_store

    root = chapter_store(exc.chapter, exc.profile).root
    n = len(list(root.glob("*.json"))) if root.is_dir() else 0
    cmd, *flags = command.split()  # e.g. "execute --allow-compute", "execute --smoke"
    flags_text = "".join(f" {flag}" for flag in flags)
    return (
        f"interrupted in {exc.chapter}: {n} complete result(s) stored in {root} "
        f"(kept; an unfinished one is recomputed); resume with: python -m fa_companion.book "
        f"{cmd} {' '.join(remaining)} --profile {exc.profile}{flags_text}{_cli_args(exc.extra)}"
    )


def list_parameters(chapter_names: Sequence[str] | None = None,
                    book_dir: Path | str | None = None) -> str:
    """A table per chapter: each parameter's type, book default and value at every profile
    (``=`` where a profile keeps the default)."""
    lines: list[str] = [
        "('=': the profile keeps the book default; types: int[lo, hi], float[lo, hi], positive, "
        "choice[a, b], dataset, device, list[T], dict[choice[..], T], T or None; "
        "see fa_companion.params.parse_type)"
    ]
    files = {profile: read_params_file(profile, book_dir) for profile in PROFILES}
    for chapter in resolve_chapters(chapter_names, book_dir):
        lines.append(chapter)
        try:
            specs = chapter_specs(read_chapter(chapter, book_dir), chapter)
        except BookError as exc:
            lines.append(f"  ERROR: {exc}")
            continue
        rows = [("parameter", "type", "default (book)", *[p for p in PROFILES if p != "book"])]
        for name, spec in specs.items():
            if name == "profile":
                continue
            cells = [name, spec.type_text, repr(spec.default)]
            for profile in PROFILES:
                if profile == "book":
                    continue
                section = files[profile].get(chapter) or {}
                cells.append(repr(section[name]) if name in section else "=")
            rows.append(tuple(cells))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            head = "  ".join(c.ljust(w) for c, w in zip(row, widths))
            lines.append(f"  {head}  {row[-1]}".rstrip())
        for profile in PROFILES:
            section = files[profile].get(chapter) or {}
            book_override = {k: v for k, v in section.items() if k in specs}
            if profile == "book" and book_override:
                lines.append(f"  book.yaml overrides: {book_override}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("execute", "reproduce"):
            allow = True if args.command == "reproduce" else (args.allow_compute or None)
            names = args.chapters
            if getattr(args, "toc", False):
                names = names + [c for c in toc_chapters() if c not in names]
            extra = _parse_extra(args.parameter)
            command = "execute --allow-compute" if args.command == "execute" and allow \
                else args.command
            smoke = getattr(args, "smoke", False)
            if smoke:
                command += " --smoke"
                # the kernels' stores, and the store an interruption message reports
                os.environ.setdefault(STORE_ENV, str(smoke_dir() / "store"))

            def say(exc: Interrupted) -> str:
                done = {r.chapter for r in exc.done}
                remaining = [c for c in resolve_chapters(names) if c not in done]
                return interrupted_message(exc, command, remaining)

            def stop(exc: Interrupted) -> None:
                # the kernel is dead and every stored result complete (atomic writes): leave now,
                # without papermill's clean-up and its traceback
                print(say(exc), file=sys.stderr, flush=True)
                sys.stdout.flush()
                os._exit(130)

            try:
                runs = execute(
                    names,
                    args.profile,
                    args.output_dir,
                    allow_compute=allow,
                    extra=extra,
                    on_interrupt=stop,
                    smoke=smoke,
                )
            except Interrupted as exc:
                print(say(exc), file=sys.stderr)
                return 130
            return _report_runs(runs)
        if args.command == "refresh-ref":
            runs = refresh_references(args.chapters)
            return _report_runs(runs)
        if args.command == "check-sync":
            problems = check_sync(args.chapters)
            if not problems:
                n = len(resolve_chapters(args.chapters))
                print(f"check-sync: {n} reference(s) in sync with their chapters")
                return 0
            print("check-sync: stale nbval references:")
            for problem in problems:
                print(f"  {problem.chapter}: {problem.reason}")
            stale = " ".join(sorted({p.chapter for p in problems if p.chapter in chapters()}))
            if stale:
                print(f"refresh with: python -m fa_companion.book refresh-ref {stale}")
            if any(p.chapter not in chapters() for p in problems):
                print(
                    "delete references whose chapter is gone (git rm tests/notebooks/<name>.ipynb)"
                )
            return 1
        if args.command == "list":
            print(list_parameters(args.chapters))
            return 0
    except BookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted before any chapter ran; nothing was computed", file=sys.stderr)
        return 130
    return 2  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
