"""Tests of the config-hash results store: hashing, round trips, atomicity, resume, concurrency."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

from fa_companion.store import results
from fa_companion.store.results import (
    MissingResultError,
    Store,
    chapter_store,
    config_hash,
    provenance,
    sweep,
)

REPO = Path(results.__file__).resolve().parents[2]  # fa_companion/store/results.py


def _make(config: dict) -> dict:
    """A deterministic stand-in experiment (top level, so process pools can pickle it)."""
    i = config["i"]
    return {
        "arrays": {"x": np.arange(4096, dtype=np.float32) + i, "idx": np.arange(i + 1)},
        "summary": {"i": i, "double": 2 * i},
        "provenance": {"seed": i, "device": "cpu"},
    }


def _check(result: results.Result, i: int) -> None:
    """``result`` is exactly what ``_make({"i": i})`` produces."""
    assert result.config == {"i": i}
    assert result.summary == {"i": i, "double": 2 * i}
    np.testing.assert_array_equal(result.arrays["x"], np.arange(4096, dtype=np.float32) + i)
    np.testing.assert_array_equal(result.arrays["idx"], np.arange(i + 1))


def _temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".tmp-" in p.name]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store", allow_compute=True, command_hint="make store-results")


# --- hashing ---------------------------------------------------------------------------------


@dataclasses.dataclass
class _Cfg:
    lr: float
    sizes: tuple[int, ...]


def test_hash_is_canonical_json_sha256() -> None:
    text = '{"config":{"a":1,"b":[0.1,"x"]},"version":1}'
    assert config_hash({"b": (0.1, "x"), "a": 1}) == hashlib.sha256(text.encode()).hexdigest()[:16]


def test_hash_stable_across_orderings_and_types() -> None:
    a = {"lr": 0.1, "model": {"depth": 3, "width": 64}, "rules": ["bp", "fa"]}
    b = {"rules": ("bp", "fa"), "model": {"width": 64, "depth": 3}, "lr": 0.1}
    assert config_hash(a) == config_hash(b)
    assert len(config_hash(a)) == 16 and int(config_hash(a), 16) >= 0
    assert config_hash({"x": np.float64(0.5), "n": np.int64(3)}) == config_hash({"x": 0.5, "n": 3})
    assert config_hash({"p": Path("/data/x")}) == config_hash({"p": "/data/x"})
    assert config_hash({"c": _Cfg(0.1, (1, 2))}) == config_hash({"c": {"lr": 0.1, "sizes": [1, 2]}})


def test_hash_changes_with_values_and_version() -> None:
    base = {"lr": 0.1, "depth": 3}
    assert config_hash(base) != config_hash({**base, "lr": 0.2})
    assert config_hash(base) != config_hash({**base, "depth": 4})
    assert config_hash(base) != config_hash({**base, "extra": None})
    assert config_hash(base, version=1) != config_hash(base, version=2)
    with pytest.raises(TypeError, match="object"):
        config_hash({"bad": object()})


# --- save / load -----------------------------------------------------------------------------


def test_save_load_round_trip(store: Store) -> None:
    arrays = {
        "f32": np.linspace(0, 1, 7, dtype=np.float32),
        "i64": np.arange(5, dtype=np.int64),
        "mask": np.array([True, False, True]),
        "grid": np.arange(12, dtype=np.float64).reshape(3, 4),
        "tensor": torch.ones(2, 3, requires_grad=True) * 2,
        "file": np.zeros(1),  # a name that np.savez_compressed(**arrays) could not take
    }
    summary = {"acc": np.float64(0.75), "curve": [1.0, 0.5], "diverged": False}
    config = {"sizes": (3, 4), "rule": "fa"}
    saved = store.save("round", config, arrays=arrays, summary=summary, provenance={"seed": 7})
    loaded = store.load("round", {"rule": "fa", "sizes": [3, 4]})

    assert loaded.key == saved.key == config_hash(config)
    assert loaded.config == saved.config == {"sizes": [3, 4], "rule": "fa"}
    assert loaded.summary == saved.summary == {"acc": 0.75, "curve": [1.0, 0.5], "diverged": False}
    assert loaded.provenance == saved.provenance and loaded.provenance["seed"] == 7
    assert loaded.version == 1 and loaded.name == "round"
    assert set(loaded.arrays) == set(arrays)
    for k, want in arrays.items():
        want = want.detach().numpy() if isinstance(want, torch.Tensor) else want
        assert loaded.arrays[k].dtype == want.dtype and loaded.arrays[k].shape == want.shape
        np.testing.assert_array_equal(loaded.arrays[k], want)
        np.testing.assert_array_equal(saved.arrays[k], want)

    stem = store.root / f"round-{saved.key}"
    text = stem.with_suffix(".json").read_text()
    assert text.startswith('{\n "arrays"')  # indent=1, sort_keys: diff-friendly
    assert json.loads(text)["arrays"]["grid"] == {"shape": [3, 4], "dtype": "<f8"}
    with np.load(stem.with_suffix(".npz")) as npz:  # an ordinary .npz
        np.testing.assert_array_equal(npz["i64"], arrays["i64"])
    assert [m["key"] for m in store.list()] == [saved.key]
    assert store.list("other") == []
    assert _temp_files(store.root) == []


def test_versions_are_separate(store: Store) -> None:
    store.save("v", {"a": 1}, arrays={"x": np.zeros(1)}, version=1)
    assert store.has("v", {"a": 1}, version=1)
    assert not store.has("v", {"a": 1}, version=2)


def test_refuses_object_arrays_and_bad_names(store: Store) -> None:
    with pytest.raises(ValueError, match="dtype object"):
        store.save("obj", {}, arrays={"x": np.array([{}, 1], dtype=object)})
    for bad in ["bad/name", "a b", "../up", ".hidden", ""]:
        with pytest.raises(ValueError, match=re.escape(f"bad result name {bad!r}")):
            store.save(bad, {}, arrays={"x": np.zeros(1)})
        with pytest.raises(ValueError, match="bad result name"):
            store.has(bad, {})
    with pytest.raises(ValueError, match="bad array name 'x/y'"):
        store.save("ok", {}, arrays={"x/y": np.zeros(1)})
    assert not store.root.exists()  # nothing written, root created lazily


def test_provenance_keys() -> None:
    prov = provenance(device="cpu", seed=3, wall_time_s=1.5)
    expected = {
        "package_version", "git_commit", "git_dirty", "torch", "numpy", "python", "platform",
        "device", "cuda_device", "seed", "wall_time_s", "timestamp_utc",
    }  # fmt: skip
    assert set(prov) == expected
    assert prov["package_version"] != "unknown"
    assert prov["torch"] == torch.__version__ and prov["numpy"] == np.__version__
    assert (prov["device"], prov["seed"], prov["wall_time_s"]) == ("cpu", 3, 1.5)
    assert prov["cuda_device"] is None
    assert prov["git_dirty"] in (None, True, False)
    assert prov["git_commit"] is None or len(prov["git_commit"]) == 40
    stamp = datetime.datetime.fromisoformat(prov["timestamp_utc"])
    assert stamp.utcoffset() == datetime.timedelta(0)
    assert socket.gethostname() not in json.dumps(prov)


# --- get_or_compute and compute policy -------------------------------------------------------


def test_get_or_compute_computes_once(store: Store) -> None:
    calls = []

    def fn(config: dict) -> dict:
        calls.append(config)
        return _make(config)

    first = store.get_or_compute("once", {"i": 3}, fn)
    second = store.get_or_compute("once", {"i": 3}, fn)
    assert len(calls) == 1
    _check(first, 3)
    _check(second, 3)
    assert second.provenance["wall_time_s"] >= 0
    assert (second.provenance["seed"], second.provenance["device"]) == (3, "cpu")
    assert second.provenance == first.provenance


def test_compute_forbidden_names_the_command(tmp_path: Path, monkeypatch) -> None:
    hint = "python -m fa_companion.book reproduce 07_x --profile book"
    store = Store(tmp_path, allow_compute=False, command_hint=hint)
    with pytest.raises(MissingResultError) as err:
        store.get_or_compute("m", {"i": 1}, _make)
    assert hint in str(err.value) and config_hash({"i": 1}) in str(err.value)
    assert "'m'" in str(err.value)
    with pytest.raises(MissingResultError, match="2 of 2 results of 'm'") as err:
        sweep(_make, [{"i": 1}, {"i": 2}, {"i": 1}], store=store, name="m", progress=False)
    assert hint in str(err.value)
    with pytest.raises(MissingResultError, match="reproduce 07_x"):
        store.load("m", {"i": 1})

    for value, allowed in [("0", False), ("false", False), ("No", False), ("1", True)]:
        monkeypatch.setenv("FA_COMPANION_COMPUTE", value)
        assert Store(tmp_path).allow_compute is allowed
    monkeypatch.delenv("FA_COMPANION_COMPUTE")
    assert Store(tmp_path).allow_compute


# --- partial files ---------------------------------------------------------------------------


def test_json_without_readable_npz_is_missing(store: Store) -> None:
    config = {"i": 2}
    saved = store.get_or_compute("p", config, _make)
    npz = store.root / f"p-{saved.key}.npz"

    npz.write_bytes(npz.read_bytes()[:40])  # truncated
    assert not store.has("p", config)
    npz.unlink()
    assert not store.has("p", config)
    with pytest.raises(MissingResultError):
        store.load("p", config)
    assert store.list() == []

    calls = []
    store.get_or_compute("p", config, lambda c: calls.append(c) or _make(c))
    assert len(calls) == 1 and store.has("p", config)


def test_stray_temp_files_are_ignored(store: Store) -> None:
    config = {"i": 1}
    key = store.key("t", config)
    store.root.mkdir(parents=True)
    (store.root / f".t-{key}.npz.tmp-1-abc").write_bytes(b"partial")
    (store.root / f".t-{key}.json.tmp-1-abc").write_text('{"name": "t"')
    assert not store.has("t", config) and store.list() == []
    _check(store.get_or_compute("t", config, _make), 1)
    assert store.has("t", config) and len(store.list("t")) == 1


def test_checkpoint_path(store: Store) -> None:
    path = store.checkpoint_path("long", {"i": 1})
    assert path == store.root / ".partial" / f"long-{store.key('long', {'i': 1})}.pt"
    assert path.parent.is_dir() and (path.parent / ".gitignore").read_text() == "*\n"
    torch.save({"epoch": 3}, path)
    store.save("long", {"i": 1}, arrays={"x": np.zeros(1)})
    assert not path.exists()  # the finished result supersedes its checkpoint


# --- sweeps ----------------------------------------------------------------------------------


@pytest.mark.parametrize("threads", [0, 2])
def test_interrupted_sweep_resumes(store: Store, threads: int) -> None:
    configs = [{"i": i} for i in range(6)]

    def flaky(config: dict) -> dict:
        if config["i"] == 2:
            raise RuntimeError("boom")
        return _make(config)

    with ThreadPoolExecutor(threads) if threads else contextlib.nullcontext() as executor:
        with pytest.raises(RuntimeError, match="boom"):
            sweep(flaky, configs, store=store, name="s", executor=executor, progress=False)
    done = [store.has("s", c) for c in configs]
    assert done[:3] == [True, True, False]
    if not threads:
        assert done == [True, True, False, False, False, False]

    calls = []
    resumed = sweep(
        lambda c: calls.append(c["i"]) or _make(c), configs, store=store, name="s", progress=False
    )
    assert calls == [i for i, d in enumerate(done) if not d]
    for i, result in enumerate(resumed):
        _check(result, i)
    again = sweep(_fail, configs, store=store, name="s", progress=False)
    assert [r.provenance for r in again] == [r.provenance for r in resumed]


def _fail(config: dict) -> dict:
    raise AssertionError(f"recomputed {config}")


def test_thread_pool_sweep_equals_local_sweep(tmp_path: Path) -> None:
    configs = [{"i": i} for i in (3, 0, 2, 3, 1)]
    local = sweep(_make, configs, store=Store(tmp_path / "a"), name="eq", progress=False)
    with ThreadPoolExecutor(3) as pool:
        pooled = sweep(
            _make, configs, store=Store(tmp_path / "b"), name="eq", executor=pool, progress=True
        )
    assert [r.key for r in local] == [r.key for r in pooled]
    for a, b in zip(local, pooled):
        assert (a.config, a.summary, a.version) == (b.config, b.summary, b.version)
        assert a.arrays.keys() == b.arrays.keys()
        for k in a.arrays:
            np.testing.assert_array_equal(a.arrays[k], b.arrays[k])
    for result, config in zip(local, configs):
        _check(result, config["i"])


def test_concurrent_writers_never_corrupt(store: Store) -> None:
    def writer(t: int) -> None:
        for j in range(10):
            config = {"i": (t + j) % 5}
            out = _make(config)
            store.save("c", config, arrays=out["arrays"], summary=out["summary"])

    configs = [{"i": i} for i in range(8)]
    with ProcessPoolExecutor(2) as procs, ThreadPoolExecutor(8) as threads:
        procs.submit(int).result()  # start the workers before the threads (fork safety)
        writers = [threads.submit(writer, t) for t in range(8)]
        swept = sweep(_make, configs, store=store, name="c", executor=procs, progress=False)
        for w in writers:
            w.result()

    for result, config in zip(swept, configs):
        _check(result, config["i"])
    listed = store.list("c")
    assert sorted(m["config"]["i"] for m in listed) == list(range(8))
    for meta in listed:
        _check(store.load("c", meta["config"]), meta["config"]["i"])
    assert _temp_files(store.root) == []


_KILLED_SWEEP = """
import sys, time
import numpy as np
from fa_companion.store.results import Store, sweep

def slow(config):
    time.sleep(0.2)
    i = config["i"]
    return {"arrays": {"x": np.arange(4096, dtype=np.float32) + i, "idx": np.arange(i + 1)},
            "summary": {"i": i, "double": 2 * i}}

sweep(slow, [{"i": i} for i in range(12)], store=Store(sys.argv[1], allow_compute=True),
      name="k", progress=False)
"""


def test_sweep_survives_sigkill(tmp_path: Path) -> None:
    script = tmp_path / "sweep.py"
    script.write_text(textwrap.dedent(_KILLED_SWEEP))
    root = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("FA_COMPANION_COMPUTE", None)
    proc = subprocess.Popen([sys.executable, str(script), str(root)], env=env)
    try:
        deadline = time.monotonic() + 60
        while len(list(root.glob("k-*.json"))) < 2:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "the sweep produced nothing in 60 s"
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    store = Store(root, allow_compute=True)
    configs = [{"i": i} for i in range(12)]
    done = [i for i, c in enumerate(configs) if store.has("k", c)]
    assert 2 <= len(done) < len(configs)
    assert sorted(m["config"]["i"] for m in store.list("k")) == done
    for i in done:
        _check(store.load("k", configs[i]), i)

    calls = []
    rerun = sweep(
        lambda c: calls.append(c["i"]) or _make(c), configs, store=store, name="k", progress=False
    )
    assert calls == [i for i in range(12) if i not in done]
    for i, result in enumerate(rerun):
        _check(result, i)


def test_progress_default(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    assert results._progress_enabled(None) and not results._progress_enabled(False)
    monkeypatch.setenv("CI", "true")
    assert not results._progress_enabled(None) and results._progress_enabled(True)


# --- chapter stores --------------------------------------------------------------------------


def test_chapter_store_profiles(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FA_COMPANION_ROOT", str(tmp_path))
    monkeypatch.setenv("FA_COMPANION_COMPUTE", "0")
    book = chapter_store("07_initial_alignment", "book")
    assert book.root == tmp_path / "book" / "results" / "07_initial_alignment"
    assert not book.allow_compute
    assert book.command_hint == (
        "python -m fa_companion.book reproduce 07_initial_alignment --profile book"
    )
    ci = chapter_store("07_initial_alignment", "ci")
    assert ci.root == tmp_path / ".cache" / "results" / "ci" / "07_initial_alignment"
    paper = chapter_store("07_initial_alignment", "paper")
    assert paper.root == tmp_path / "results-paper" / "07_initial_alignment"
    assert ci.allow_compute and paper.allow_compute
    monkeypatch.setenv("FA_COMPANION_COMPUTE", "1")
    assert chapter_store("07_initial_alignment", "book").allow_compute

    with pytest.raises(ValueError, match=r"'huge'.*\('ci', 'book', 'paper'\)"):
        chapter_store("07_initial_alignment", "huge")
    with pytest.raises(ValueError, match="bad chapter"):
        chapter_store("../etc", "ci")

    monkeypatch.delenv("FA_COMPANION_ROOT")
    assert chapter_store("x", "book").root == REPO / "book" / "results" / "x"


def test_provenance_table_one_aligned_line_per_result():
    from fa_companion.store.results import Result, provenance_table

    prov = {"wall_time_s": 90.0, "device": "cpu", "torch_threads": 2, "torch": "2.14.1",
            "git_commit": "0123456789abcdef"}
    results = {"BP": Result("x", {}, 1, "k", {}, prov, {}),
               "IFA 0° + WN": Result("x", {}, 1, "k", {}, {}, {})}
    lines = provenance_table(results).splitlines()
    assert lines[0] == "BP            1.5 min on cpu (2 thread(s), torch 2.14.1, commit 0123456789)"
    assert lines[1] == "IFA 0° + WN   nan min on ? (threads not recorded, torch ?, commit ?)"


def test_store_env_roots_every_store_and_the_model_cache(tmp_path, monkeypatch):
    """$FA_COMPANION_STORE (a smoke run's scratch folder) stands in for the repository as the home
    of the results stores and the model cache; the repository itself is left alone."""
    from fa_companion.store.results import STORE_ENV, chapter_store, repo_root, store_root
    from fa_companion.training.experiments import condition_config, model_cache_path

    monkeypatch.setenv(STORE_ENV, str(tmp_path))
    assert store_root() == tmp_path and repo_root() != tmp_path
    assert chapter_store("07_initial_alignment", "paper").root == tmp_path / "results-paper" / "07_initial_alignment"
    assert chapter_store("07_initial_alignment", "book").root == tmp_path / "book" / "results" / "07_initial_alignment"
    assert model_cache_path(condition_config("fa", None, [0])).parent == tmp_path / ".cache" / "models"
    monkeypatch.delenv(STORE_ENV)
    assert store_root() == repo_root()
