"""Tests of the book pipeline, ``fa_companion.book``.

All but one run without a kernel, on a tiny fake book written into ``tmp_path``; the end-to-end
test executes a two-cell chapter (a few seconds: one kernel start per execution).
"""

from __future__ import annotations

import ast
import os
import textwrap
from pathlib import Path

import nbformat
import pytest

from fa_companion.tools import book

CHAPTER = "99_fake"

CHAPTER_SOURCE = """\
# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A fake chapter

# %% tags=["parameters"]
profile = "book"
n: "int[1]" = 10
label: "str" = "full"

# %%
from fa_companion.params import apply_profile

apply_profile("99_fake", globals(), echo=False)

# %%
print(profile, n, label)
"""


def write_fake_book(root: Path, ci_yaml: str = "99_fake:\n  n: 3\n") -> tuple[Path, Path]:
    book_dir = root / "book"
    (book_dir / "params").mkdir(parents=True)
    (book_dir / f"{CHAPTER}.py").write_text(CHAPTER_SOURCE)
    (book_dir / "params" / "ci.yaml").write_text(ci_yaml)
    (book_dir / "params" / "book.yaml").write_text("# no overrides\n")
    ref_dir = root / "tests" / "notebooks"
    ref_dir.mkdir(parents=True)
    return book_dir, ref_dir


@pytest.fixture
def fake(tmp_path: Path) -> tuple[Path, Path]:
    return write_fake_book(tmp_path)


def fake_executed(nb):
    """Pretend an execution happened: outputs, counts and the metadata papermill/nbclient add."""
    nb = nbformat.from_dict(nb)
    nb.metadata["papermill"].update(
        {"start_time": "2024-01-01T00:00:00", "duration": 1.5, "environment_variables": {}}
    )
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    nb.metadata["jupytext"] = {"text_representation": {"jupytext_version": "1.19.6"}}
    count = 0
    for cell in nb.cells:
        cell.metadata["papermill"] = {"duration": 0.1, "status": "completed"}
        cell.metadata["execution"] = {"iopub.execute_input": "2024-01-01T00:00:00Z"}
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ci 3 full\n")]
    return nb


# ---- parameter parsing --------------------------------------------------------------------------


def test_parameter_names_from_source_handles_assignment_forms():
    source = textwrap.dedent(
        """\
        %matplotlib inline
        profile = "book"   # the profile
        epochs: int = 20
        a, (b, c) = 1, (2, 3)
        x = y = 0.5
        epochs += 0
        if True:
            nested = 1
        def f():
            local = 2
        """
    )
    assert book.parameter_names_from_source(source) == [
        "profile",
        "epochs",
        "a",
        "b",
        "c",
        "x",
        "y",
    ]


def test_parameter_names_reads_the_tagged_cell(fake):
    book_dir, _ = fake
    nb = book.read_chapter(CHAPTER, book_dir)
    assert book.parameter_names(nb) == ["profile", "n", "label"]


@pytest.mark.parametrize("n_tagged", [0, 2])
def test_exactly_one_parameters_cell(n_tagged):
    cells = [nbformat.v4.new_code_cell("profile = 'book'") for _ in range(2)]
    for cell in cells[:n_tagged]:
        cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook(cells=cells)
    with pytest.raises(book.BookError, match="exactly one cell tagged 'parameters'"):
        book.parameter_names(nb)


def test_unknown_parameter_is_an_error_naming_bad_and_valid_names(fake):
    book_dir, _ = fake
    nb = book.read_chapter(CHAPTER, book_dir)
    with pytest.raises(book.BookError) as info:
        book.validate_parameters(nb, {"profile": "ci", "epochz": 2, "n": 1}, CHAPTER)
    message = str(info.value)
    assert "'epochz'" in message and "'n'" not in message.split(";")[0]
    assert "valid parameters: profile, n, label" in message
    with pytest.raises(book.BookError, match=r"n = 0 \(from -p\): out of range; expected an int >= 1"):
        book.prepare(CHAPTER, "ci", book_dir, extra={"n": 0})


def test_parameters_cell_must_define_profile(tmp_path):
    book_dir, _ = write_fake_book(tmp_path)
    path = book_dir / f"{CHAPTER}.py"
    path.write_text(path.read_text().replace('profile = "book"\n', ""))
    with pytest.raises(book.BookError, match="must assign `profile"):
        book.prepare(CHAPTER, "book", book_dir)


def test_prepare_rejects_unknown_parameter_from_yaml(tmp_path):
    book_dir, _ = write_fake_book(tmp_path, ci_yaml="99_fake:\n  n_epochs: 3\n")
    with pytest.raises(book.BookError, match="'n_epochs'.*valid parameters: profile, n, label"):
        book.prepare(CHAPTER, "ci", book_dir)


def test_prepare_rejects_a_bad_value_from_yaml_naming_the_file(tmp_path):
    book_dir, _ = write_fake_book(tmp_path, ci_yaml="99_fake:\n  n: 2.5\n")
    with pytest.raises(book.BookError, match=r"n = 2.5 \(from book/params/ci.yaml\): not an int"):
        book.prepare(CHAPTER, "ci", book_dir)


def test_prepare_requires_the_resolution_cell(tmp_path):
    book_dir, _ = write_fake_book(tmp_path)
    path = book_dir / f"{CHAPTER}.py"
    path.write_text(path.read_text().replace('apply_profile("99_fake", globals(), echo=False)', ""))
    with pytest.raises(book.BookError, match=r'must be `apply_profile\("99_fake", globals\(\)\)`'):
        book.prepare(CHAPTER, "ci", book_dir)


# ---- params files -------------------------------------------------------------------------------


def test_load_params_merges_profile_yaml_and_extra(fake):
    book_dir, _ = fake
    assert book.load_params("ci", CHAPTER, book_dir) == {"profile": "ci", "n": 3}
    assert list(book.load_params("ci", CHAPTER, book_dir)) == ["profile", "n"]  # profile first
    assert book.load_params("book", CHAPTER, book_dir) == {"profile": "book"}  # comments only
    assert book.load_params("paper", CHAPTER, book_dir) == {"profile": "paper"}  # no file
    merged = book.load_params("ci", CHAPTER, book_dir, extra={"n": 5, "label": "x"})
    assert merged == {"profile": "ci", "n": 5, "label": "x"}


@pytest.mark.parametrize(
    ("yaml_text", "match"),
    [
        ("99_fkae:\n  n: 3\n", "section '99_fkae' names no chapter; valid chapters: 99_fake"),
        ("99_fake:\n  profile: book\n", "sets 'profile'"),
        ("- 99_fake\n", "expected a mapping"),
        ("99_fake: [1, 2]\n", "must map names to values"),
    ],
)
def test_malformed_params_files_are_errors(tmp_path, yaml_text, match):
    book_dir, _ = write_fake_book(tmp_path, ci_yaml=yaml_text)
    with pytest.raises(book.BookError, match=match):
        book.load_params("ci", CHAPTER, book_dir)


def test_unknown_profile_is_an_error(fake):
    book_dir, _ = fake
    with pytest.raises(book.BookError, match="valid profiles: ci, book, paper"):
        book.load_params("huge", CHAPTER, book_dir)


# ---- chapter selection --------------------------------------------------------------------------


def test_resolve_chapters_by_stem_number_or_path(fake):
    book_dir, _ = fake
    (book_dir / "07_other.py").write_text(CHAPTER_SOURCE)
    assert book.chapters(book_dir) == ["07_other", CHAPTER]
    assert book.resolve_chapters([], book_dir) == ["07_other", CHAPTER]
    assert book.resolve_chapters(["07"], book_dir) == ["07_other"]
    assert book.resolve_chapters(["7", "99_fake"], book_dir) == ["07_other", CHAPTER]
    assert book.resolve_chapters(["book/99_fake.py"], book_dir) == [CHAPTER]
    assert book.resolve_chapters(["tests/notebooks/99_fake.ipynb"], book_dir) == [CHAPTER]
    with pytest.raises(
        book.BookError, match="unknown chapter '08'; valid chapters: 07_other, 99_fake"
    ):
        book.resolve_chapters(["08"], book_dir)


# ---- preparation --------------------------------------------------------------------------------


def test_prepare_injects_parameters_after_the_parameters_cell(fake):
    book_dir, _ = fake
    nb = book.prepare(CHAPTER, "ci", book_dir)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags[1] == ["parameters"] and tags[2] == ["injected-parameters", "remove-cell"]
    injected = nb.cells[2].source
    # only what papermill -p profile ci would inject: the chapter applies ci.yaml's n itself
    assert injected == '# Parameters\nprofile = "ci"\n'
    assert ast.parse(injected)  # valid Python
    assert nb.metadata.papermill["parameters"] == {"profile": "ci"}
    assert nb.metadata.kernelspec["name"] == "python3"
    assert [c.id for c in nb.cells] == [f"cell-{i:03d}" for i in range(5)]
    nbformat.validate(nb)
    explicit = book.prepare(CHAPTER, "ci", book_dir, extra={"n": 10})
    assert explicit.cells[2].source == '# Parameters\nprofile = "ci"\nn = 10\n'
    assert book.resolved_parameters(explicit, "ci", CHAPTER, book_dir, {"n": 10})["n"] == 10


def test_prepare_is_deterministic(fake):
    book_dir, _ = fake
    first = nbformat.writes(book.prepare(CHAPTER, "ci", book_dir))
    second = nbformat.writes(book.prepare(CHAPTER, "ci", book_dir))
    assert first == second


# ---- references ---------------------------------------------------------------------------------


def test_normalize_reference_fixes_ids_strips_volatile_metadata_and_is_idempotent(fake):
    book_dir, _ = fake
    executed = fake_executed(book.prepare(CHAPTER, "ci", book_dir))
    for cell in executed.cells:
        cell["id"] = os.urandom(4).hex()  # as if Jupytext drew them
    ref = book.normalize_reference(executed)
    assert [c.id for c in ref.cells] == [f"cell-{i:03d}" for i in range(len(ref.cells))]
    assert set(ref.metadata) == {"kernelspec", "papermill", "fa_companion"}
    assert ref.metadata.fa_companion == {"parameters": {"profile": "ci", "n": 3, "label": "full"}}
    assert ref.metadata.papermill == {"parameters": {"profile": "ci"}}
    for cell in ref.cells:
        assert not {"papermill", "execution"} & set(cell.metadata)
        assert cell.metadata.get("tags", ["non-empty"])  # empty tag lists are dropped
    assert ref.cells[4].outputs[0].text == "ci 3 full\n"  # outputs untouched
    executed.cells[4].metadata["tags"] = ["nbval-ignore-output"]
    assert book.normalize_reference(executed).cells[4].outputs == []  # wall-clock cells emptied
    assert nbformat.writes(book.normalize_reference(ref)) == nbformat.writes(ref)
    nbformat.validate(ref)


def test_write_notebook_is_byte_stable(fake, tmp_path):
    book_dir, _ = fake
    executed = fake_executed(book.prepare(CHAPTER, "ci", book_dir))
    a, b = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    book.write_notebook(book.normalize_reference(executed), a)
    again = fake_executed(book.prepare(CHAPTER, "ci", book_dir))
    again.metadata.papermill["duration"] = 99.0
    book.write_notebook(book.normalize_reference(again), b)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text().endswith("}\n")
    assert not list(tmp_path.glob("*.partial"))


def write_reference(book_dir: Path, ref_dir: Path) -> Path:
    ref = book.reference_path(CHAPTER, ref_dir)
    executed = fake_executed(book.prepare(CHAPTER, "ci", book_dir))
    book.write_notebook(book.normalize_reference(executed), ref)
    return ref


def test_check_sync_reports_missing_in_sync_changed_and_orphan(fake):
    book_dir, ref_dir = fake
    problems = book.check_sync(None, book_dir, ref_dir)
    assert [(p.chapter, "no reference" in p.reason) for p in problems] == [(CHAPTER, True)]

    write_reference(book_dir, ref_dir)
    assert book.check_sync(None, book_dir, ref_dir) == []

    path = book_dir / f"{CHAPTER}.py"
    path.write_text(path.read_text().replace("print(profile, n, label)", "print(n)"))
    problems = book.check_sync([CHAPTER], book_dir, ref_dir)
    assert len(problems) == 1 and "cell 4 (cell-004) differs in source" in problems[0].reason

    write_reference(book_dir, ref_dir)
    (book_dir / "params" / "ci.yaml").write_text("99_fake:\n  n: 4\n")  # no cell source changes
    problems = book.check_sync(None, book_dir, ref_dir)
    assert len(problems) == 1 and "parameters at the ci profile differ: n" in problems[0].reason

    write_reference(book_dir, ref_dir)
    (ref_dir / "98_gone.ipynb").write_text((ref_dir / f"{CHAPTER}.ipynb").read_text())
    problems = book.check_sync(None, book_dir, ref_dir)
    assert [(p.chapter, "has no chapter" in p.reason) for p in problems] == [("98_gone", True)]


def test_check_sync_cli_names_the_refresh_command(tmp_path, monkeypatch, capsys):
    book_dir, ref_dir = write_fake_book(tmp_path)
    monkeypatch.setenv(book.ROOT_ENV, str(tmp_path))
    assert book.main(["check-sync"]) == 1
    out = capsys.readouterr().out
    assert f"python -m fa_companion.book refresh-ref {CHAPTER}" in out
    write_reference(book_dir, ref_dir)
    assert book.main(["check-sync"]) == 0
    assert book.main(["execute", "--profile", "ci", "42"]) == 2
    assert "valid chapters: 99_fake" in capsys.readouterr().err


def test_kernel_environment_sets_and_restores(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv(book.COMPUTE_ENV, raising=False)
    with book.kernel_environment("book"):
        assert os.environ[book.COMPUTE_ENV] == "0"
        assert os.environ["TQDM_DISABLE"] == "1"
        assert "MPLBACKEND" not in os.environ
        assert str(book.repo_root()) in os.environ["PYTHONPATH"].split(os.pathsep)
    assert os.environ["MPLBACKEND"] == "Agg" and book.COMPUTE_ENV not in os.environ
    with book.kernel_environment("book", allow_compute=True):
        assert os.environ[book.COMPUTE_ENV] == "1"
    with book.kernel_environment("ci"):
        assert book.COMPUTE_ENV not in os.environ


# ---- the repository's own chapters (no kernel) --------------------------------------------------


def test_repository_chapters_follow_the_conventions():
    """Every real chapter has one parameters cell assigning profile = "book", and every profile's
    overrides name existing chapters and parameters."""
    for chapter in book.chapters():
        nb = book.read_chapter(chapter)
        cell = nb.cells[book.parameters_cell_index(nb)]
        profile_defaults = [
            node.value.value
            for node in ast.parse(cell.source).body
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "profile" for t in node.targets)
            and isinstance(node.value, ast.Constant)
        ]
        assert profile_defaults == ["book"], f"{chapter}: parameters cell needs profile = 'book'"
        # every parameter declared with a type; defaults and every profile's values fit it;
        # the resolution cell follows the parameters cell
        for profile in book.PROFILES:
            book.prepare(chapter, profile)


def test_repository_references_are_in_sync():
    problems = book.check_sync()
    assert not problems, (
        "stale nbval references (python -m fa_companion.book refresh-ref): "
        + "; ".join(f"{p.chapter}: {p.reason}" for p in problems)
    )


# ---- one end-to-end run (starts a kernel twice; a few seconds) ----------------------------------


def test_refresh_reference_end_to_end(fake):
    book_dir, ref_dir = fake
    logs: list[str] = []
    runs = book.refresh_references([CHAPTER], book_dir, ref_dir, log=logs.append)
    assert [r.ok for r in runs] == [True], logs
    ref = book.reference_path(CHAPTER, ref_dir)
    nb = nbformat.read(str(ref), as_version=4)
    assert nb.cells[4].outputs[0]["text"] == "ci 3 full\n"
    assert book.check_sync(None, book_dir, ref_dir) == []
    first = ref.read_bytes()
    assert [r.ok for r in book.refresh_references([CHAPTER], book_dir, ref_dir, log=logs.append)]
    assert ref.read_bytes() == first  # unchanged chapter -> byte-identical reference
    assert any("ok in" in line for line in logs)


def test_toc_chapters_lists_only_published_existing_chapters(tmp_path):
    from fa_companion.tools.book import toc_chapters

    book = tmp_path / "book"
    book.mkdir()
    for stem in ("07_a", "08_b"):
        (book / f"{stem}.py").write_text("# %%\n")
    (tmp_path / "_toc.yml").write_text(
        "root: book/intro\nparts:\n  - chapters:\n      - file: book/07_a.ipynb\n"
        "      - file: book/99_gone.ipynb\n      - file: book/reproducing\n"
    )
    assert toc_chapters(book) == ["07_a"]
