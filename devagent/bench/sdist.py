"""PyPI source distributions: find a release's sdist, download it once into a cache, unpack it.

The release's sdist URL, sha256 and upload time come from PyPI's JSON simple index
(PEP 691, `/simple/<name>/`); the archive is fetched from that URL, checked against the
sha256 and kept under `cache_dir/<filename>` for later runs. Nothing of the project runs on the
host (unlike `pip download`, which builds the sdist's metadata): the archive is only unpacked.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from devagent.errors import DevagentError

PYPI = "https://pypi.org"
DEFAULT_CACHE = Path.home() / ".cache" / "devagent" / "sdists"
SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2")
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
Fetch = Callable[[str], bytes]
"""GET a URL, return its body (an injectable seam for tests)."""


class SdistError(DevagentError):
    """A release has no sdist, its download failed or did not match, or its archive is unsafe."""

    hint = "is PyPI reachable (pip config / proxy)? is the version published with an sdist?"


@dataclass(frozen=True)
class SdistRelease:
    """One release's source distribution as PyPI describes it."""

    project: str
    version: str
    filename: str
    url: str
    sha256: str
    upload_time: str
    """ISO 8601 UTC, e.g. `2023-01-05T12:00:00Z`."""


def http_get(url: str) -> bytes:
    """The default `Fetch`: a plain GET with a timeout."""
    try:
        request = urllib.request.Request(url, headers={"Accept": SIMPLE_JSON})
        with urllib.request.urlopen(request, timeout=120) as response:
            return bytes(response.read())
    except OSError as exc:
        raise SdistError(f"cannot fetch {url}: {exc}") from exc


def parse_release(data: dict[str, Any], project: str, version: str) -> SdistRelease:
    """The sdist of `version` in a PEP 691 JSON simple-index answer (`files` with `filename`,
    `url`, `hashes.sha256`, `upload-time`, `yanked`)."""
    for entry in data.get("files", []):
        filename = str(entry.get("filename", ""))
        if sdist_version(filename, project) == version:
            return SdistRelease(
                project=project,
                version=version,
                filename=filename,
                url=str(entry["url"]),
                sha256=str(entry["hashes"]["sha256"]),
                upload_time=_utc(str(entry.get("upload-time") or "")),
            )
    raise SdistError(f"{project} {version} has no sdist on PyPI")


def sdist_version(filename: str, project: str) -> str | None:
    """`version` of an sdist named `<project>-<version>.tar.gz` (or .zip, .tar.bz2); else None."""
    for suffix in SDIST_SUFFIXES:
        if filename.endswith(suffix):
            name, _, version = filename[: -len(suffix)].rpartition("-")
            return version if normalise(name) == normalise(project) else None
    return None


def normalise(name: str) -> str:
    """PEP 503 name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _utc(stamp: str) -> str:
    """`2023-01-05T12:00:00.123456Z` or `2023-01-05T12:00:00` -> `2023-01-05T12:00:00Z`."""
    if not stamp:
        raise SdistError("the release has no upload time")
    return stamp.rstrip("Z").split(".")[0] + "Z"


def find_release(project: str, version: str, fetch: Fetch = http_get) -> SdistRelease:
    """Ask PyPI's JSON simple index for `project==version`'s sdist."""
    body = fetch(f"{PYPI}/simple/{normalise(project)}/")
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise SdistError(f"PyPI's index answer for {project} is not JSON") from exc
    return parse_release(data, project, version)


def download(release: SdistRelease, cache_dir: Path, fetch: Fetch = http_get) -> Path:
    """The release's archive in `cache_dir`, downloaded and checked unless already there."""
    path = cache_dir / release.filename
    if path.is_file() and _sha256(path.read_bytes()) == release.sha256:
        return path
    body = fetch(release.url)
    if _sha256(body) != release.sha256:
        raise SdistError(f"{release.filename}: sha256 differs from PyPI's")
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=cache_dir, delete=False) as tmp:
        tmp.write(body)
    Path(tmp.name).replace(path)
    return path


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def strip_top(name: str) -> str | None:
    """An archive member's path below the sdist's top directory; None for the top itself.
    Raises on absolute paths and `..` (an archive must not write outside its destination)."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise SdistError(f"unsafe path in archive: {name}")
    rest = path.parts[1:]
    return "/".join(rest) if rest else None


def extract(archive: Path, dest: Path) -> None:
    """Unpack `archive` (.tar.gz, .tar.bz2, .zip) into `dest` without its top directory.
    Only regular files are written (executable ones stay executable); links and devices are
    skipped."""
    dest.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    _write(dest, info.filename, lambda i=info: zf.read(i))  # type: ignore[misc]
        return
    with tarfile.open(archive) as tf:
        for member in tf.getmembers():
            if member.isfile():
                read = lambda m=member: _tar_read(tf, m)  # type: ignore[misc]  # noqa: E731
                _write(dest, member.name, read, executable=bool(member.mode & 0o100))


def _tar_read(tf: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tf.extractfile(member)
    return handle.read() if handle else b""


def _write(dest: Path, name: str, read: Callable[[], bytes], executable: bool = False) -> None:
    rel = strip_top(name)
    if rel is None:
        return
    target = dest / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(read())
    if executable:
        target.chmod(0o755)


def unpack_release(
    project: str, version: str, dest: Path, cache_dir: Path = DEFAULT_CACHE, fetch: Fetch = http_get
) -> SdistRelease:
    """Find, download (cached) and unpack `project==version` into `dest` (replaced)."""
    release = find_release(project, version, fetch)
    archive = download(release, cache_dir, fetch)
    if dest.exists():
        shutil.rmtree(dest)
    extract(archive, dest)
    return release
