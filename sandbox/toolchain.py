"""Which toolchain a repository needs, and which of its files declare its dependencies. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class ToolchainKind(StrEnum):
    """The image family that fits a repository; `base` when no toolchain is recognised."""

    PYTHON = "python"
    NODE = "node"
    GO = "go"
    RUST = "rust"
    BASE = "base"


# Files at the repository root that identify a toolchain (in priority order) ...
_MARKERS: tuple[tuple[ToolchainKind, tuple[str, ...]], ...] = (
    (ToolchainKind.PYTHON, ("pyproject.toml", "setup.py", "setup.cfg")),
    (ToolchainKind.NODE, ("package.json",)),
    (ToolchainKind.GO, ("go.mod",)),
    (ToolchainKind.RUST, ("Cargo.toml",)),
)
# ... and the files whose content goes into its image (only these, never the source).
_MANIFESTS: dict[ToolchainKind, tuple[str, ...]] = {
    ToolchainKind.PYTHON: (
        "pyproject.toml",
        "setup.py",
        "setup.cfg",
        "requirements*.txt",
        "requirements/*.txt",
        "tox.ini",
        ".python-version",
    ),
    ToolchainKind.NODE: ("package.json", "package-lock.json", "npm-shrinkwrap.json"),
    ToolchainKind.GO: ("go.mod", "go.sum"),
    ToolchainKind.RUST: ("Cargo.toml", "Cargo.lock"),
    ToolchainKind.BASE: (),
}


@dataclass(frozen=True)
class Toolchain:
    """A repository's toolchain and its dependency manifests (paths relative to the repo root)."""

    kind: ToolchainKind
    manifests: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.kind.value


def detect_toolchain(repo: Path) -> Toolchain:
    """Look at the repository's root: pyproject/setup/requirements -> python, package.json ->
    node, go.mod -> go, Cargo.toml -> rust, otherwise base."""
    kind = ToolchainKind.BASE
    for candidate, markers in _MARKERS:
        if any((repo / marker).is_file() for marker in markers):
            kind = candidate
            break
    else:
        if any(p.is_file() for p in repo.glob("requirements*.txt")):
            kind = ToolchainKind.PYTHON
    return Toolchain(kind=kind, manifests=tuple(_manifests(repo, kind)))


def _manifests(repo: Path, kind: ToolchainKind) -> list[str]:
    found: set[str] = set()
    for pattern in _MANIFESTS[kind]:
        found.update(p.relative_to(repo).as_posix() for p in repo.glob(pattern) if p.is_file())
    return sorted(found)


def content_hash(parts: Iterable[tuple[str, bytes]]) -> str:
    """A stable sha256 over named byte strings (names and contents both count, order does not)."""
    digest = hashlib.sha256()
    for name, data in sorted(parts):
        digest.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    return digest.hexdigest()


def manifest_parts(repo: Path, toolchain: Toolchain) -> list[tuple[str, bytes]]:
    """The manifests' contents, named `manifest/<path>`, ready for `content_hash`."""
    return [(f"manifest/{name}", (repo / name).read_bytes()) for name in toolchain.manifests]
