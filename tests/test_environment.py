"""Tests of ``fa_companion.environment``, the environment appendix of the book."""

from __future__ import annotations

import re
import subprocess
from importlib import metadata

import pytest

from fa_companion import __version__
from fa_companion.tools import environment

COMMIT = re.compile(r"`([0-9a-f]{40}|unknown)`")


def test_markdown_names_the_versions_and_a_commit_or_unknown():
    text = environment.environment_markdown()
    assert text.startswith("| software | version |\n|---|---|\n")
    assert f"| PyTorch | `{metadata.version('torch')}` |" in text
    assert f"| fa_companion | `{__version__}` |" in text
    for label in ("Python", "torchvision", "NumPy", "SciPy", "Matplotlib", "Jupyter Book"):
        assert f"| {label} | `" in text
    (commit_row,) = [line for line in text.splitlines() if line.startswith("| git commit |")]
    assert COMMIT.search(commit_row), commit_row


def test_commit_is_unknown_outside_a_git_checkout(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert environment.git_commit(tmp_path) == (environment.UNKNOWN, None)
    info = environment.environment_info(tmp_path)
    assert info["git commit"] == "unknown" and info["working tree"] == "unknown"
    assert "| git commit | `unknown` |" in environment.environment_markdown(info)


def test_commit_of_a_checkout(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    try:
        git("init", "-q")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available")
    (tmp_path / "f.txt").write_text("a\n")
    git("add", "f.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "m")
    commit, dirty = environment.git_commit(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{40}", commit) and dirty is False
    (tmp_path / "f.txt").write_text("b\n")
    assert environment.git_commit(tmp_path) == (commit, True)
    assert environment.environment_info(tmp_path)["working tree"] == "tracked files modified"


def test_write_markdown_creates_the_folder_and_keeps_an_unchanged_file(tmp_path):
    path = tmp_path / "_generated" / "environment.md"
    assert environment.write_markdown(path, "| a | b |\n")
    mtime = path.stat().st_mtime_ns
    assert not environment.write_markdown(path, "| a | b |\n")
    assert path.stat().st_mtime_ns == mtime
    assert environment.write_markdown(path, "| a | c |\n")
    assert path.read_text() == "| a | c |\n"
    assert [p.name for p in path.parent.iterdir()] == ["environment.md"]


def test_cli_prints_or_writes(tmp_path, capsys):
    assert environment.main([]) == 0
    assert "| PyTorch |" in capsys.readouterr().out
    path = tmp_path / "env.md"
    assert environment.main(["--markdown", str(path)]) == 0
    assert "| git commit |" in path.read_text()
