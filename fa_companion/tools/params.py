"""A chapter's parameters: their declared types, and their values at a profile.

Each chapter declares its parameters once, in its cell tagged ``parameters``, as annotated
assignments whose annotation is a short type string and whose value is the **book** profile's::

    profile = "book"
    dataset: "dataset" = "fashion_mnist"
    n_networks: "int[1]" = 10              # an int >= 1
    n_train: "int[1] or None" = None       # None: the full training set
    thetas: "list[float[0, 180]]" = [0, 30, 60, 90]
    attacks: "list[choice[fgsm, bim, pgd]]" = ["fgsm", "bim", "pgd"]
    cnn_width: "dict[choice[lenet, alexnet], positive]" = {"lenet": 1.0, "alexnet": 0.25}

A new parameter is that one line (and, where the ci or paper profile needs another value, a line
in ``book/params/<profile>.yaml``). The type language (see :func:`parse_type`) uses only letters,
digits, ``[ ] ,`` and spaces, so papermill's own reader of the parameters cell understands these
lines too; Python keeps string annotations as they are, so chapters need no import for them.

**Resolution.** The cell right after the parameters cell calls :func:`apply_profile`. At that
point papermill (or ``python -m fa_companion.book execute``, which injects the same cell) has run
its ``# Parameters`` cell holding ``profile`` and whatever was given explicitly with ``-p``. A
parameter takes, in order of precedence: its explicit value, else the chapter's value in
``book/params/<profile>.yaml``, else the book default of the parameters cell. "Explicit" means
*assigned in the injected cell*, read from the kernel's input history, never guessed from the
value: ``-p n_networks 10`` at the ci profile runs 10 networks even though 10 is also the book
default. Every value is then checked against its type before any compute; the effective values
are printed.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "INJECTED_HEADER",
    "ParameterError",
    "ParamSpec",
    "ParamType",
    "Resolved",
    "apply_profile",
    "check_values",
    "parse_type",
    "resolve",
    "specs_from_source",
]

PROFILES: tuple[str, ...] = ("ci", "book", "paper")
INJECTED_HEADER = "# Parameters"
"""First line of the cell papermill injects after the ``parameters`` cell."""


class ParameterError(ValueError):
    """A parameter value, name or declaration is not valid; the message names the parameter, the
    bad value and what is valid."""


# --------------------------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    return repr(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class ParamType:
    """A parsed type string: ``kind`` plus its arguments. :meth:`check` returns an error text or
    None; ``describe`` is the human form used in messages and in ``book list``."""

    kind: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()
    item: ParamType | None = None
    key: ParamType | None = None
    optional: bool = False

    def describe(self) -> str:
        text = self._describe_base()
        return f"{text} or None" if self.optional else text

    def _describe_base(self) -> str:
        k = self.kind
        if k in ("int", "float"):
            what = "an int" if k == "int" else "a number"
            if self.lo is not None and self.hi is not None:
                return f"{what} in [{self.lo:g}, {self.hi:g}]"
            if self.lo is not None:
                return f"{what} >= {self.lo:g}"
            return what
        if k == "positive":
            return "a number > 0"
        if k in ("choice", "dataset", "profile"):
            return "one of " + ", ".join(repr(c) for c in self._choices())
        if k == "device":
            return "a device: 'auto', 'cpu', 'cuda' or 'cuda:N'"
        if k == "str":
            return "a string"
        if k == "bool":
            return "true or false"
        if k == "list":
            return f"a non-empty list of ({self.item.describe()})"
        if k == "dict":
            return (f"a mapping with keys {', '.join(repr(c) for c in self.key._choices())} "
                    f"to ({self.item.describe()})")
        return k  # pragma: no cover

    def _choices(self) -> tuple[str, ...]:
        if self.kind == "profile":
            return PROFILES
        if self.kind == "dataset" and not self.choices:
            return dataset_names()
        return self.choices

    def check(self, value: Any) -> str | None:
        """None when ``value`` fits, else why not (without the parameter's name)."""
        if value is None:
            return None if self.optional else "None is not allowed"
        k = self.kind
        if k in ("int", "float", "positive"):
            if k == "int" and not (isinstance(value, int) and not isinstance(value, bool)):
                return f"not an int ({type(value).__name__})"
            if not _number(value):
                return f"not a number ({type(value).__name__})"
            if not math.isfinite(value):
                return "not finite"
            if k == "positive" and not value > 0:
                return "out of range"
            if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
                return "out of range"
            return None
        if k in ("choice", "dataset", "profile"):
            return None if isinstance(value, str) and value in self._choices() else "not a valid choice"
        if k == "device":
            if isinstance(value, str) and re.fullmatch(r"auto|cpu|cuda(:\d+)?|mps", value):
                return None
            return "not a device"
        if k == "str":
            return None if isinstance(value, str) else f"not a string ({type(value).__name__})"
        if k == "bool":
            return None if isinstance(value, bool) else f"not true/false ({type(value).__name__})"
        if k == "list":
            if not isinstance(value, list | tuple):
                return f"not a list ({type(value).__name__})"
            if not value:
                return "an empty list"
            for i, element in enumerate(value):
                why = self.item.check(element)
                if why:
                    return f"element {i} ({_fmt(element)}): {why}"
            return None
        if k == "dict":
            if not isinstance(value, Mapping):
                return f"not a mapping ({type(value).__name__})"
            want = set(self.key._choices())
            if set(value) != want:
                return f"keys {sorted(map(str, value))} instead of {sorted(want)}"
            for name, element in value.items():
                why = self.item.check(element)
                if why:
                    return f"the value for {name!r} ({_fmt(element)}): {why}"
            return None
        return f"of unknown type {k!r}"  # pragma: no cover


def dataset_names() -> tuple[str, ...]:
    """The names ``fa_companion.data.DATASETS`` registers. Read from the module's source when
    it is a literal and the module is not imported yet (importing it imports torch: seconds that a
    refused command line should not cost), else from the module."""
    import sys

    module = sys.modules.get(f"{__package__}.data")
    if module is None:
        try:
            tree = ast.parse((Path(__file__).with_name("data.py")).read_text(encoding="utf-8"))
            for node in tree.body:
                if (isinstance(node, ast.Assign) and len(node.targets) == 1
                        and isinstance(node.targets[0], ast.Name)
                        and node.targets[0].id == "DATASETS"):
                    return tuple(ast.literal_eval(node.value))
        except (OSError, SyntaxError, ValueError):
            pass
        from .. import data as module
    return tuple(module.DATASETS)


_TOKEN = re.compile(r"\s*(?:(?P<num>-?\d+(?:\.\d*)?(?:e-?\d+)?)|(?P<name>[A-Za-z_]\w*)|(?P<op>[\[\],]))")
_KINDS = ("int", "float", "positive", "choice", "dataset", "profile", "device", "str", "bool",
          "list", "dict")


def parse_type(text: str) -> ParamType:
    """Parse a type string.

    ``int``, ``int[lo]``, ``int[lo, hi]`` (bounds inclusive), ``float`` likewise, ``positive``
    (a number > 0), ``str``, ``bool``, ``choice[a, b, c]`` (one of those strings), ``dataset``
    (a name registered in ``fa_companion.data.DATASETS``; ``dataset[a, b]`` restricts it),
    ``device``, ``profile``, ``list[T]`` (non-empty), ``dict[choice[k1, k2], T]`` (exactly those
    keys), and any of them followed by ``or None``.
    """
    if not isinstance(text, str):
        raise ParameterError(f"a parameter's type must be a string like \"int[1]\", got {text!r}")
    tokens: list[tuple[str, str]] = []
    pos = 0
    body = text.strip()
    while pos < len(body):
        m = _TOKEN.match(body, pos)
        if not m or m.end() == pos:
            raise ParameterError(f"cannot read the type {text!r} at {body[pos:]!r}")
        pos = m.end()
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        while pos < len(body) and body[pos].isspace():
            pos += 1
    parser = _Parser(tokens, text)
    result = parser.type_()
    if parser.i != len(tokens):
        raise ParameterError(f"cannot read the type {text!r}: unexpected {tokens[parser.i][1]!r}")
    return result


@dataclass
class _Parser:
    tokens: list[tuple[str, str]]
    text: str
    i: int = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _take(self, value: str | None = None) -> tuple[str, str]:
        tok = self._peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ParameterError(f"cannot read the type {self.text!r}: expected {value or 'more'}")
        self.i += 1
        return tok

    def type_(self) -> ParamType:
        base = self._base()
        tok = self._peek()
        if tok and tok[1] == "or":
            self._take("or")
            self._take("None")
            return ParamType(**{**base.__dict__, "optional": True})
        return base

    def _args(self) -> list[Any]:
        args: list[Any] = []
        if not (self._peek() and self._peek()[1] == "["):
            return args
        self._take("[")
        while True:
            tok = self._peek()
            if tok is None:
                raise ParameterError(f"cannot read the type {self.text!r}: missing ']'")
            if tok[0] == "num":
                self._take()
                args.append(float(tok[1]) if any(c in tok[1] for c in ".e") else int(tok[1]))
            elif tok[1] in _KINDS:
                args.append(self.type_())
            elif tok[0] == "name":
                self._take()
                args.append(tok[1])
            else:
                raise ParameterError(f"cannot read the type {self.text!r} at {tok[1]!r}")
            tok = self._take()
            if tok[1] == "]":
                return args
            if tok[1] != ",":
                raise ParameterError(f"cannot read the type {self.text!r} at {tok[1]!r}")

    def _base(self) -> ParamType:
        kind, name = self._take()
        if kind != "name" or name not in _KINDS:
            raise ParameterError(
                f"unknown type {name!r} in {self.text!r}; known: {', '.join(_KINDS)}"
            )
        args = self._args()

        def bad(why: str) -> ParameterError:
            return ParameterError(f"type {self.text!r}: {name}[...] {why}")

        if name in ("int", "float"):
            if len(args) > 2 or not all(_number(a) for a in args):
                raise bad("takes up to two numbers, [lo] or [lo, hi]")
            lo, hi = (args + [None, None])[:2]
            return ParamType(name, lo=lo, hi=hi)
        if name in ("choice", "dataset"):
            if name == "choice" and not args:
                raise bad("needs its choices")
            if not all(isinstance(a, str) for a in args):
                raise bad("takes bare names")
            return ParamType(name, choices=tuple(args))
        if name == "list":
            if len(args) != 1 or not isinstance(args[0], ParamType):
                raise bad("takes one type, e.g. list[int[1]]")
            return ParamType("list", item=args[0])
        if name == "dict":
            if (len(args) != 2 or not all(isinstance(a, ParamType) for a in args)
                    or args[0].kind != "choice"):
                raise bad("takes a choice of keys and a value type, e.g. dict[choice[a, b], int]")
            return ParamType("dict", key=args[0], item=args[1])
        if args:
            raise bad("takes no arguments")
        return ParamType(name)


PROFILE_TYPE = ParamType("profile")


# --------------------------------------------------------------------------------------------
# Declarations (the parameters cell)
# --------------------------------------------------------------------------------------------


@dataclass
class ParamSpec:
    """One declared parameter: its name, type, book default and the comment beside it."""

    name: str
    type: ParamType
    type_text: str
    default: Any
    comment: str = ""


_SAFE_NAMES = {"None": None, "True": True, "False": False}


def _constant(node: ast.expr, source: str) -> Any:
    """The value of a literal expression (numbers, strings, lists, dicts, arithmetic on numbers)."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id not in _SAFE_NAMES:
            raise ParameterError(f"a parameter's default must be a literal: {ast.unparse(node)}")
        if isinstance(sub, ast.Call | ast.Attribute | ast.Subscript | ast.Lambda):
            raise ParameterError(f"a parameter's default must be a literal: {ast.unparse(node)}")
    return eval(compile(ast.Expression(node), "<parameters>", "eval"),  # noqa: S307
                {"__builtins__": {}}, dict(_SAFE_NAMES))


def specs_from_source(source: str, chapter: str = "chapter") -> dict[str, ParamSpec]:
    """The declared parameters of a parameters cell, in order (``profile`` first when present).

    ``profile`` may stay unannotated; every other top-level assignment must be annotated with a
    type string, else :class:`ParameterError` says how to declare it.
    """
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError as exc:
        raise ParameterError(f"{chapter}: cannot parse the parameters cell: {exc}") from exc
    src_lines = source.splitlines()
    specs: dict[str, ParamSpec] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
            ann = node.annotation
            if not (isinstance(ann, ast.Constant) and isinstance(ann.value, str)):
                raise ParameterError(
                    f"{chapter}: parameter {name!r} needs a type string, e.g. "
                    f'`{name}: "int[1]" = ...` (got {ast.unparse(ann)})'
                )
            type_text = ann.value
            try:
                ptype = parse_type(type_text)
            except ParameterError as exc:
                raise ParameterError(f"{chapter}: parameter {name!r}: {exc}") from exc
            value = _constant(node.value, source) if node.value is not None else None
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if names == ["profile"]:
                name, type_text, ptype = "profile", "profile", PROFILE_TYPE
                value = _constant(node.value, source)
            else:
                shown = ", ".join(names) or ast.unparse(node.targets[0])
                raise ParameterError(
                    f"{chapter}: parameter {shown} has no declared type; write it as "
                    f'`{shown}: "<type>" = {ast.unparse(node.value)}` in the parameters cell, '
                    'with a type such as "int[1]", "float[0, 180]", "list[positive]", '
                    '"choice[a, b]" or "int[1] or None" (see fa_companion.params)'
                )
        else:
            continue
        line = src_lines[node.lineno - 1] if node.lineno - 1 < len(src_lines) else ""
        comment = line.split("#", 1)[1].strip() if "#" in line and node.end_lineno == node.lineno else ""
        specs[name] = ParamSpec(name, ptype, type_text, value, comment)
    if "profile" in specs:
        specs = {"profile": specs.pop("profile"), **specs}
    return specs


# --------------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------------


def check_values(chapter: str, types: Mapping[str, ParamType], values: Mapping[str, Any],
                 origin: Mapping[str, str] | None = None) -> None:
    """Raise one :class:`ParameterError` listing every unknown name and every bad value."""
    origin = origin or {}
    problems: list[str] = []
    unknown = [n for n in values if n not in types]
    if unknown:
        problems.append(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(n) for n in unknown)}; valid parameters: {', '.join(types)}"
        )
    for name, value in values.items():
        if name not in types:
            continue
        why = types[name].check(value)
        if why:
            where = f" (from {origin[name]})" if name in origin else ""
            problems.append(
                f"{name} = {_fmt(value)}{where}: {why}; expected {types[name].describe()}"
            )
    if problems:
        head = f"{chapter}: " if len(problems) == 1 else f"{chapter}: {len(problems)} problems:\n  "
        raise ParameterError(head + "\n  ".join(problems))


def resolve(chapter: str, types: Mapping[str, ParamType], defaults: Mapping[str, Any],
            profile: str, section: Mapping[str, Any], explicit: Mapping[str, Any],
            section_name: str = "book/params") -> dict[str, Any]:
    """The effective value of every parameter: explicit, else the profile's section, else the
    default; all checked (unknown names in ``section`` or ``explicit`` included)."""
    origin = {n: "the parameters cell" for n in defaults}
    origin.update({n: f"{section_name}/{profile}.yaml" for n in section})
    origin.update({n: "-p" for n in explicit})
    if profile not in PROFILES:
        raise ParameterError(
            f"{chapter}: profile = {profile!r} is not a profile; expected one of "
            f"{', '.join(repr(p) for p in PROFILES)}"
        )
    if "profile" in section:
        raise ParameterError(f"{chapter}: book/params/{profile}.yaml sets 'profile'; it cannot")
    check_values(chapter, types, {**defaults, **section, **explicit, "profile": profile}, origin)
    values = dict(defaults)
    values.update(section)
    values.update(explicit)
    values["profile"] = profile
    return values


def injected_names(history: Sequence[str]) -> list[str]:
    """Names assigned by the most recent ``# Parameters`` cell in ``history`` (cell sources,
    oldest first), or [] when there is none."""
    for source in reversed(history):
        if isinstance(source, str) and source.lstrip().startswith(INJECTED_HEADER):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                return []
            names: list[str] = []
            for node in tree.body:
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, ast.AnnAssign) else [])
                names += [t.id for t in targets if isinstance(t, ast.Name) and t.id not in names]
            return names
    return []


def _history() -> list[str]:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return []
    shell = get_ipython()
    if shell is None:
        return []
    return list(shell.history_manager.input_hist_raw)


def _section(profile: str, chapter: str, book_dir: Path | None) -> dict[str, Any]:
    """The chapter's section of ``<book>/params/<profile>.yaml`` ({} if there is none). Read here,
    not through :mod:`fa_companion.tools.book` (which imports this module): the book runner
    validates the whole file before any kernel starts; a kernel needs only its own section."""
    import yaml

    from ..store.results import repo_root

    path = (book_dir if book_dir is not None else repo_root() / "book") / "params" / f"{profile}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: expected a mapping chapter -> {{parameter: value}}")
    section = data.get(chapter) or {}
    if not isinstance(section, dict):
        raise ParameterError(f"{path}: section {chapter!r} must map parameter names to values")
    return dict(section)


@dataclass
class Resolved:
    """What :func:`apply_profile` did: the effective values and the names given explicitly."""

    chapter: str
    profile: str
    values: dict[str, Any]
    explicit: list[str] = field(default_factory=list)

    def summary(self, width: int = 100) -> str:
        import textwrap

        parts = [f"{n}={self.values[n]!r}" + (" (given)" if n in self.explicit else "")
                 for n in self.values if n != "profile"]
        return textwrap.fill(f"profile {self.profile!r}: " + ", ".join(parts), width=width,
                             subsequent_indent="  ", break_long_words=False)


def apply_profile(chapter: str, namespace: MutableMapping[str, Any], *,
                  history: Sequence[str] | None = None, book_dir: Path | str | None = None,
                  echo: bool = True) -> Resolved:
    """Give a chapter's parameters in ``namespace`` (its globals) their values at its profile.

    Called by the cell right after the parameters cell. Declared parameters are the annotated
    names of ``namespace["__annotations__"]`` plus ``profile``; the explicit ones are those the
    last ``# Parameters`` cell of the kernel's input history assigned (``history`` overrides it,
    for tests). Every value is checked (:class:`ParameterError` otherwise), the namespace updated,
    the overrides recorded for the results store's hint, and the effective values printed.
    """
    annotations = dict(namespace.get("__annotations__", {}))
    types: dict[str, ParamType] = {"profile": PROFILE_TYPE}
    for name, text in annotations.items():
        if name == "profile":
            continue
        try:
            types[name] = parse_type(text)
        except ParameterError as exc:
            raise ParameterError(f"{chapter}: parameter {name!r}: {exc}") from exc
    names = injected_names(_history() if history is None else history)
    explicit = {n: namespace[n] for n in names if n != "profile" and n in namespace}
    unknown = [n for n in names if n not in types]
    profile = namespace.get("profile", "book")
    if unknown:
        check_values(chapter, types, {n: namespace.get(n) for n in unknown})
    bdir = Path(book_dir) if book_dir is not None else None
    section = _section(profile, chapter, bdir) if profile in PROFILES else {}
    defaults = {n: namespace[n] for n in types if n in namespace}
    values = resolve(chapter, types, defaults, profile, section, explicit)
    namespace.update(values)
    from ..store.results import set_overrides

    set_overrides(chapter, explicit)
    resolved = Resolved(chapter, profile, values, list(explicit))
    if echo:
        print(resolved.summary())
    return resolved
