"""The config-hash results store: every expensive experiment of the book goes through it.

A result is cached on disk under a key that hashes its config and an experiment version, as two
files in the store's root:

- ``<name>-<key>.npz``: the arrays (an ordinary ``.npz``, readable with :func:`numpy.load`);
- ``<name>-<key>.json``: name, version, key, config, summary, provenance and the arrays' names,
  shapes and dtypes, pretty-printed so that diffs of committed results stay readable.

Writes are atomic: each file goes to a unique temporary file in the same directory, is flushed and
fsync'd, then renamed over its final name. The ``.npz`` is written first and the ``.json`` last,
so the JSON is the commit marker: a result counts as present only when both files are there and
readable. Concurrent writers (threads, processes, cluster jobs on a shared file system) never leave
a corrupt or partial result, and an interrupted :func:`sweep` resumes by recomputing only what is
missing. Where compute is forbidden (CI builds the book from stored results), a missing result is a
:class:`MissingResultError` that names the command that produces it.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import hashlib
import json
import os
import platform
import re
import secrets
import subprocess
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch
from tqdm import tqdm

__all__ = [
    "MissingResultError",
    "Result",
    "Store",
    "atomic_write",
    "chapter_store",
    "config_hash",
    "provenance",
    "provenance_table",
    "repo_root",
    "reproduce_command",
    "set_overrides",
    "store_root",
    "sweep",
]

PROFILES = ("ci", "book", "paper")
"""The profiles :func:`chapter_store` knows, from smallest to largest."""

COMPUTE_ENV = "FA_COMPANION_COMPUTE"
"""Set to ``0``, ``false`` or ``no`` to forbid computing missing results (CI does)."""

ROOT_ENV = "FA_COMPANION_ROOT"
"""Overrides the repository root that :func:`chapter_store` resolves paths against."""

STORE_ENV = "FA_COMPANION_STORE"
"""A folder that stands in for the repository root as the home of every results store and of the
local model cache (:func:`store_root`): a smoke run points it at a scratch folder, so that it
writes nothing into ``book/results/``, ``results-paper/`` or ``.cache/``."""

_NAME_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error)

ComputeFn = Callable[[dict], Mapping[str, Any]]
"""``fn(config) -> {"arrays": {...}, "summary": {...}, "provenance": {...} (optional)}``."""


class MissingResultError(RuntimeError):
    """A result is not in the store and may not be computed here."""


def _check_name(name: str, what: str = "result name") -> str:
    """Return ``name`` if it is a simple identifier (``[A-Za-z0-9_.-]+``, no leading dot)."""
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise ValueError(
            f"bad {what} {name!r}: use letters, digits, '_', '.' and '-' (not starting with '.' "
            "or '-')"
        )
    return name


def _jsonable(obj: Any) -> Any:
    """Convert ``obj`` to plain JSON types: tuples become lists, numpy scalars and arrays and torch
    tensors become Python numbers and lists, paths become strings, dataclasses become dicts."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic | np.ndarray | torch.Tensor):
        return _jsonable(obj.tolist())
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(f"cannot store {obj!r} of type {type(obj).__name__} as JSON")


def config_hash(config: Mapping[str, Any], version: int = 1) -> str:
    """First 16 hex digits of the SHA-256 of the canonical JSON of ``{"config", "version"}``.

    Canonical means sorted keys, no whitespace and Python's shortest round-trip float repr, after
    :func:`_jsonable` (so a tuple hashes like the equal list, and ``np.float64(0.5)`` like ``0.5``;
    ``1`` and ``1.0`` hash differently).
    """
    payload = _jsonable({"config": config, "version": int(version)})
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _git(*args: str) -> str | None:
    """Output of ``git <args>`` run in this package's directory, or None when that fails."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout


def _cuda_name(device: str) -> str | None:
    """Name of the CUDA device ``device`` (``"cuda"``, ``"cuda:1"``), or None without one."""
    if not device.startswith("cuda") or not torch.cuda.is_available():
        return None
    try:
        return torch.cuda.get_device_name(torch.device(device))
    except (RuntimeError, AssertionError, ValueError):
        return None


def provenance(
    *,
    device: str | torch.device | None = None,
    seed: int | None = None,
    wall_time_s: float | None = None,
) -> dict[str, Any]:
    """Where and how a result was produced; no personal data (no hostname, user or paths).

    ``git_commit`` is ``git rev-parse HEAD`` of the repository holding this file and
    ``git_dirty`` whether tracked files differ from it (untracked files, such as freshly written
    results, do not count); both are None outside a git checkout. Never raises.
    """
    try:
        from .. import __version__ as package_version
    except ImportError:
        package_version = "unknown"
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no")
    device = None if device is None else str(device)
    return {
        "package_version": package_version,
        "git_commit": commit.strip() if commit else None,
        "git_dirty": None if status is None else bool(status.strip()),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "device": device,
        "cuda_device": None if device is None else _cuda_name(device),
        "seed": seed,
        "wall_time_s": wall_time_s,
        "timestamp_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(),
    }


def _merged_provenance(extra: Mapping[str, Any] | None) -> dict[str, Any]:
    """:func:`provenance` completed with, and overridden by, the caller's ``extra`` entries."""
    extra = dict(extra or {})
    base = provenance(
        device=extra.get("device"), seed=extra.get("seed"), wall_time_s=extra.get("wall_time_s")
    )
    return _jsonable({**base, **extra})


def _as_numpy(name: str, value: Any) -> np.ndarray:
    """``value`` as a numpy array (torch tensors are detached and moved to the CPU)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype.hasobject:
        raise ValueError(f"array {name!r} has dtype object, which the store refuses")
    return array


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX only; a no-op elsewhere)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write ``path`` through a unique temp file beside it, fsync it, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(6)}")
    try:
        with open(tmp, "xb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _write_npz(arrays: Mapping[str, np.ndarray]) -> Callable[[BinaryIO], None]:
    """A writer of ``arrays`` in the format of :func:`numpy.savez_compressed`.

    Written member by member rather than through ``savez_compressed(f, **arrays)``, whose own
    keyword arguments (``file``, ``allow_pickle``) would clash with arrays of those names.
    """

    def write(f: BinaryIO) -> None:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for key, array in arrays.items():
                with zf.open(f"{key}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)

    return write


def _array_specs(arrays: Mapping[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """Names, shapes and dtypes of ``arrays``, as recorded in a result's JSON."""
    return {k: {"shape": list(a.shape), "dtype": a.dtype.str} for k, a in arrays.items()}


@dataclass(eq=False)
class Result:
    """One stored result: what was run (config, version), what came out, and how.

    Compared by identity (``==`` on dicts of arrays is ambiguous); compare fields instead.
    """

    name: str
    config: dict
    version: int
    key: str
    summary: dict
    provenance: dict
    arrays: Mapping[str, np.ndarray] = field(repr=False)


def provenance_table(results: Mapping[str, Result]) -> str:
    """One line per labelled result: its wall time, device, threads, torch and git commit, as
    recorded in its provenance when it was computed (chapters print this under their stored
    results; the lines are nbval-ignored because they depend on the machine). A field missing
    from the provenance prints as ``?``, the thread count as "threads not recorded"."""
    width = max((len(label) for label in results), default=0)
    lines = []
    for label, r in results.items():
        p = {k: v for k, v in r.provenance.items() if v is not None}
        minutes = p.get("wall_time_s", float("nan")) / 60
        threads = (f"{p['torch_threads']} thread(s)" if "torch_threads" in p
                   else "threads not recorded")
        lines.append(f"{label:{width}s} {minutes:5.1f} min on {p.get('device', '?')} ({threads}, "
                     f"torch {p.get('torch', '?')}, commit {str(p.get('git_commit', '?'))[:10]})")
    return "\n".join(lines)


def _compute_enabled() -> bool:
    """False when env ``FA_COMPANION_COMPUTE`` is ``0``, ``false`` or ``no``."""
    return os.environ.get(COMPUTE_ENV, "").strip().lower() not in {"0", "false", "no"}


class Store:
    """Results cached on disk under ``root``, keyed by name, config hash and version.

    ``root`` is created on the first write. ``allow_compute=None`` reads env
    ``FA_COMPANION_COMPUTE`` (``0``/``false``/``no`` forbid; default allow). ``command_hint`` is the
    shell command that produces missing results; :class:`MissingResultError` quotes it.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        allow_compute: bool | None = None,
        command_hint: str | None = None,
    ) -> None:
        self.root = Path(root).expanduser().absolute()
        self.allow_compute = _compute_enabled() if allow_compute is None else allow_compute
        self.command_hint = command_hint

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r}, allow_compute={self.allow_compute})"

    def key(self, name: str, config: Mapping[str, Any], version: int = 1) -> str:
        """The config hash under which ``name`` at ``config`` and ``version`` is stored."""
        _check_name(name)
        return config_hash(config, version)

    def _path(self, name: str, key: str, suffix: str) -> Path:
        return self.root / f"{name}-{key}{suffix}"

    def _missing(self, what: str) -> MissingResultError:
        """The error for ``what`` missing, naming the command that produces it."""
        how = (
            f"produce it with: {self.command_hint}"
            if self.command_hint
            else f"compute it with a Store that allows compute ({COMPUTE_ENV} unset or 1)"
        )
        return MissingResultError(f"{what} missing from the results store {self.root}; {how}")

    def _read(self, name: str, key: str) -> Result | None:
        """The complete, readable result ``name-key``, or None (absent, partial or corrupt)."""
        try:
            meta = json.loads(self._path(name, key, ".json").read_text(encoding="utf-8"))
            with np.load(self._path(name, key, ".npz"), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except _READ_ERRORS:
            return None
        if _array_specs(arrays) != meta.get("arrays"):
            return None
        return Result(
            name=meta["name"],
            config=meta["config"],
            version=meta["version"],
            key=meta["key"],
            summary=meta["summary"],
            provenance=meta["provenance"],
            arrays=arrays,
        )

    def has(self, name: str, config: Mapping[str, Any], version: int = 1) -> bool:
        """Whether a complete, readable result is stored."""
        return self._read(name, self.key(name, config, version)) is not None

    def load(self, name: str, config: Mapping[str, Any], version: int = 1) -> Result:
        """The stored result; :class:`MissingResultError` when absent or unreadable."""
        key = self.key(name, config, version)
        result = self._read(name, key)
        if result is None:
            raise self._missing(f"result {name!r} (key {key}, version {version}) is")
        return result

    def save(
        self,
        name: str,
        config: Mapping[str, Any],
        *,
        arrays: Mapping[str, np.ndarray | torch.Tensor],
        summary: Mapping[str, Any] | None = None,
        version: int = 1,
        provenance: Mapping[str, Any] | None = None,
    ) -> Result:
        """Store a result atomically (overwriting any previous one under the same key).

        ``provenance`` entries (device, seed, wall_time_s, ...) complete and override the
        automatic ones of :func:`provenance`. A checkpoint left by a long run for this key is
        deleted once the result is stored.
        """
        key = self.key(name, config, version)
        arrays = {_check_name(k, "array name"): _as_numpy(k, a) for k, a in arrays.items()}
        meta = _jsonable(
            {
                "name": name,
                "version": int(version),
                "key": key,
                "config": config,
                "summary": summary or {},
                "provenance": _merged_provenance(provenance),
                "arrays": _array_specs(arrays),
            }
        )
        text = json.dumps(meta, indent=1, sort_keys=True) + "\n"
        atomic_write(self._path(name, key, ".npz"), _write_npz(arrays))
        atomic_write(self._path(name, key, ".json"), lambda f: f.write(text.encode("utf-8")))
        self._checkpoint_file(name, key).unlink(missing_ok=True)
        # Round-trip through JSON so the returned Result equals what load() gives back.
        return Result(**{k: v for k, v in json.loads(text).items() if k != "arrays"}, arrays=arrays)

    def get_or_compute(
        self, name: str, config: Mapping[str, Any], fn: ComputeFn, *, version: int = 1
    ) -> Result:
        """Load the result, or compute ``fn(config)`` and store it where compute is allowed.

        ``fn`` returns ``{"arrays": {...}, "summary": {...}}`` plus optionally ``"provenance"``
        (device, seed, ...); the wall time is measured here unless ``fn`` reports its own.
        """
        key = self.key(name, config, version)
        result = self._read(name, key)
        if result is not None:
            return result
        if not self.allow_compute:
            raise self._missing(
                f"result {name!r} (key {key}, version {version}) is not computed here and is"
            )
        t0 = time.perf_counter()
        out = fn(dict(config))
        extra = dict(out.get("provenance") or {})
        extra.setdefault("wall_time_s", time.perf_counter() - t0)
        return self.save(
            name,
            config,
            arrays=out["arrays"],
            summary=out.get("summary"),
            version=version,
            provenance=extra,
        )

    def _checkpoint_file(self, name: str, key: str) -> Path:
        return self.root / ".partial" / f"{name}-{key}.pt"

    def checkpoint_path(self, name: str, config: Mapping[str, Any], version: int = 1) -> Path:
        """Where a long run may keep a resumable checkpoint: ``root/.partial/<name>-<key>.pt``.

        The ``.partial`` directory is created, with a ``.gitignore`` that keeps it out of git;
        :meth:`save` deletes the checkpoint once the result is stored.
        """
        path = self._checkpoint_file(name, self.key(name, config, version))
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            atomic_write(ignore, lambda f: f.write(b"*\n"))
        return path

    def list(self, name: str | None = None) -> list[dict[str, Any]]:
        """Metadata (the JSON: name, version, key, config, summary, provenance, array specs) of
        every complete result, or of those called ``name``, sorted by name then key.

        Pass an entry's ``name``, ``config`` and ``version`` to :meth:`load` for its arrays.
        """
        entries = []
        for path in sorted(self.root.glob("*.json")) if self.root.is_dir() else ():
            if path.name.startswith(".") or not path.with_suffix(".npz").is_file():
                continue
            try:
                meta = json.loads(path.read_text(encoding="utf-8"))
            except _READ_ERRORS:
                continue
            if name is None or meta.get("name") == name:
                entries.append(meta)
        return sorted(entries, key=lambda m: (m.get("name", ""), m.get("key", "")))


def _compute_and_save(
    root: str, name: str, version: int, fn: ComputeFn, config: Mapping[str, Any]
) -> str:
    """Compute one config and store it from wherever this runs (an executor's worker); returns
    the key. Top-level and given only picklable arguments, so any executor can ship it."""
    return Store(root, allow_compute=True).get_or_compute(name, config, fn, version=version).key


def _progress_enabled(progress: bool | None) -> bool:
    """``progress``, or when None: on unless env ``CI`` or ``TQDM_DISABLE`` is set."""
    if progress is not None:
        return progress
    return "CI" not in os.environ and "TQDM_DISABLE" not in os.environ


def _cancel(futures: Iterable[concurrent.futures.Future]) -> None:
    for future in futures:
        future.cancel()


def sweep(
    fn: ComputeFn,
    configs: Sequence[Mapping[str, Any]],
    *,
    store: Store,
    name: str,
    version: int = 1,
    executor: concurrent.futures.Executor | None = None,
    progress: bool | None = None,
) -> list[Result]:
    """Results of ``fn`` at every config, in the order of ``configs``, computing only the missing.

    Missing configs are computed in order: here when ``executor`` is None, else each through
    ``executor.submit`` of a helper that computes *and stores* in the worker (so workers need the
    store's root on a shared file system; a dask.distributed client's executor or a submitit
    executor both work). If ``fn`` raises, pending work is cancelled and the exception propagates;
    what finished stays stored, so rerunning the sweep resumes. Where compute is forbidden, one
    :class:`MissingResultError` counts what is missing.
    """
    keys = [store.key(name, c, version) for c in configs]
    found = {k: store._read(name, k) for k in dict.fromkeys(keys)}
    todo = {k: c for k, c in zip(keys, configs) if found[k] is None}
    if todo and not store.allow_compute:
        raise store._missing(f"{len(todo)} of {len(found)} results of {name!r} are")
    with tqdm(total=len(todo), desc=name, disable=not _progress_enabled(progress)) as bar:
        if executor is None:
            for key, config in todo.items():
                found[key] = store.get_or_compute(name, config, fn, version=version)
                bar.update()
        else:
            futures = [
                executor.submit(_compute_and_save, str(store.root), name, version, fn, config)
                for config in todo.values()
            ]
            for i, future in enumerate(futures):
                try:
                    future.result()
                except BaseException:
                    _cancel(futures[i + 1 :])
                    raise
                bar.update()
            found.update({k: store.load(name, c, version) for k, c in todo.items()})
    return [found[k] for k in keys]


def repo_root() -> Path:
    """env ``FA_COMPANION_ROOT``, else the checkout holding this package (if it has ``book/``),
    else the current directory."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV])
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "book").is_dir() else Path.cwd()


def store_root() -> Path:
    """Where results stores and the model cache live: env ``FA_COMPANION_STORE``, else
    :func:`repo_root`."""
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV])
    return repo_root()


_OVERRIDES: dict[str, dict[str, Any]] = {}


def set_overrides(chapter: str, overrides: Mapping[str, Any]) -> None:
    """Record the parameters given explicitly (``-p``) to ``chapter`` in this process, so that
    the missing-result hint of :func:`chapter_store` repeats them (set by
    :func:`fa_companion.tools.params.apply_profile`)."""
    _OVERRIDES[chapter] = dict(overrides)


def _cli_value(value: Any) -> str:
    """``value`` as a ``-p`` argument: YAML that reads back to it, quoted for a POSIX shell."""
    import shlex

    import yaml

    text = value if isinstance(value, str) else json.dumps(_jsonable(value))
    if isinstance(value, str) and yaml.safe_load(value) != value:
        text = json.dumps(value)
    return shlex.quote(text)


def reproduce_command(chapter: str, profile: str) -> str:
    """The command that computes ``chapter``'s missing results at ``profile``, with every
    override recorded by :func:`set_overrides` (so following it computes what was asked for)."""
    extra = "".join(f" -p {name} {_cli_value(value)}"
                    for name, value in _OVERRIDES.get(chapter, {}).items())
    return f"python -m fa_companion.book reproduce {chapter} --profile {profile}{extra}"


def chapter_store(chapter: str, profile: str) -> Store:
    """The results store of ``chapter`` at ``profile``.

    - ``"book"``: ``<repo>/book/results/<chapter>/``, committed; compute allowed unless env
      ``FA_COMPANION_COMPUTE`` forbids it (CI builds the book from stored results);
    - ``"ci"``: ``<repo>/.cache/results/ci/<chapter>/``, compute always allowed;
    - ``"paper"``: ``<repo>/results-paper/<chapter>/``, compute always allowed.

    ``<repo>`` is :func:`store_root` (env ``FA_COMPANION_STORE``, else the repository root).
    """
    _check_name(chapter, "chapter")
    repo = store_root()
    roots = {
        "ci": repo / ".cache" / "results" / "ci" / chapter,
        "book": repo / "book" / "results" / chapter,
        "paper": repo / "results-paper" / chapter,
    }
    if profile not in roots:
        raise ValueError(f"unknown profile {profile!r}; expected one of {PROFILES}")
    return Store(
        roots[profile],
        allow_compute=None if profile == "book" else True,
        command_hint=reproduce_command(chapter, profile),
    )
