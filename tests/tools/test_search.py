import shutil
from pathlib import Path

import pytest

from devagent.tools.search import SEARCH, SearchQuery, search_workspace
from tests.tools.helpers import make_ctx, write_tree

ENGINES = [
    "python",
    pytest.param("rg", marks=pytest.mark.skipif(not shutil.which("rg"), reason="no rg")),
]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            ".gitignore": "generated/\n*.min.js\n",
            "src/app.py": "def handler(request):\n    return Handler(request)\n",
            "src/util.py": "# handler helpers\nHANDLER = 1\n",
            "web/app.js": "function handler() {}\n",
            "web/app.min.js": "function handler(){}\n",
            "generated/out.py": "handler = 2\n",
            "node_modules/x/index.js": "handler\n",
            ".github/workflow.yml": "run: handler\n",
            "blob.bin": b"handler\x00\x01",
        },
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_literal_search_honours_ignores(repo: Path, engine: str) -> None:
    found = search_workspace(repo, SearchQuery("handler"), engine)  # type: ignore[arg-type]
    assert [(m.path, m.line) for m in found] == [
        (".github/workflow.yml", 1),
        ("src/app.py", 1),
        ("src/util.py", 1),
        ("web/app.js", 1),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_regex_ignore_case_path_and_glob(repo: Path, engine: str) -> None:
    query = SearchQuery(r"^\s*return \w+", regex=True, path="src", glob="*.py")
    assert [(m.path, m.text) for m in search_workspace(repo, query, engine)] == [  # type: ignore[arg-type]
        ("src/app.py", "    return Handler(request)")
    ]
    query = SearchQuery("HANDLER", ignore_case=True, glob="*.py")
    paths = [(m.path, m.line) for m in search_workspace(repo, query, engine)]  # type: ignore[arg-type]
    assert paths == [("src/app.py", 1), ("src/app.py", 2), ("src/util.py", 1), ("src/util.py", 2)]


@pytest.mark.parametrize("engine", ENGINES)
def test_results_are_capped_and_say_how_many_more(tmp_path: Path, engine: str) -> None:
    write_tree(tmp_path, {f"f{i}.txt": "needle\nneedle\n" for i in range(10)})
    ctx = make_ctx(tmp_path, extra={"search_engine": engine})
    obs = SEARCH({"pattern": "needle", "max_results": 3}, ctx)
    assert obs.text.splitlines() == [
        "20 matches in 10 files for 'needle'",
        "f0.txt:1: needle",
        "f0.txt:2: needle",
        "",
        "f1.txt:1: needle",
        "[17 more matches (8 more files) not shown: "
        "narrow with path= or glob=, or raise max_results]",
    ]


def test_no_match_bad_regex_and_escape_are_observations(repo: Path) -> None:
    ctx = make_ctx(repo)
    assert SEARCH({"pattern": "zzz_nothing"}, ctx).text == "No matches for 'zzz_nothing'."
    bad = SEARCH({"pattern": "(unclosed", "regex": True}, ctx)
    assert not bad.ok and "invalid regex" in bad.text
    escape = SEARCH({"pattern": "x", "path": "../"}, ctx)
    assert not escape.ok and "outside the workspace" in escape.text
