from pathlib import Path

import pytest

from devagent.tools.paths import PathEscapeError, display_path, resolve_in_workspace


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("x = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core]\n")
    return root


def test_relative_path_resolves_inside(ws: Path) -> None:
    assert resolve_in_workspace(ws, "src/a.py") == (ws / "src" / "a.py").resolve()


def test_sandbox_absolute_path_maps_to_workspace(ws: Path) -> None:
    assert resolve_in_workspace(ws, "/workspace/src/a.py") == (ws / "src" / "a.py").resolve()
    assert resolve_in_workspace(ws, "/workspace") == ws.resolve()


def test_host_absolute_path_inside_is_accepted(ws: Path) -> None:
    assert resolve_in_workspace(ws, str(ws / "src")) == (ws / "src").resolve()


def test_missing_target_is_allowed(ws: Path) -> None:
    assert resolve_in_workspace(ws, "new/dir/b.py", for_write=True) == ws.resolve() / "new/dir/b.py"


@pytest.mark.parametrize(
    "bad", ["../outside.txt", "src/../../x", "/etc/passwd", "/workspace/../etc"]
)
def test_escapes_are_refused(ws: Path, bad: str) -> None:
    with pytest.raises(PathEscapeError, match="outside the workspace"):
        resolve_in_workspace(ws, bad)


def test_symlink_escape_is_refused(ws: Path, tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "key").write_text("k")
    (ws / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(PathEscapeError, match="symlink"):
        resolve_in_workspace(ws, "link/key")


def test_symlink_inside_workspace_is_followed(ws: Path) -> None:
    (ws / "alias.py").symlink_to(ws / "src" / "a.py")
    assert resolve_in_workspace(ws, "alias.py") == (ws / "src" / "a.py").resolve()


def test_git_dir_readable_but_not_writable(ws: Path) -> None:
    assert resolve_in_workspace(ws, ".git/config") == (ws / ".git" / "config").resolve()
    with pytest.raises(PathEscapeError, match=r"\.git/"):
        resolve_in_workspace(ws, ".git/config", for_write=True)


def test_display_path_is_relative(ws: Path) -> None:
    assert display_path(ws, ws / "src" / "a.py") == "src/a.py"
    assert display_path(ws, ws) == "."
