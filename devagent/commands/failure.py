"""An exception as the CLI reports it: one line saying what is wrong and what to do.

devagent's own errors (`DevagentError`, `SandboxError`) are written for people and are expected;
a few foreign ones are translated here (an `OSError` on `--out`, a stray pydantic
`ValidationError`); anything else is unexpected, and only then is `--verbose` suggested.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from devagent.errors import DevagentError
from devagent.problems import summary
from sandbox.errors import SandboxError

VERBOSE_HINT = "rerun with --verbose for the traceback"

OUT_ADVICE = {
    errno.EEXIST: "give a directory, or a path that does not exist yet",
    errno.ENOTDIR: "give a directory, or a path that does not exist yet",
    errno.ENOSPC: "free some space or give --out on another disk",
    errno.EDQUOT: "free some space or give --out on another disk",
    errno.EACCES: "give --out a directory you can write to",
    errno.EPERM: "give --out a directory you can write to",
    errno.EROFS: "give --out a directory on a writable disk",
}


@dataclass(frozen=True)
class Failure:
    """What the CLI prints for an exception."""

    message: str
    """One line: what is wrong and, where known, what to do."""
    details: str = ""
    """More lines (a build log's tail, ...), printed with --verbose only."""
    hint: str = ""
    expected: bool = True
    """Raised on purpose by devagent (no traceback hint)."""

    def hint_for(self, verbose: bool) -> str:
        """The hint line, if any: the error's own, or a pointer to --verbose when it helps."""
        if verbose:
            return self.hint
        if self.details:
            lines = len(self.details.splitlines())
            more = f"--verbose shows {lines} more line{'s' if lines != 1 else ''}"
            return f"{self.hint}; {more}" if self.hint else more
        return self.hint or ("" if self.expected else VERBOSE_HINT)


def explain(exc: BaseException, out: Path | None = None) -> Failure:
    """The `Failure` for `exc`; `out` is the command's --out, named when an OSError is about it."""
    if isinstance(exc, DevagentError | SandboxError):
        first, _, rest = str(exc).strip().partition("\n")
        return Failure(first or type(exc).__name__, rest.strip(), getattr(exc, "hint", ""))
    if isinstance(exc, ValidationError):
        return Failure(f"invalid {exc.title}: {summary(exc)}", expected=False)
    if isinstance(exc, OSError):
        return explain_os_error(exc, out)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return Failure(f"{type(exc).__name__}: {first}".rstrip(": "), expected=False)


def explain_os_error(exc: OSError, out: Path | None) -> Failure:
    """`[Errno 17] File exists: 'x'` as `--out x: file exists (give a directory, ...)`."""
    reason = (exc.strerror or str(exc)).lower() if exc.strerror else str(exc)
    names = [Path(str(n)) for n in (exc.filename, exc.filename2) if n is not None]
    if out is not None and any(_within(name, out) for name in names):
        advice = OUT_ADVICE.get(exc.errno or 0, "check the path given to --out")
        path = names[0]
        where = f"--out {out}" + (f" ({path})" if path.resolve() != out.resolve() else "")
        return Failure(f"{where}: {reason}; {advice}")
    if names:
        return Failure(f"{names[0]}: {reason}", expected=False)
    return Failure(reason, expected=False)


def _within(path: Path, root: Path) -> bool:
    path, root = path.resolve(), root.resolve()
    return path == root or root in path.parents
