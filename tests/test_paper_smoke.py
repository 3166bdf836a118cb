"""The paper profile's smoke run: every chapter at the paper profile's structure, at tiny sizes.

The paper profile (``book/params/paper.yaml``) promises readers with a GPU and the papers' datasets
that every chapter runs at the papers' own settings: 3-channel 32×32 and 96×96 inputs, CIFAR-10
CNNs, CIFAR-10-C on RGB images, MNIST for Paper A. Here each chapter executes at that profile
(``profile == "paper"`` in the kernel, every value of ``paper.yaml``) with the sizes of the smoke
overlay ``book/params/paper-smoke.yaml`` on top, exactly as ``python -m fa_companion.book execute
--profile paper --smoke`` runs it, on fake datasets written in the real on-disk formats
(:mod:`fa_companion.tools.fakedata`: CIFAR pickles, SVHN ``.mat``, STL-10 binaries, MNIST IDX gz,
CIFAR-10-C ``.npy``), with the results stores and the model cache in a scratch folder.

Select with ``-m paper_smoke`` (or deselect with ``-m "not paper_smoke"``); one test per chapter,
so ``pytest -n 2`` spreads them. The structure tests at the top need no kernel.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import pytest

from fa_companion.ledger.verdicts import VERDICTS
from fa_companion.tools import book
from fa_companion.tools.fakedata import FAKE_DATASETS, write_fake_datasets

PAPER_DATASETS = ("mnist", "cifar10", "cifar100", "svhn", "stl10")
"""The datasets of the two papers: the only ones the paper profile may name."""

NUMERIC_KINDS = ("int", "float", "positive")
CHAPTERS = [c for c in book.chapters() if c[:2].isdigit()]
CELL_TIMEOUT = 300  # seconds a cell of a smoke run may take before the chapter fails
FAKE_SIZES = {"n_train": 200, "n_test": 100}  # per dataset (CIFAR-10-C: n_test per severity)
FAKE_MNIST_TRAIN = 2000  # Paper A's mini-batches hold 1000 images: two per epoch

VERDICT_LINE = re.compile(
    r"^- .+: (" + "|".join(map(re.escape, VERDICTS)) + r")( \(.+\))?  \[paper: .*; ours: .*\]",
    re.MULTILINE,
)
"""A verdict line as :meth:`fa_companion.ledger.claims.Outcome.line` prints it."""
SYNTHESIS_VERDICT = re.compile(r"^In Paper A's deep network, initial alignment at θ = \S+ .+ the decline",
                               re.MULTILINE)
"""Chapter 14's verdict on IFA in Paper A's deep network (it has no claims of the papers)."""


def _specs(chapter: str) -> dict:
    return book.chapter_specs(book.read_chapter(chapter), chapter)


def _numeric(ptype) -> bool:
    """A size knob: a number, or a list or mapping of numbers (never a dataset, choice, string,
    bool or device)."""
    if ptype.kind in NUMERIC_KINDS:
        return True
    return ptype.kind in ("list", "dict") and ptype.item.kind in NUMERIC_KINDS


def _dataset_values(ptype, value) -> list:
    if ptype.kind == "dataset":
        return [value]
    if ptype.kind == "list" and ptype.item.kind == "dataset":
        return list(value or [])
    return []


# --------------------------------------------------------------------------------------------
# Structure: the overlay shrinks sizes only; the paper profile names the papers' datasets
# --------------------------------------------------------------------------------------------


def test_the_overlay_covers_every_chapter():
    """A chapter without a section would run at the paper profile's full size in CI."""
    missing = [c for c in CHAPTERS if c not in book.smoke_overlay()]
    assert not missing, f"book/params/{book.SMOKE_FILE} has no section for {missing}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_overlay_keeps_the_paper_structure(chapter):
    """Every overlay value is a size knob and only shrinks: a number no larger than the paper
    profile's (any number where the paper's is None, the full split), a list of some of the paper
    profile's own values, a mapping with each value no larger. Datasets, architectures, choices,
    paths and every other structural value stay those of the paper profile."""
    specs = _specs(chapter)
    nb = book.read_chapter(chapter)
    paper = book.resolved_parameters(nb, "paper", chapter)
    overlay = book.smoke_overlay().get(chapter) or {}
    smoke = book.resolved_parameters(nb, "paper", chapter, extra=overlay)  # types checked
    for name, value in overlay.items():
        ptype, was = specs[name].type, paper[name]
        assert _numeric(ptype), (
            f"{chapter}: the smoke overlay sets {name} ({specs[name].type_text}), a structural "
            "parameter; it may only shrink sizes")
        if ptype.kind == "list":
            extra = [v for v in value if not any(math.isclose(v, w) for w in was)]
            assert not extra, f"{chapter}: {name} {value} adds {extra} to the paper's {was}"
        elif ptype.kind == "dict":
            grown = {k: v for k, v in value.items() if v > was[k]}
            assert not grown, f"{chapter}: {name} grows {grown} beyond the paper's {was}"
        elif was is not None:
            assert value <= was, f"{chapter}: {name} = {value} grows the paper's {was}"
        assert smoke[name] == value


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_paper_profile_names_only_the_papers_datasets(chapter):
    """No chapter falls back to the book's Fashion-MNIST (or digits, or MNIST's 8k/2k test-set
    split) at the paper profile."""
    specs = _specs(chapter)
    paper = book.resolved_parameters(book.read_chapter(chapter), "paper", chapter)
    for name, spec in specs.items():
        for value in _dataset_values(spec.type, paper[name]):
            assert value is None or value in PAPER_DATASETS, (
                f"{chapter}: {name} = {value!r} at the paper profile; the papers' datasets are "
                f"{PAPER_DATASETS}")


def test_a_smoke_run_is_the_paper_profile_with_the_overlay_given_explicitly():
    """The kernel sees profile "paper"; the overlay's values are injected like -p values, the rest
    of the paper profile applies as usual, and an explicit -p still wins over the overlay."""
    chapter = "07_initial_alignment"
    extra = book.smoke_parameters(chapter, extra={"epochs": 2})
    nb = book.prepare(chapter, "paper", extra=extra)
    injected = nb.metadata.papermill["parameters"]
    assert injected == {"profile": "paper", **book.smoke_overlay()[chapter], "epochs": 2}
    values = nb.metadata["fa_companion"]["parameters"]
    assert values["dataset"] == "cifar10" and values["epochs"] == 2  # paper.yaml, then -p


def test_a_smoke_run_of_another_profile_is_refused_before_any_kernel(tmp_path):
    with pytest.raises(book.BookError, match="--profile paper --smoke"):
        book.execute(["07"], "ci", tmp_path, smoke=True)
    assert not any(tmp_path.iterdir())


def test_the_overlay_is_checked_like_a_params_file(tmp_path):
    params = tmp_path / "book" / "params"
    params.mkdir(parents=True)
    (tmp_path / "book" / "07_x.py").write_text("")
    (params / book.SMOKE_FILE).write_text("08_nothing:\n  n: 1\n")
    with pytest.raises(book.BookError, match="section '08_nothing' names no chapter"):
        book.smoke_overlay(tmp_path / "book")
    (params / book.SMOKE_FILE).write_text("07_x:\n  profile: ci\n")
    with pytest.raises(book.BookError, match="sets 'profile'"):
        book.smoke_overlay(tmp_path / "book")


# --------------------------------------------------------------------------------------------
# The smoke run itself
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fake_data_root(tmp_path_factory) -> Path:
    """Every fake dataset in its real format, and an IPython startup file (kernels run it) that
    lets torchvision read files whose MD5 sums are not the published ones."""
    root = tmp_path_factory.mktemp("paper-smoke")
    data = root / "data"
    write_fake_datasets(data, [n for n in FAKE_DATASETS if n != "mnist"], **FAKE_SIZES)
    write_fake_datasets(data, ["mnist"], n_train=FAKE_MNIST_TRAIN, n_test=FAKE_SIZES["n_test"])
    startup = root / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-accept-fake-files.py").write_text(
        "from fa_companion.tools.fakedata import accept_fake_files\naccept_fake_files()\n")
    return root


def _outputs(path: Path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.paper_smoke
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_paper_smoke(chapter, fake_data_root, tmp_path, monkeypatch):
    """The chapter runs to its end at the paper profile on the fake datasets and prints its
    verdicts; nothing is written into book/results/, results-paper/ or .cache/."""
    monkeypatch.setenv("FA_COMPANION_DATA", str(fake_data_root / "data"))
    monkeypatch.setenv("IPYTHONDIR", str(fake_data_root / "ipython"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # PITFALLS 23: several torch processes, 2 cores
    store = tmp_path / "store"
    runs = book.execute([chapter], "paper", tmp_path / "out", smoke=True, store_dir=store,
                        cell_timeout=CELL_TIMEOUT, log=lambda line: None)
    (run,) = runs
    assert run.ok, f"{chapter} failed at the paper profile (smoke): {run.error}; see {run.output}"
    text = _outputs(run.output)
    assert "profile 'paper'" in text
    pattern = SYNTHESIS_VERDICT if chapter.startswith("14_") else VERDICT_LINE
    assert pattern.search(text), f"{chapter}: no verdict line in its output ({run.output})"
    assert (store / "results-paper" / chapter).is_dir(), f"{chapter}: no results in {store}"
