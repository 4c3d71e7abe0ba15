"""Files in and out of sandboxes: one-file tar archives, and host tree copies with ownership."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import time
from collections.abc import Iterable
from pathlib import Path


def tar_one_file(name: str, data: bytes, uid: int, gid: int, mode: int = 0o644) -> bytes:
    """A tar archive holding `data` as `name`, owned by uid:gid (what `put_archive` takes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.uid, info.gid, info.mode = len(data), uid, gid, mode
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def untar_one_file(chunks: Iterable[bytes], path: str) -> bytes:
    """The first member of a tar stream (what `get_archive` returns) as bytes."""
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as tar:
        member = tar.next()
        extracted = tar.extractfile(member) if member else None
        if extracted is None:
            raise IsADirectoryError(path)
        return extracted.read()


def chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.chown(os.path.join(dirpath, name), uid, gid, follow_symlinks=False)


def copy_tree(source: Path, target: Path) -> None:
    """Copy `source` into `target` (symlinks kept); as root, keep the source's owner."""
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    st = source.stat()
    if os.geteuid() == 0:
        chown_tree(target, st.st_uid, st.st_gid)
