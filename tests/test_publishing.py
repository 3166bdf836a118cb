"""Publishing conventions: CITATION.cff, dated references, the GitHub Pages workflow, launch buttons.

* ``CITATION.cff`` validates against the Citation File Format 1.2.0 JSON schema
  (``tests/data/cff-1.2.0.schema.json``, the schema cffconvert ships; cffconvert itself pins
  jsonschema<4, which the notebook stack cannot use) and lists both papers with year and DOI,
  the same as ``book/references.bib``.
* Every reference in ``book/references.bib`` has a year (no "n.d." in the rendered book).
* ``.github/workflows/deploy.yml`` passes actionlint and builds the book the way ``make book`` does.
* ``_config.yml`` configures the Binder and Colab launch buttons on a GitHub repository.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CFF_SCHEMA = ROOT / "tests" / "data" / "cff-1.2.0.schema.json"
WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"

# The two reproduced papers: bib key -> (year, DOI).
PAPERS = {
    "rahmansetayesh_fa_wn": (2021, "10.1101/2021.06.12.447639"),  # bioRxiv preprint
    "cheon2025ifa": (2025, "10.48550/arXiv.2505.20892"),  # arXiv:2505.20892, May 2025
}


def bib_entries() -> dict[str, str]:
    """``{key: body}`` of every entry of book/references.bib (a small reader for our own file)."""
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    starts = list(re.finditer(r"^@(\w+)\{([^,\s]+),", text, flags=re.M))
    ends = [m.start() for m in starts[1:]] + [len(text)]
    return {m.group(2): text[m.end() : end] for m, end in zip(starts, ends)}


def bib_field(body: str, name: str) -> str | None:
    m = re.search(rf"^\s*{name}\s*=\s*[{{\"]?([^}}\",\n]+)", body, flags=re.M | re.I)
    return m.group(1).strip() if m else None


# ---- CITATION.cff ---------------------------------------------------------------------------------


def cff() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def cff_errors(data: dict) -> list[str]:
    import jsonschema

    schema = json.loads(CFF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(data)
    ]


def test_citation_cff_is_valid():
    data = cff()
    assert data["cff-version"] == "1.2.0", "tests/data holds the 1.2.0 schema"
    errors = cff_errors(data)
    assert not errors, "CITATION.cff does not validate:\n" + "\n".join(errors)


def test_cff_schema_check_catches_mistakes():
    data = cff()
    data["references"][0]["doi"] = "not a doi"
    data["references"][1]["month"] = 13
    data["authors"] = []
    errors = "\n".join(cff_errors(data))
    assert "references/0/doi" in errors and "references/1/month" in errors
    assert "authors" in errors


def test_citation_cff_dates_both_papers_as_the_bib_does():
    refs = cff()["references"]
    assert len(refs) == 2
    entries = bib_entries()
    for ref, (key, (year, doi)) in zip(refs, PAPERS.items()):
        assert (ref["year"], ref["doi"]) == (year, doi), ref["title"]
        body = entries[key]
        assert bib_field(body, "year") == str(year), key
        assert bib_field(body, "doi") == doi, key
        assert " ".join(bib_field(body, "title").split())[:40] in " ".join(ref["title"].split())


def test_every_reference_has_a_year():
    undated = [k for k, body in bib_entries().items() if not bib_field(body, "year")]
    assert not undated, f"references.bib entries without a year (rendered 'n.d.'): {undated}"
    assert bib_field(bib_entries()["cheon2025ifa"], "eprint") == "2505.20892"


# ---- GitHub Pages workflow ------------------------------------------------------------------------


def actionlint() -> str | None:
    """The actionlint binary: next to this Python (the `test` extra installs it), or on PATH."""
    beside = Path(sys.executable).parent / "actionlint"
    return str(beside) if beside.is_file() else shutil.which("actionlint")


def test_deploy_workflow_passes_actionlint():
    binary = actionlint()
    if binary is None:
        pytest.skip('actionlint not installed: pip install -e ".[test]"')
    proc = subprocess.run(
        [binary, "-no-color", str(WORKFLOW.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"actionlint:\n{proc.stdout}{proc.stderr}"


def test_deploy_workflow_builds_like_make_book():
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    uses = [s.get("uses", "") for s in steps]
    assert any(r.strip() == "make book" for r in runs), "build the book with `make book`"
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "jupyter-book build . -W -n --keep-going" in makefile


# ---- launch buttons ----------------------------------------------------------------------------


def test_launch_buttons_configured():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"]
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url
    launch = config["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    # Binder opens book/NN_name.ipynb, which postBuild writes from the Jupytext sources.
    post_build = ROOT / "postBuild"
    assert post_build.is_file() and post_build.stat().st_mode & 0o111, "postBuild, executable"
    assert "jupytext" in post_build.read_text(encoding="utf-8")
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert any("[book" in p for p in pip), "Binder's environment installs the book extra (jupytext)"
