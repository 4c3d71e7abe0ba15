"""A project's editable wheel built by one backend process (PEP 660), and its install recorded
as editable from the tree (PEP 610). Runs inside the image build (python3 >= 3.9).

uv's editable install asks the backend for metadata and then for the wheel, each in a fresh
Python importing the backend (setuptools: about 0.3 s each here, before any work). Calling
`build_editable` alone in one process gives the wheel, whose METADATA is the metadata; the
wheel is then installed like any other (with its requirements and extras), and its
direct_url.json rewritten to what an editable install of the tree writes, so that the install
reads as `-e file:///workspace` to every tool.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from email.parser import HeaderParser
from pathlib import Path
from typing import NamedTuple

HOOK = r"""
import importlib, json, sys, sysconfig
if sys.path and sys.path[0] == "":
    del sys.path[0]  # PEP 517: the tree is importable only through the backend's own path
backend, wheel_dir, result, *backend_path = sys.argv[1:]
sys.path[:0] = backend_path
module, _, attrs = backend.partition(":")
hooks = importlib.import_module(module)
for attr in filter(None, attrs.split(".")):
    hooks = getattr(hooks, attr)
build = getattr(hooks, "build_editable", None)
wheel = build(wheel_dir) if build is not None else ""
with open(result, "w") as out:
    json.dump({"wheel": wheel, "purelib": sysconfig.get_paths()["purelib"]}, out)
"""
"""Run by the venv's Python in the tree: argv is the backend (`module:object`), the wheel
folder, the result file (JSON: the wheel's file name, "" when the backend has no PEP 660 hook,
and the venv's purelib), then the backend-path folders."""

EDITABLE_URL = {"url": "file:///workspace", "dir_info": {"editable": True}}
"""direct_url.json of an editable install of /workspace, as uv and pip write it."""


class Wheel(NamedTuple):
    """What an install needs to know of a built wheel."""

    name: str
    """The distribution's name (METADATA)."""
    dist_info: str
    """Its .dist-info folder's name."""
    extras: list[str]
    """Its Provides-Extra values."""


def read_wheel(path: Path) -> Wheel:
    """The name, .dist-info folder and extras of the wheel at `path`."""
    with zipfile.ZipFile(path) as archive:
        (metadata,) = [
            n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        ]
        headers = HeaderParser().parsestr(archive.read(metadata).decode("utf-8", "replace"))
    extras = [str(v) for v in headers.get_all("Provides-Extra", [])]
    return Wheel(str(headers["Name"]), metadata.split("/")[0], extras)


def requirement(wheel: Wheel, path: Path, extras: list[str]) -> str:
    """The PEP 508 requirement that installs the wheel at `path` with `extras`. Pure."""
    wanted = f"[{','.join(extras)}]" if extras else ""
    return f"{wheel.name}{wanted} @ {path.as_uri()}"


def record_line(relative: str, data: bytes) -> str:
    """One RECORD row: path, sha256 (urlsafe base64 without padding) and size. Pure."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{relative},sha256={digest},{len(data)}"


def with_record(record: str, relative: str, data: bytes) -> str:
    """RECORD text with `relative`'s row made to match `data` (added when missing). Pure."""
    row = record_line(relative, data)
    rows = [row if r.startswith(f"{relative},") else r for r in record.splitlines() if r]
    return "\n".join(rows if row in rows else [*rows, row]) + "\n"


def mark_editable(purelib: Path, wheel: Wheel) -> None:
    """Record the installed wheel as an editable install of /workspace (its direct_url.json and
    that file's RECORD row), as installing the tree itself would have."""
    folder = purelib / wheel.dist_info
    data = json.dumps(EDITABLE_URL, separators=(",", ":")).encode()
    (folder / "direct_url.json").write_bytes(data)
    record = folder / "RECORD"
    record.write_text(with_record(record.read_text(), f"{wheel.dist_info}/direct_url.json", data))
