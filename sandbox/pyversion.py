"""Which Python a repository's environment gets: the hints its files give, and a pure chooser.

Hints come from requires-python (pyproject, setup.cfg, PKG-INFO), `.python-version`, the
`Programming Language :: Python :: X.Y` classifiers and tox's envlist. setup.py is never run or
parsed here (it is code; its metadata is asked of the build backend inside the image build).
"""

from __future__ import annotations

import configparser
import re
import tomllib
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from sandbox.errors import ImageBuildError

__all__ = [
    "DEBIAN_PYTHONS",
    "Interpreter",
    "PythonHints",
    "choose_python",
    "python_hints",
]


@dataclass(frozen=True)
class Interpreter:
    """A Python that an image can be built on: its X.Y.Z version and the base that ships it."""

    version: str
    suite: str
    """The Debian suite whose python3 it is (the base image `devagent/base:<suite>`)."""

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


DEBIAN_PYTHONS = (
    Interpreter("3.11.2", "bookworm"),
    Interpreter("3.13.5", "trixie"),
    Interpreter("3.9.2", "bullseye"),
)
"""The interpreters the offline bootstrap can make, in order of preference (bookworm first)."""


@dataclass(frozen=True)
class PythonHints:
    """What a repository's files say about its Python."""

    requires: str = ""
    """A PEP 440 specifier (requires-python), "" when none is declared."""
    pinned: str = ""
    """X.Y from `.python-version`."""
    listed: tuple[str, ...] = ()
    """X.Y versions named by classifiers or tox's envlist."""


_CLASSIFIER = re.compile(r"Programming Language :: Python :: (3\.\d+)\s*$")
_TOX_ENV = re.compile(r"\bpy(3)\.?(\d{1,2})\b")
_MINOR = re.compile(r"^\s*(3\.\d+)")


def python_hints(repo: Path) -> PythonHints:
    """Read the hints from `repo`'s root (missing or malformed files give no hint)."""
    requires, classifiers = _pyproject(repo / "pyproject.toml")
    cfg_requires, cfg_classifiers = _setup_cfg(repo / "setup.cfg")
    pkg_requires, pkg_classifiers = _pkg_info(repo / "PKG-INFO")
    pinned = ""
    version_file = repo / ".python-version"
    if version_file.is_file():
        match = _MINOR.match(version_file.read_text(errors="replace"))
        pinned = match.group(1) if match else ""
    listed = {*classifiers, *cfg_classifiers, *pkg_classifiers, *_tox_envs(repo / "tox.ini")}
    return PythonHints(
        requires=requires or cfg_requires or pkg_requires,
        pinned=pinned,
        listed=tuple(sorted(listed, key=_key)),
    )


def _key(minor: str) -> tuple[int, ...]:
    return tuple(int(part) for part in minor.split("."))


def _classifier_minors(lines: list[str]) -> list[str]:
    return [m.group(1) for m in map(_CLASSIFIER.search, lines) if m]


def _pyproject(path: Path) -> tuple[str, list[str]]:
    try:
        data = tomllib.loads(path.read_text(errors="replace")) if path.is_file() else {}
    except tomllib.TOMLDecodeError:
        return "", []
    project = data.get("project", {})
    requires = str(project.get("requires-python", ""))
    poetry_python = data.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python")
    if not requires and isinstance(poetry_python, str):
        requires = _poetry_specifier(poetry_python)
    return requires, _classifier_minors([str(c) for c in project.get("classifiers", [])])


def _poetry_specifier(text: str) -> str:
    """Poetry's `^3.8` / `~3.8` / `>=3.8,<4` as a PEP 440 specifier (only what the chooser needs:
    the lower bound of caret/tilde forms)."""
    text = text.strip()
    if text.startswith(("^", "~")) and not text.startswith("~="):
        return ">=" + text.lstrip("^~")
    return "" if text == "*" else text


def _setup_cfg(path: Path) -> tuple[str, list[str]]:
    if not path.is_file():
        return "", []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(errors="replace"))
    except configparser.Error:
        return "", []
    requires = parser.get("options", "python_requires", fallback="").strip()
    classifiers = parser.get("metadata", "classifiers", fallback="").splitlines()
    return requires, _classifier_minors(classifiers)


def _pkg_info(path: Path) -> tuple[str, list[str]]:
    if not path.is_file():
        return "", []
    headers = HeaderParser().parsestr(path.read_text(errors="replace"))
    return str(headers.get("Requires-Python", "") or ""), _classifier_minors(
        [str(c) for c in headers.get_all("Classifier", [])]
    )


def _tox_envs(path: Path) -> list[str]:
    if not path.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(errors="replace"))
    except configparser.Error:
        return []
    envlist = parser.get("tox", "envlist", fallback="")
    return [f"{m.group(1)}.{m.group(2)}" for m in _TOX_ENV.finditer(envlist)]


def _names(available: tuple[Interpreter, ...]) -> str:
    return ", ".join(f"{i.minor} ({i.suite})" for i in available)


def choose_python(
    hints: PythonHints,
    requested: str | None = None,
    available: tuple[Interpreter, ...] = DEBIAN_PYTHONS,
) -> Interpreter:
    """The interpreter for a repository.

    `requested` (the user's X.Y) must be available and wins over every hint. Otherwise the
    candidates are those satisfying `hints.requires`; among them `.python-version`'s, then the
    listed version nearest the newest one listed, then the first in `available`'s order."""
    if requested:
        for interpreter in available:
            if interpreter.minor == requested:
                return interpreter
        raise ImageBuildError(
            f"python {requested} is not available (available: {_names(available)}); it would "
            f"need a python:{requested}-slim image or a Debian suite that ships it",
            step="choose python",
        )
    candidates = [i for i in available if _allows(hints.requires, i.version)]
    if not candidates:
        raise ImageBuildError(
            f"requires-python {hints.requires!r} fits none of the available interpreters "
            f"({_names(available)}); set [environment] python, or provide a base image with a "
            "Python that fits",
            step="choose python",
        )
    for interpreter in candidates:
        if interpreter.minor == hints.pinned:
            return interpreter
    listed = [i for i in candidates if i.minor in hints.listed]
    if listed:
        return listed[0]
    if hints.listed:
        newest = _key(hints.listed[-1])
        return min(candidates, key=lambda i: abs(_key(i.minor)[1] - newest[1]))
    return candidates[0]


def _allows(requires: str, version: str) -> bool:
    if not requires.strip():
        return True
    try:
        return SpecifierSet(requires).contains(version, prereleases=True)
    except InvalidSpecifier:
        return True  # a malformed hint is no hint
