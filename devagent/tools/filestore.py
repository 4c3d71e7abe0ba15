"""Reading workspace text files as they are, and writing a set of them all at once, through a
held workspace root (`safefs`): no step follows a symlink, so a concurrent swap cannot redirect
a read or a write outside the workspace."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass

from devagent.errors import DevagentError
from devagent.tools.names import escape_name
from devagent.tools.safefs import (
    FOLDER_FLAGS,
    UnsafeFileError,
    WorkspaceRoot,
    kind_refusal,
    refusal,
    split_relative,
)

_BINARY_SNIFF = 8192
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class NotTextError(DevagentError):
    """The file is binary (has NUL bytes); edits refuse it."""


def read_text(root: WorkspaceRoot, rel: str) -> str | None:
    """The text of workspace file `rel` with its line endings untouched; None when it does not
    exist. Raises UnsafeFileError (a directory, symlink, FIFO, ...) and NotTextError.

    Undecodable bytes survive a read/write round trip (surrogateescape)."""
    data = root.read_bytes(rel)
    if data is None:
        return None
    if b"\0" in data[:_BINARY_SNIFF]:
        raise NotTextError(f"{escape_name(rel)} is a binary file ({len(data)} bytes)")
    return data.decode("utf-8", "surrogateescape")


@dataclass
class _Staged:
    rel: str
    parent: int
    """Descriptor of the folder that holds the file."""
    name: str
    temp: str | None
    """The staged content's temporary name in `parent`; None: delete `name`."""


def write_all(root: WorkspaceRoot, changes: Mapping[str, str | None]) -> None:
    """Write every text (None deletes) only once all are staged beside their targets.

    A new file and new folders take the owner of the folder they are made in, an existing file
    keeps its owner and mode (run as root, the host must not leave files the sandbox user cannot
    change). Raises UnsafeFileError when a target, or a folder on its way, cannot be used."""
    staged: list[_Staged] = []
    try:
        for rel, text in changes.items():
            item = _stage(root, rel, text)
            if item is not None:
                staged.append(item)
        for item in staged:
            _commit(item)
    finally:
        for item in staged:
            if item.temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(item.temp, dir_fd=item.parent)
            os.close(item.parent)


def _stage(root: WorkspaceRoot, rel: str, text: str | None) -> _Staged | None:
    """The folder of `rel` held open, with `text` in a temp file there; None: nothing to delete."""
    parts = split_relative(rel)
    if not parts:
        raise UnsafeFileError(f"{escape_name(rel) or '.'}: is the workspace itself, not a file")
    try:
        parent = _open_folder(root, parts[:-1], create=text is not None)
    except OSError as exc:
        if text is None and isinstance(exc, FileNotFoundError | NotADirectoryError):
            return None
        raise refusal(rel, exc) from exc
    item = _Staged(rel, parent, parts[-1], None)
    if text is not None:
        try:
            item.temp = _write_temp(item, text.encode("utf-8", "surrogateescape"))
        except BaseException as exc:
            os.close(parent)
            if isinstance(exc, OSError):
                raise refusal(rel, exc) from exc
            raise
    return item


def _commit(item: _Staged) -> None:
    try:
        if item.temp is not None:
            os.rename(item.temp, item.name, src_dir_fd=item.parent, dst_dir_fd=item.parent)
            item.temp = None
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(item.name, dir_fd=item.parent)
    except OSError as exc:
        raise refusal(item.rel, exc) from exc


def _open_folder(root: WorkspaceRoot, parts: list[str], *, create: bool) -> int:
    """A descriptor of the folder `parts` under the root, made (with its parents) when missing
    and `create`."""
    try:
        return root.open("/".join(parts), FOLDER_FLAGS)
    except FileNotFoundError:
        if not create:
            raise
    current = os.open(".", FOLDER_FLAGS, dir_fd=root.fd)
    try:
        for part in parts:
            try:
                step = os.open(part, FOLDER_FLAGS, dir_fd=current)
            except FileNotFoundError:
                os.mkdir(part, dir_fd=current)
                step = os.open(part, _NEW_DIR, dir_fd=current)
                _chown_like(step, os.fstat(current))
            os.close(current)
            current = step
    except BaseException:
        os.close(current)
        raise
    return current


def _write_temp(item: _Staged, data: bytes) -> str:
    """A temp file beside `item.name` with `data`, and the existing file's mode and owner."""
    try:
        existing: os.stat_result | None = os.stat(
            item.name, dir_fd=item.parent, follow_symlinks=False
        )
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise _not_replaceable(item.rel, existing.st_mode)
    owner = existing or os.fstat(item.parent)
    mode = stat.S_IMODE(existing.st_mode) if existing else 0o644
    temp = f".devagent-{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, _NEW_FILE, 0o600, dir_fd=item.parent)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fchmod(fd, mode)
        _chown_like(fd, owner)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=item.parent)
        raise
    finally:
        os.close(fd)
    return temp


def _not_replaceable(rel: str, mode: int) -> UnsafeFileError:
    if stat.S_ISDIR(mode):
        return UnsafeFileError(f"{escape_name(rel)}: is a directory, not a file")
    if stat.S_ISLNK(mode):
        return UnsafeFileError(
            f"{escape_name(rel)}: is a symlink (it may have just been swapped in by a process in "
            "the sandbox); the tools never write through one"
        )
    return kind_refusal(rel, mode) or UnsafeFileError(f"{escape_name(rel)}: not a regular file")


def _chown_like(fd: int, owner: os.stat_result) -> None:
    if os.geteuid() == 0 and (owner.st_uid, owner.st_gid) != (0, 0):
        os.fchown(fd, owner.st_uid, owner.st_gid)
