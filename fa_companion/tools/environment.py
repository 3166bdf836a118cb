"""The software environment a book was built with: versions and git commit, as Markdown.

The book's appendix ``book/environment.md`` includes ``book/_generated/environment.md`` (not
committed). This module writes that file in two ways:

* as a Sphinx extension (``_config.yml`` → ``sphinx: extra_extensions``): at every
  ``jupyter-book build`` it (re)writes the file before any page is read, so a fresh clone never
  lacks it;
* from the command line, which prints the same Markdown (or writes it with ``--markdown PATH``)::

      python -m fa_companion.tools.environment
      python -m fa_companion.tools.environment --markdown book/_generated/environment.md

Versions come from the installed distributions' metadata (nothing heavy is imported); the commit
is ``git rev-parse HEAD`` of the checkout, marked when tracked files differ from it, or
``unknown`` outside a git checkout.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from .. import __version__

__all__ = [
    "DISTRIBUTIONS",
    "GENERATED",
    "UNKNOWN",
    "environment_info",
    "environment_markdown",
    "git_commit",
    "write_markdown",
    "setup",
]

DISTRIBUTIONS = (
    ("PyTorch", "torch"),
    ("torchvision", "torchvision"),
    ("NumPy", "numpy"),
    ("SciPy", "scipy"),
    ("Matplotlib", "matplotlib"),
    ("Jupyter Book", "jupyter-book"),
    ("Sphinx", "sphinx"),
)
"""``(label, distribution name)`` of the libraries whose versions the appendix lists."""

GENERATED = "book/_generated/environment.md"
"""Where the book build writes the Markdown, relative to the book's root (the repository)."""

UNKNOWN = "unknown"
"""What stands for a version or commit that cannot be determined."""


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def git_commit(cwd: str | Path | None = None) -> tuple[str, bool | None]:
    """``(commit, dirty)`` of the git checkout holding ``cwd`` (default: this package's directory).

    ``commit`` is the full hash of ``HEAD`` or :data:`UNKNOWN`; ``dirty`` is whether tracked files
    differ from it (None when unknown). Never raises.
    """
    cwd = Path(cwd) if cwd is not None else Path(__file__).resolve().parent
    commit = _git(cwd, "rev-parse", "HEAD")
    if not commit:
        return UNKNOWN, None
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    return commit, None if status is None else bool(status)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment_info(cwd: str | Path | None = None) -> dict[str, str]:
    """Labelled versions (Python, the libraries of :data:`DISTRIBUTIONS`, ``fa_companion``), the
    platform, and the git commit of the checkout holding ``cwd`` with whether its tracked files
    were modified: all strings, in table order."""
    commit, dirty = git_commit(cwd)
    info = {"Python": f"{platform.python_version()} ({platform.python_implementation()})"}
    info.update({label: _version(dist) for label, dist in DISTRIBUTIONS})
    info["fa_companion"] = __version__
    info["Platform"] = platform.platform()
    info["git commit"] = commit
    info["working tree"] = {True: "tracked files modified", False: "clean", None: UNKNOWN}[dirty]
    return info


def environment_markdown(info: dict[str, str] | None = None) -> str:
    """A Markdown table of :func:`environment_info` (computed when ``info`` is None)."""
    if info is None:
        info = environment_info()
    rows = "".join(f"| {label} | `{value}` |\n" for label, value in info.items())
    return f"| software | version |\n|---|---|\n{rows}"


def write_markdown(path: str | Path, text: str | None = None) -> bool:
    """Write ``text`` (default: :func:`environment_markdown`) to ``path``, creating its folder.

    The file is left untouched when it already holds ``text``, so that an unchanged environment
    does not make Sphinx re-read the page. Returns whether the file was written.
    """
    path = Path(path)
    if text is None:
        text = environment_markdown()
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return True


def _builder_inited(app) -> None:
    srcdir = Path(app.srcdir)
    write_markdown(srcdir / GENERATED, environment_markdown(environment_info(srcdir)))


def setup(app) -> dict:
    """Sphinx extension entry point: write :data:`GENERATED` when the builder starts."""
    app.connect("builder-inited", _builder_inited)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fa_companion.tools.environment",
        description="Print (or write) the versions and git commit of this environment as "
        "Markdown, as in the book's environment appendix.",
    )
    parser.add_argument("--markdown", metavar="PATH", help="write the Markdown to PATH")
    args = parser.parse_args(argv)
    text = environment_markdown()
    if args.markdown:
        write_markdown(args.markdown, text)
        print(f"wrote {args.markdown}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
