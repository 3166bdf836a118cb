"""The package's docstrings are valid reStructuredText.

The book's API reference (``book/api.md``) renders them with Sphinx autodoc under
``jupyter-book build -W -n``, where any docutils warning fails the build: ``|x|`` is a
substitution reference, ``*args`` starts emphasis, an indented formula is a block quote. This test
finds those in a second, without building the book (Sphinx's roles such as ``:func:`` are
accepted here; whether their targets exist is left to the build).
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil

import pytest

import fa_companion

docutils = pytest.importorskip("docutils")

from docutils import core, nodes  # noqa: E402
from docutils.parsers.rst import roles  # noqa: E402

SPHINX_ROLES = ("func", "class", "mod", "meth", "attr", "data", "obj", "exc", "doc", "ref", "cite")


def modules() -> list[str]:
    names = [fa_companion.__name__]
    for info in pkgutil.walk_packages(fa_companion.__path__, prefix=f"{fa_companion.__name__}."):
        if not info.name.rsplit(".", 1)[-1].startswith("_"):
            names.append(info.name)
    return sorted(names)


def docstrings(module_name: str) -> list[tuple[str, str]]:
    """``(qualified name, docstring)`` of a module, its own classes and functions, and their
    methods and properties (what autodoc can show)."""
    module = importlib.import_module(module_name)
    found = [(module_name, module.__doc__)]

    def own(obj) -> bool:
        return getattr(obj, "__module__", None) == module_name

    for name, obj in vars(module).items():
        if name.startswith("_") or not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not own(obj):
            continue
        found.append((f"{module_name}.{name}", obj.__doc__))
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if inspect.isfunction(member) or isinstance(member, property):
                    found.append((f"{module_name}.{name}.{attr}", member.__doc__))
    return [(name, doc) for name, doc in found if doc]


def rst_problems(text: str) -> list[str]:
    for role in SPHINX_ROLES:
        roles.register_generic_role(role, nodes.literal)
    stream = io.StringIO()
    core.publish_doctree(
        inspect.cleandoc(text),
        source_path="docstring",
        settings_overrides={
            "report_level": 2,  # warnings and worse
            "halt_level": 5,  # never raise
            "warning_stream": stream,
        },
    )
    return [line for line in stream.getvalue().splitlines() if line.startswith("docstring:")]


def test_detector_flags_the_usual_mistakes():
    assert rst_problems("Fine: ``|x|``, :func:`f`, *emphasis* and ``*args``.") == []
    assert any("substitution" in p for p in rst_problems("the largest |z| of m"))
    assert any("emphasis" in p for p in rst_problems("shape (n, *shape)"))


@pytest.mark.parametrize("module_name", modules())
def test_docstrings_are_valid_rst(module_name):
    problems = [
        f"{name}: {problem}"
        for name, doc in docstrings(module_name)
        for problem in rst_problems(doc)
    ]
    assert not problems, "docstrings the API reference cannot render:\n" + "\n".join(problems)
