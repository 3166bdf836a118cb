"""Issue 16: careless input, interrupted runs and the papermill route, each refused or handled
with an early, clear message, and nothing stored or good overwritten.

Most tests run the command line as a user would (``python -m fa_companion.book ...`` in a
subprocess) and fail before any kernel starts (a second or two each). The few that need a kernel
use a tiny fake chapter in ``tmp_path``; one executes the real chapter 07 up to its first stored
result (no training).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from fa_companion.params import ParameterError, apply_profile, parse_type, specs_from_source

from fa_companion import book

ROOT = Path(book.__file__).resolve().parent.parent
CH07 = "07_initial_alignment"
CH09 = "09_soft_alignment"
FAKE = "99_fake"

FAKE_SOURCE = '''\
# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
profile = "book"
n: "int[1]" = 10
mode: "choice[ok, boom, sleep]" = "ok"

# %%
from fa_companion.params import apply_profile

apply_profile("99_fake", globals())

# %%
import os
import time
from pathlib import Path

from fa_companion.results import chapter_store

if mode == "sleep":
    chapter_store("99_fake", profile).get_or_compute(
        "x", {"a": 1}, lambda c: {"arrays": {}, "summary": {"a": 1}})
    Path(os.environ["FAKE_MARK"]).write_text("sleeping")
    time.sleep(120)
if mode == "boom":
    raise RuntimeError("boom")
print(profile, n, mode)
'''


def env(**extra: str) -> dict[str, str]:
    out = dict(os.environ)
    out.update(PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", TQDM_DISABLE="1", **extra)
    out.pop("MPLBACKEND", None)
    return out


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fa_companion.book", *args], cwd=kw.pop("cwd", ROOT),
                          env=kw.pop("env", env()), capture_output=True, text=True, timeout=300, **kw)


def snapshot(*paths: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file under ``paths``: what a refused command must leave alone."""
    files: dict[str, tuple[int, int]] = {}
    for path in paths:
        for f in ([path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []):
            if f.is_file():
                st = f.stat()
                files[str(f)] = (st.st_size, st.st_mtime_ns)
    return files


def chapter_state(chapter: str) -> dict[str, tuple[int, int]]:
    return snapshot(ROOT / "book" / "results" / chapter, ROOT / ".cache" / "results" / "ci" / chapter,
                    ROOT / "book" / f"{chapter}.ipynb", ROOT / "book" / f"{chapter}.failed.ipynb")


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    (tmp_path / "book" / "params").mkdir(parents=True)
    (tmp_path / "book" / f"{FAKE}.py").write_text(FAKE_SOURCE)
    (tmp_path / "book" / "params" / "ci.yaml").write_text(f"{FAKE}:\n  n: 3\n")
    return tmp_path


# ---- parameters refused before any compute (rows 3-7 and 9 of the issue) ------------------------

REFUSED = [
    ((CH07, "-p", "n_train", "2000.5"),
     "07_initial_alignment: n_train = 2000.5 (from -p): not an int (float); expected an int >= 1 or None"),
    ((CH09, "-p", "thetas", "30"),
     "09_soft_alignment: thetas = 30 (from -p): not a list (int); expected a non-empty list of "
     "(a number in [0, 180])"),
    ((CH09, "-p", "thetas", "[0, 200]"),
     "thetas = [0, 200] (from -p): element 1 (200): out of range; expected a non-empty list of "
     "(a number in [0, 180])"),
    ((CH07, "-p", "n_networks", "0"),
     "n_networks = 0 (from -p): out of range; expected an int >= 1"),
    ((CH07, "-p", "epochs", "abc"),
     "epochs = 'abc' (from -p): not an int (str); expected an int >= 1"),
    ((CH07, "-p", "profile", "book"),
     "-p profile is not a parameter you can set here; choose the profile with --profile"),
    ((CH07, "-p", "epochz", "3"),
     "unknown parameter 'epochz'; valid parameters: profile, dataset, n_networks, epochs"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_cli_refuses_bad_parameters_before_any_kernel(args, message):
    chapter = book.resolve_chapters([args[0]])[0]
    before = chapter_state(chapter)
    done = cli("execute", "--profile", "ci", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr and "executing" not in done.stdout  # no kernel started
    assert chapter_state(chapter) == before


def test_reproduce_refuses_a_bad_sweep_condition_before_the_first_trains():
    """Chapter 09 at the book profile: BP and IFA 0° used to train and be stored before 200° failed."""
    before = chapter_state(CH09)
    done = cli("reproduce", CH09, "-p", "thetas", "[0, 30, 200]")
    assert done.returncode == 2 and "element 2 (200): out of range" in done.stderr
    assert chapter_state(CH09) == before


def test_list_shows_type_default_and_every_profile_value():
    done = cli("list", CH07)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("('=': the profile keeps the book default; types: ")
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()[2:]}
    assert rows["parameter"][:3] == ["parameter", "type", "default"]
    assert rows["n_networks"] == ["n_networks", "int[1]", "10", "2", "="]
    assert rows["dataset"] == ["dataset", "dataset", "'fashion_mnist'", "=", "'cifar10'"]


# ---- declarations and resolution (no kernel) -----------------------------------------------------


@pytest.mark.parametrize(("text", "good", "bad"), [
    ("int[1]", [1, 10**9], [0, 2.0, True, "3", None]),
    ("int[1] or None", [None, 5], [0, 2000.5]),
    ("float[0, 180]", [0, 90.5, 180], [-1, 180.1, float("nan"), "30"]),
    ("positive", [1e-6, 3], [0, -1]),
    ("list[float[0, 180]]", [[0, 30], (45,)], [30, [], [0, 200], ["0"]]),
    ("list[choice[fgsm, bim, pgd]]", [["bim"]], [["cw"], "fgsm"]),
    ("dict[choice[lenet, alexnet], int[1]]", [{"lenet": 1, "alexnet": 2}],
     [{"lenet": 1}, {"lenet": 1, "alexnet": 0}]),
    ("dataset", ["fashion_mnist", "cifar10"], ["cifar11", 3]),
    ("dataset[mnist, fashion_mnist]", ["mnist"], ["cifar10"]),
    ("device", ["auto", "cpu", "cuda:1"], ["gpu", None]),
])
def test_type_strings_accept_and_refuse(text, good, bad):
    ptype = parse_type(text)
    for value in good:
        assert ptype.check(value) is None, (text, value)
    for value in bad:
        assert ptype.check(value), (text, value)


def test_undeclared_parameter_says_how_to_declare_it():
    with pytest.raises(ParameterError, match=r'parameter reading has no declared type; write it as '
                                             r'`reading: "<type>" = \'text\'`'):
        specs_from_source('profile = "book"\nreading = "text"\n', "05_x")
    specs = specs_from_source('profile = "book"\nn: "int[1]" = 2 * 5  # networks\n')
    assert (specs["n"].default, specs["n"].comment, specs["n"].type.describe()) == (
        10, "networks", "an int >= 1")


def test_explicit_value_wins_even_when_equal_to_the_book_default(fake_root, capsys):
    """-p n 10 at the ci profile runs n = 10 although ci.yaml says 3 and 10 is the book default:
    explicit means assigned in the injected cell, never guessed from the value."""
    def run(injected: str) -> dict:
        ns = {"__annotations__": {"n": "int[1]", "mode": "choice[ok, boom, sleep]"},
              "profile": "book", "n": 10, "mode": "ok"}
        exec(injected, ns)
        history = ["", 'profile = "book"\nn = 10\n', injected, "apply_profile(...)"]
        return apply_profile(FAKE, ns, history=history, book_dir=fake_root / "book").values

    assert run('# Parameters\nprofile = "ci"\n')["n"] == 3
    assert run('# Parameters\nprofile = "ci"\nn = 10\n')["n"] == 10
    assert run('# Parameters\nprofile = "book"\n')["n"] == 10
    assert "n=10 (given)" in capsys.readouterr().out
    with pytest.raises(ParameterError, match="n = 0 \\(from -p\\): out of range"):
        run('# Parameters\nprofile = "ci"\nn = 0\n')
    with pytest.raises(ParameterError, match="unknown parameter 'm'"):
        run('# Parameters\nprofile = "ci"\nm = 1\n')


def test_missing_result_hint_repeats_every_override():
    from fa_companion import results

    overrides = {"n_networks": 3, "dataset": "cifar10", "thetas": [0, 30], "n_test": None}
    results.set_overrides("zz_hint", overrides)
    try:
        store = results.chapter_store("zz_hint", "book")
        store.allow_compute = False
        with pytest.raises(results.MissingResultError) as info:
            store.load("x", {"a": 1})
    finally:
        results.set_overrides("zz_hint", {})
    hint = str(info.value).split("produce it with: ")[1]
    assert hint == ("python -m fa_companion.book reproduce zz_hint --profile book -p n_networks 3 "
                    "-p dataset cifar10 -p thetas '[0, 30]' -p n_test null")
    import shlex

    words = shlex.split(hint)
    pairs = [(words[i + 1], words[i + 2]) for i, w in enumerate(words) if w == "-p"]
    assert book._parse_extra(pairs) == overrides  # following the hint computes what was asked


def test_member_refuses_a_string_angle():
    from fa_companion.models import Member

    with pytest.raises(TypeError, match="theta_init must be a number .* got '30' of type str"):
        Member("ifa", "30")
    assert Member("ifa", 30).theta == 30.0


def test_missing_dataset_names_every_way_to_provide_it(tmp_path, monkeypatch):
    from fa_companion import data

    monkeypatch.setenv(data.DATA_ROOT_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        data.load_dataset("cifar10")
    message = str(info.value)
    for needle in ("FA_COMPANION_DATA", "cifar-10-batches-py", str(tmp_path / "cifar-10-batches-py"),
                   "load_dataset('cifar10', download=True)", "the chapters never download"):
        assert needle in message, needle
    assert "You can use download=True" not in message  # torchvision's hint, which execute cannot use


# ---- the papermill route and the shared virtual environment (rows 1-2) ---------------------------


def test_papermill_profile_ci_runs_the_ci_sizes_like_execute(fake_root, tmp_path):
    """Three kernels on a fake chapter: execute --profile ci, papermill -p profile ci, and
    papermill with an explicit -p n 10 equal to the book default."""
    e = env(FA_COMPANION_ROOT=str(fake_root))
    out = tmp_path / "out"
    done = cli("execute", "--profile", "ci", FAKE, "--output-dir", str(out), env=e)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "without encryption" not in done.stdout + done.stderr  # IPC kernels
    import jupytext
    import nbformat

    def last_output(path: Path) -> str:
        nb = nbformat.read(str(path), as_version=4)
        return nb.cells[-1].outputs[0]["text"]

    assert last_output(out / f"{FAKE}.ipynb") == "ci 3 ok\n"
    jupytext.write(jupytext.read(fake_root / "book" / f"{FAKE}.py"), str(tmp_path / "in.ipynb"))
    for extra, want in (([], "ci 3 ok\n"), (["-p", "n", "10"], "ci 10 ok\n")):
        pm = subprocess.run(
            [sys.executable, "-m", "papermill", str(tmp_path / "in.ipynb"), str(tmp_path / "pm.ipynb"),
             "--cwd", str(fake_root / "book"), "-k", "python3", "-p", "profile", "ci", *extra],
            env=e, capture_output=True, text=True, timeout=300)
        assert pm.returncode == 0, pm.stderr
        assert last_output(tmp_path / "pm.ipynb") == want


def test_editable_install_defers_to_the_checkout_the_kernel_starts_in(tmp_path):
    """A venv shared by two checkouts: its editable install points at one of them; a kernel whose
    cwd is in the other (papermill --cwd book) must import the other's package."""
    other = tmp_path / "other"
    (other / "book").mkdir(parents=True)
    (other / "fa_companion").mkdir()
    (other / "fa_companion" / "__init__.py").write_text('WHERE = "other checkout"\n')
    finder = textwrap.dedent(f"""\
        import importlib.machinery, sys
        class Editable:  # what pip install -e puts on sys.meta_path
            @classmethod
            def find_spec(cls, name, path=None, target=None):
                if name == "fa_companion":
                    return importlib.machinery.PathFinder.find_spec(name, [{str(ROOT)!r}])
        sys.meta_path.insert(0, Editable)
        import fa_companion
        print(getattr(fa_companion, "WHERE", "installed checkout"), fa_companion.__file__)
        """)
    e = env()
    e.pop("PYTHONPATH")
    e.pop("FA_COMPANION_ROOT", None)
    inside = subprocess.run([sys.executable, "-c", finder], cwd=other / "book", env=e,
                            capture_output=True, text=True, timeout=60)
    assert inside.stdout.startswith("other checkout " + str(other)), inside.stderr
    outside = subprocess.run([sys.executable, "-c", finder], cwd=tmp_path, env=e,
                             capture_output=True, text=True, timeout=60)
    assert outside.stdout.startswith("installed checkout " + str(ROOT)), outside.stderr


# ---- nothing good overwritten, nothing lost (rows 7, 8 and 10) -----------------------------------


def test_failed_execute_keeps_the_last_good_notebook(fake_root, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    good = out / f"{FAKE}.ipynb"
    good.write_text("the last good notebook\n")
    done = cli("execute", "--profile", "ci", FAKE, "--output-dir", str(out), "-p", "mode", "boom",
               env=env(FA_COMPANION_ROOT=str(fake_root)))
    assert done.returncode == 1
    assert "RuntimeError: boom" in done.stdout
    assert f"the last good notebook {good} is unchanged" in done.stdout
    assert good.read_text() == "the last good notebook\n"
    assert (out / f"{FAKE}.failed.ipynb").is_file()
    assert not list(out.glob(".*running*"))


def test_real_chapter_missing_result_names_the_overrides_and_keeps_the_good_notebook(tmp_path):
    """Chapter 07 at the book profile with -p n_networks 3 (not stored): the error's command
    repeats -p n_networks 3; the good notebook and the store are unchanged."""
    out = tmp_path / "out"
    out.mkdir()
    good = out / f"{CH07}.ipynb"
    good.write_text("the last good notebook\n")
    before = chapter_state(CH07)
    done = cli("execute", "--profile", "book", CH07, "-p", "n_networks", "3", "--output-dir", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    assert (f"produce it with: python -m fa_companion.book reproduce {CH07} --profile book "
            "-p n_networks 3") in done.stdout
    assert good.read_text() == "the last good notebook\n"
    assert (out / f"{CH07}.failed.ipynb").is_file()
    assert chapter_state(CH07) == before


@pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT")
def test_ctrl_c_during_reproduce_prints_one_line_and_exits_130(fake_root, tmp_path):
    mark = tmp_path / "mark"
    proc = subprocess.Popen(
        [sys.executable, "-m", "fa_companion.book", "reproduce", FAKE, "-p", "mode", "sleep",
         "--output-dir", str(tmp_path / "out")],
        cwd=ROOT, env=env(FA_COMPANION_ROOT=str(fake_root), FAKE_MARK=str(mark)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not mark.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert mark.exists(), proc.communicate(timeout=10)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    store = fake_root / "book" / "results" / FAKE
    assert lines[0].startswith(f"interrupted in {FAKE}: 1 complete result(s) stored in {store}")
    assert lines[0].endswith(
        f"resume with: python -m fa_companion.book reproduce {FAKE} --profile book -p mode sleep")
    assert len(list(store.glob("*.json"))) == 1  # what was stored stays stored
