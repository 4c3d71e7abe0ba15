from pathlib import Path

from devagent.tools.walk import GitIgnore, parse_gitignore, walk_files
from tests.tools.helpers import write_tree


def _rels(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in walk_files(root)]


def test_walk_skips_git_cache_build_and_gitignored(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            ".gitignore": "*.log\n/secret/\n!keep.log\n",
            "a.py": "",
            "debug.log": "",
            "keep.log": "",
            "secret/x.py": "",
            "pkg/secret/y.py": "",
            ".git/HEAD": "",
            "node_modules/m/index.js": "",
            "__pycache__/a.pyc": "",
            "build/out.o": "",
            "pkg/__init__.py": "",
        },
    )
    assert _rels(tmp_path) == [
        ".gitignore",
        "a.py",
        "keep.log",
        "pkg/__init__.py",
        "pkg/secret/y.py",
    ]


def test_nested_gitignore_applies_below_its_folder(tmp_path: Path) -> None:
    write_tree(tmp_path, {"sub/.gitignore": "gen_*.py\n", "sub/gen_a.py": "", "gen_b.py": ""})
    assert _rels(tmp_path) == ["gen_b.py", "sub/.gitignore"]


def test_double_star_and_dir_only_rules(tmp_path: Path) -> None:
    ignore = GitIgnore(write_tree(tmp_path, {".gitignore": "docs/**/*.tmp\nout/\n"}))
    assert ignore.ignored("docs/a/b/c.tmp", False)
    assert ignore.ignored("docs/c.tmp", False)
    assert not ignore.ignored("src/c.tmp", False)
    assert ignore.ignored("src/out", True)
    assert not ignore.ignored("src/out", False)


def test_comments_and_blank_lines_are_not_rules() -> None:
    assert parse_gitignore("# comment\n\n   \n") == []


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"secret.py": "KEY = 1\n"})
    repo = write_tree(tmp_path / "repo", {"a.py": ""})
    (repo / "linked_dir").symlink_to(outside)
    (repo / "linked_file.py").symlink_to(outside / "secret.py")
    assert _rels(repo) == ["a.py"]
