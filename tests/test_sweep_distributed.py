"""Sweeps on a real distributed engine and from many processes at once.

- a :func:`fa_companion.results.sweep` through a ``dask.distributed`` cluster of worker *processes*
  (``LocalCluster(processes=True)``, the executor of ``client.get_executor()``): the workers
  compute and write into the store, the results equal a local run, and a second sweep computes
  nothing;
- several spawned processes saving to one store at once (the same key and their own keys) while
  this process reads: never a corrupt or partial result, and every result readable afterwards;
- a diverging training run inside a sweep is recorded in its result, and the sweep goes on.

(:mod:`tests.test_results` covers thread and process pools, and a sweep killed by SIGKILL.)
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import numpy as np
import pytest

from fa_companion.store.results import Result, Store, sweep

try:
    import distributed
except ImportError:  # dask is in the `test` extra; without it only the dask test is skipped
    distributed = None

needs_dask = pytest.mark.skipif(
    distributed is None,
    reason="dask.distributed is not importable: pip install 'dask[distributed]' (in the test extra)",
)


# The compute functions are module-level so that worker processes (dask's spawned workers,
# multiprocessing's spawn context) import them by reference: pytest puts tests/ on sys.path,
# and spawned children inherit the parent's sys.path. Module-level imports stay light (the
# training modules are imported inside the test that uses them), since every worker imports this
# module.


def _experiment(config: dict) -> dict:
    """A small deterministic stand-in experiment; records the process that computed it."""
    rng = np.random.default_rng(config["seed"])
    weights = rng.standard_normal((config["n"], config["n"])).astype(np.float32)
    curve = np.cumsum(rng.random(config["steps"]))
    return {
        "arrays": {"weights": weights, "curve": curve, "seen": np.arange(config["seed"] + 1)},
        "summary": {"final": round(float(curve[-1]), 6), "seed": config["seed"]},
        "provenance": {"seed": config["seed"], "device": "cpu", "pid": os.getpid()},
    }


def _fail(config: dict) -> dict:
    raise AssertionError(f"recomputed {config}")


def _fail_on_seed_3(config: dict) -> dict:
    if config["seed"] == 3:
        raise ValueError("seed 3 fails")
    return _experiment(config)


def _configs(n: int) -> list[dict]:
    return [{"seed": s, "n": 16, "steps": 50} for s in range(n)]


def _assert_same_results(a: list[Result], b: list[Result]) -> None:
    assert [r.key for r in a] == [r.key for r in b]
    for x, y in zip(a, b):
        assert (x.name, x.config, x.version, x.summary) == (y.name, y.config, y.version, y.summary)
        assert x.arrays.keys() == y.arrays.keys()
        for k in x.arrays:
            assert x.arrays[k].dtype == y.arrays[k].dtype
            np.testing.assert_array_equal(x.arrays[k], y.arrays[k])


def _files(root: Path) -> dict[str, int]:
    """Name -> modification time (ns) of every file in ``root``."""
    return {p.name: p.stat().st_mtime_ns for p in sorted(root.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def dask_client():
    if distributed is None:
        pytest.skip("dask.distributed is not importable")
    # Worker processes, one thread each: each task runs in another interpreter than this one.
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        worker_dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@needs_dask
def test_dask_sweep_equals_local_and_resumes(tmp_path: Path, dask_client) -> None:
    configs = _configs(6) + [_configs(6)[2]]  # a duplicate is computed once
    local = sweep(_experiment, configs, store=Store(tmp_path / "local"), name="d", progress=False)

    remote_store = Store(tmp_path / "remote", allow_compute=True)
    # pure=False: a task that writes files is not a pure function of its arguments.
    executor = dask_client.get_executor(pure=False)
    remote = sweep(_experiment, configs, store=remote_store, name="d", executor=executor,
                   progress=False)
    _assert_same_results(local, remote)
    # Written by the workers, not by this process.
    worker_pids = set(dask_client.run(os.getpid).values())
    assert len(worker_pids) == 2 and os.getpid() not in worker_pids
    assert {r.provenance["pid"] for r in remote} <= worker_pids
    assert {r.provenance["pid"] for r in local} == {os.getpid()}
    # Same files, keys and contents in both stores (as read back from disk).
    assert _files(remote_store.root).keys() == _files(Store(tmp_path / "local").root).keys()
    assert [m["key"] for m in remote_store.list("d")] == sorted({r.key for r in local})
    _assert_same_results(local, [remote_store.load("d", c) for c in configs])

    # Resume: everything is stored, so nothing is submitted and nothing is rewritten.
    before = _files(remote_store.root)
    again = sweep(_fail, configs, store=remote_store, name="d", executor=executor, progress=False)
    _assert_same_results(local, again)
    assert [r.provenance for r in again] == [r.provenance for r in remote]
    assert _files(remote_store.root) == before


@needs_dask
def test_dask_sweep_error_propagates_and_resumes(tmp_path: Path, dask_client) -> None:
    store = Store(tmp_path / "s", allow_compute=True)
    configs = _configs(5)
    executor = dask_client.get_executor(pure=False)
    with pytest.raises(ValueError, match="seed 3 fails"):
        sweep(_fail_on_seed_3, configs, store=store, name="e", executor=executor, progress=False)
    done = [store.has("e", c) for c in configs]
    assert done[:3] == [True, True, True] and not done[3]  # what finished before stays stored

    resumed = sweep(_experiment, configs, store=store, name="e", executor=executor, progress=False)
    _assert_same_results(resumed, [Store(tmp_path / "x").get_or_compute("e", c, _experiment)
                                   for c in configs])
    for config, result, was_done in zip(configs, resumed, done):
        if was_done:  # not recomputed: still the first sweep's result
            assert result.provenance["timestamp_utc"] == store.load("e", config).provenance[
                "timestamp_utc"]


# --- many processes writing one store ----------------------------------------------------------

_BIG = 30_000  # floats per array: writes take long enough to overlap


def _payload(i: int) -> dict:
    """What every writer stores under config ``{"i": i}`` (the same for every writer, as in a
    sweep where two workers happen to compute the same config)."""
    return {"arrays": {"x": np.arange(_BIG, dtype=np.float64) * (i + 1), "i": np.full(3, i)},
            "summary": {"i": i}}


def _check_payload(result: Result, i: int) -> None:
    assert result.config == {"i": i} and result.summary == {"i": i}
    np.testing.assert_array_equal(result.arrays["x"], np.arange(_BIG, dtype=np.float64) * (i + 1))
    np.testing.assert_array_equal(result.arrays["i"], np.full(3, i))


def _writer(root: str, own: int, rounds: int, barrier) -> None:
    """Save the shared key ``{"i": 0}`` and this writer's own key, ``rounds`` times each."""
    store = Store(root, allow_compute=True)
    barrier.wait()
    for _ in range(rounds):
        for i in (0, own):
            out = _payload(i)
            store.save("w", {"i": i}, arrays=out["arrays"], summary=out["summary"],
                       provenance={"writer": own})


def test_spawned_processes_write_one_store_concurrently(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    root = tmp_path / "store"
    n_writers, rounds = 3, 6
    barrier = ctx.Barrier(n_writers + 1)
    procs = [ctx.Process(target=_writer, args=(str(root), w, rounds, barrier))
             for w in range(1, n_writers + 1)]
    for p in procs:
        p.start()
    store = Store(root, allow_compute=False)
    reads = 0
    try:
        barrier.wait(timeout=120)
        # Read while they write: a result is either absent or complete and correct.
        while any(p.is_alive() for p in procs):
            for i in range(n_writers + 1):
                result = store._read("w", store.key("w", {"i": i}))
                if result is not None:
                    _check_payload(result, i)
                    reads += 1
            time.sleep(0.01)  # leave the CPU to the writers
    finally:
        for p in procs:
            p.join(timeout=120)
    assert [p.exitcode for p in procs] == [0] * n_writers
    assert reads > 0

    listed = store.list("w")
    assert sorted(m["config"]["i"] for m in listed) == list(range(n_writers + 1))
    for i in range(n_writers + 1):
        result = store.load("w", {"i": i})
        _check_payload(result, i)
        if i:
            assert result.provenance["writer"] == i
    # Exactly one .json and one .npz per key, no temporary files left behind.
    names = sorted(p.name for p in root.iterdir())
    assert len(names) == 2 * (n_writers + 1)
    assert not [n for n in names if ".tmp-" in n or n.startswith(".")]


# --- a diverging run inside a sweep --------------------------------------------------------------


def _train_digits(config: dict) -> dict:
    from fa_companion.training.experiments import run_ensemble

    return run_ensemble(config, device="cpu", progress=False)


def _digits_config(lr: float, optimizer: str = "adam") -> dict:
    from fa_companion.nets.models import Member
    from fa_companion.training.experiments import ensemble_config
    from fa_companion.training.train import TrainConfig

    return ensemble_config(
        [Member("fa", seed=0), Member("bp", seed=1)], dataset="digits", n_train=120, n_test=60,
        hidden=(16,), train=TrainConfig(epochs=2, batch_size=40, optimizer=optimizer, lr=lr,
                                        probe_size=40),
    )


def test_diverging_run_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    # The middle config diverges (plain SGD at lr 1e30 overflows float32 in the first epoch); the
    # sweep records it (diverged_epoch, n_diverged) and computes the configs after it.
    configs = [_digits_config(1e-3), _digits_config(1e30, "sgd"), _digits_config(2e-3)]
    store = Store(tmp_path / "s", allow_compute=True)
    results = sweep(_train_digits, configs, store=store, name="div", progress=False)
    assert all(store.has("div", c) for c in configs)

    ok_a, diverged, ok_b = results
    for ok in (ok_a, ok_b):
        assert ok.summary["n_diverged"] == 0
        assert (ok.arrays["diverged_epoch"] == -1).all()
        assert np.isfinite(ok.arrays["train_loss"]).all()
    assert diverged.summary["n_diverged"] == 2
    assert diverged.arrays["diverged_epoch"].tolist() == [1, 1]
    assert np.isfinite(diverged.arrays["train_loss"][0]).all()
    assert not np.isfinite(diverged.arrays["train_loss"][1:]).any()
    # Stored as computed, and read back identically (NaN included).
    _assert_same_results(results, [store.load("div", c) for c in configs])
    assert sweep(_fail, configs, store=store, name="div", progress=False)[1].key == diverged.key
