"""Workspace file I/O that a concurrent symlink swap cannot redirect.

The sandbox writes to the workspace while the host tools use it, so a path checked once may lead
elsewhere a moment later (a folder exchanged for a symlink to a host folder). Here every path is
opened beneath a held descriptor of the workspace root and never through a symlink: with
openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) where the kernel has it (Linux 5.6+), otherwise
one component at a time with O_NOFOLLOW. A swap can make an open fail, never land outside.
Files are opened with O_NONBLOCK and only regular files are read (a FIFO cannot block, a device
is never read), and reads are capped.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import TracebackType

from devagent.tools.names import escape_name
from devagent.tools.paths import PathError

MAX_FILE_BYTES = 16 * 1024 * 1024
"""Files larger than this are not read by the file tools (use `run` with sed or head)."""

_READ = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_NOFOLLOW | os.O_CLOEXEC
FOLDER_FLAGS = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
"""How a folder on the way is held: by its descriptor, never through a symlink."""
_SYS_OPENAT2 = 437
"""The same number on every Linux architecture we run on (x86_64, aarch64)."""
_RESOLVE_NO_SYMLINKS, _RESOLVE_BENEATH = 0x04, 0x08


class UnsafeFileError(PathError):
    """A workspace path that cannot be used safely: a symlink in the way, a FIFO, a socket, a
    device, a name too long, a file too large. The message is written for the model."""


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


class _Openat2:
    """The openat2 system call through ctypes, switched off for good once the kernel (or a
    seccomp filter) says it does not exist."""

    def __init__(self) -> None:
        self.available = platform.system() == "Linux" and platform.machine() in (
            "x86_64",
            "aarch64",
        )
        self._syscall = ctypes.CDLL(None, use_errno=True).syscall if self.available else None
        if self._syscall is not None:
            self._syscall.restype = ctypes.c_long

    def __call__(self, dir_fd: int, rel: str, flags: int) -> int | None:
        """The new descriptor; None when openat2 cannot be used (fall back to a walk)."""
        if not self.available or self._syscall is None:
            return None
        how = _OpenHow(flags, 0, _RESOLVE_BENEATH | _RESOLVE_NO_SYMLINKS)
        for _ in range(8):  # EAGAIN: a rename raced the lookup; the kernel asks for a retry
            number, at = ctypes.c_long(_SYS_OPENAT2), ctypes.c_int(dir_fd)
            name = ctypes.c_char_p(os.fsencode(rel))
            size = ctypes.c_size_t(ctypes.sizeof(how))
            fd = self._syscall(number, at, name, ctypes.byref(how), size)
            if fd >= 0:
                return int(fd)
            code = ctypes.get_errno()
            if code in (errno.ENOSYS, errno.EPERM, errno.E2BIG):
                self.available = False
                return None
            if code != errno.EAGAIN:
                raise OSError(code, os.strerror(code), rel)
        return None


_openat2 = _Openat2()


def split_relative(rel: str) -> list[str]:
    """The components of a workspace-relative path; refuses `..` (the caller resolved it)."""
    parts = [part for part in PurePosixPath(rel).parts if part not in ("", ".")]
    if ".." in parts or (parts and parts[0] == "/"):
        raise UnsafeFileError(f"{escape_name(rel)}: not a plain path inside the workspace")
    return parts


def open_beneath(root_fd: int, rel: str, flags: int, *, use_openat2: bool = True) -> int:
    """A descriptor for `rel` under the directory `root_fd`, opened with `flags`, no component
    (the last included) a symlink. Raises OSError (ELOOP or ENOTDIR for a symlink)."""
    parts = split_relative(rel)
    if not parts:
        return os.open(".", flags & ~os.O_NOFOLLOW, dir_fd=root_fd)
    if use_openat2:
        fd = _openat2(root_fd, "/".join(parts), flags | os.O_NOFOLLOW)
        if fd is not None:
            return fd
    current = os.open(".", FOLDER_FLAGS, dir_fd=root_fd)
    try:
        for part in parts[:-1]:
            step = os.open(part, FOLDER_FLAGS, dir_fd=current)
            os.close(current)
            current = step
        return os.open(parts[-1], flags | os.O_NOFOLLOW, dir_fd=current)
    finally:
        os.close(current)


def refusal(rel: str, exc: OSError) -> UnsafeFileError:
    """The model's explanation of why `rel` could not be opened."""
    name = escape_name(rel) or "."
    reasons = {
        errno.ELOOP: "a symlink is in the way (the tools never follow one; a process in the "
        "sandbox may have just swapped it in); use the real path, or `run` in the sandbox",
        errno.ENXIO: "is a socket or a device, not a regular file; it is not read",
        errno.ENAMETOOLONG: "the name is too long for the file system (at most 255 bytes a "
        "component)",
        errno.EISDIR: "is a directory, not a file",
        errno.ENOTDIR: "a part of the path is not a folder (or was just swapped for a symlink by "
        "a process in the sandbox)",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
    return UnsafeFileError(f"{name}: {reason}")


def kind_refusal(rel: str, mode: int) -> UnsafeFileError | None:
    """Why an opened entry of `mode` is not read (None for a regular file or a directory)."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISSOCK(mode):
        kind = "a socket"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    else:
        kind = "a special file"
    return UnsafeFileError(
        f"{escape_name(rel)}: is {kind}, not a regular file; it is not read. Regular files only."
    )


@dataclass
class Entry:
    """An open regular file or directory of the workspace; closes its descriptor on exit."""

    rel: str
    fd: int
    st: os.stat_result

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.st.st_mode)

    def read(self, limit: int = MAX_FILE_BYTES) -> bytes:
        """The whole file; UnsafeFileError when it is a directory or larger than `limit`."""
        if self.is_dir:
            raise UnsafeFileError(f"{escape_name(self.rel)}: is a directory, not a file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(self.fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        raise UnsafeFileError(
            f"{escape_name(self.rel)}: {self.st.st_size} bytes, over the {limit}-byte limit of "
            "the file tools; look at parts of it with `run` (sed -n, head, grep)."
        )

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Entry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True, order=True)
class DirItem:
    """One name in a directory and what it is (a symlink is neither a file nor a folder)."""

    name: str
    kind: str
    """'dir', 'file' (regular), 'symlink' or 'other' (FIFO, socket, device, or vanished)."""
    size: int = field(default=-1, compare=False)
    """A file's size when listed with stats (the entry's own, never a symlink target's)."""
    mtime_ns: int = field(default=-1, compare=False)


def _item(entry: os.DirEntry[str], stats: bool) -> DirItem:
    try:
        if entry.is_symlink():
            return DirItem(entry.name, "symlink")
        if entry.is_dir(follow_symlinks=False):
            return DirItem(entry.name, "dir")
        if entry.is_file(follow_symlinks=False):
            if not stats:
                return DirItem(entry.name, "file")
            st = entry.stat(follow_symlinks=False)  # fstatat on the listed folder's descriptor
            if stat.S_ISREG(st.st_mode):
                return DirItem(entry.name, "file", st.st_size, st.st_mtime_ns)
    except OSError:
        pass
    return DirItem(entry.name, "other")


class WorkspaceRoot:
    """A held descriptor of the workspace root, through which every tool's file I/O goes."""

    def __init__(self, root: Path, *, use_openat2: bool = True) -> None:
        self.path = Path(os.path.realpath(root))
        self.fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self.use_openat2 = use_openat2

    def relative(self, target: Path) -> str:
        """The posix path of a resolved `target` relative to the root ('' for the root)."""
        rel = target.relative_to(self.path).as_posix()
        return "" if rel == "." else rel

    def open(self, rel: str, flags: int) -> int:
        """`open_beneath` from this root; raises OSError."""
        return open_beneath(self.fd, rel, flags, use_openat2=self.use_openat2)

    def entry(self, rel: str) -> Entry | None:
        """`rel` opened for reading, None when it does not exist; UnsafeFileError for a symlink,
        a FIFO, a socket, a device or a name the file system refuses."""
        try:
            fd = self.open(rel, _READ)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise refusal(rel, exc) from exc
        st = os.fstat(fd)
        problem = kind_refusal(rel, st.st_mode)
        if problem is not None:
            os.close(fd)
            raise problem
        return Entry(rel, fd, st)

    def read_bytes(self, rel: str, limit: int = MAX_FILE_BYTES) -> bytes | None:
        """The content of the regular file `rel`, None when it does not exist."""
        entry = self.entry(rel)
        if entry is None:
            return None
        with entry:
            return entry.read(limit)

    def list_dir(self, rel: str, *, stats: bool = False) -> list[DirItem]:
        """The entries of directory `rel` sorted by name (its own entries, never a symlink's
        target's); [] when it cannot be listed. `stats` adds files' sizes and mtimes."""
        try:
            fd = self.open(rel, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            return []
        try:
            with os.scandir(fd) as entries:
                return sorted(_item(entry, stats) for entry in entries)
        except OSError:
            return []
        finally:
            os.close(fd)

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> WorkspaceRoot:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
