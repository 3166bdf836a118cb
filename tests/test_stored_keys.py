"""Every stored result is still found after the package moved into layers (issue 15): each stored
JSON's config hashes (with its version) to the key in its file name, and the chapter's store, found
from the moved package, reports it present."""

from __future__ import annotations

import json
import re

import pytest

from fa_companion.store.results import chapter_store, config_hash, repo_root

RESULTS = repo_root() / "book" / "results"
FILES = sorted(RESULTS.glob("*/*.json"))
SAMPLE = FILES[::7] + FILES[-1:]  # about 1 in 7, for the per-file test below


def test_the_store_is_found_from_the_moved_package():
    assert RESULTS.is_dir() and FILES
    assert chapter_store("07_initial_alignment", "book").root == RESULTS / "07_initial_alignment"


def test_every_stored_config_hashes_to_its_file_name():
    wrong = []
    for path in FILES:
        meta = json.loads(path.read_text(encoding="utf-8"))
        key = re.fullmatch(r"(.+)-([0-9a-f]{16})", path.stem).group(2)
        if config_hash(meta["config"], meta["version"]) != key:
            wrong.append(f"{path.parent.name}/{path.name}")
    assert not wrong, wrong


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_stored_config_hashes_to_its_file_name(path):
    meta = json.loads(path.read_text(encoding="utf-8"))
    name, key = re.fullmatch(r"(.+)-([0-9a-f]{16})", path.stem).groups()
    assert meta["key"] == key and meta["name"] == name
    assert config_hash(meta["config"], meta["version"]) == key
    assert "fa_companion." not in json.dumps(meta["config"])  # no module path in a config
    assert chapter_store(path.parent.name, "book").has(name, meta["config"], meta["version"])
