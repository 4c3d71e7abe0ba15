"""Time Aider's RepoMap on a list of files; run with the Python of a venv that has aider-chat.

Prints one JSON object: cold and warm seconds and the map's size. Token counts use the same
4-chars-per-token estimate as devagent (Aider's own counter would download a tokenizer).
Usage: python aider_repomap_probe.py ROOT FILE_LIST MAP_TOKENS
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path


class EstimateModel:
    """Stands in for aider's Model: only token counting is used by RepoMap."""

    def token_count(self, text: str) -> int:
        return (len(text) + 3) // 4


class QuietIO:
    def read_text(self, fname: str) -> str | None:
        try:
            return Path(fname).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    def tool_output(self, *args: object, **kwargs: object) -> None: ...

    def tool_warning(self, *args: object, **kwargs: object) -> None: ...

    def tool_error(self, *args: object, **kwargs: object) -> None: ...


def main() -> None:
    from aider.repomap import RepoMap

    root, listing, map_tokens = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files = [str(Path(root) / line) for line in Path(listing).read_text().splitlines() if line]
    shutil.rmtree(Path(root) / RepoMap.TAGS_CACHE_DIR, ignore_errors=True)
    timings, text = [], ""
    for _ in range(2):  # a fresh RepoMap each time: the second run reuses only the disk cache
        repo_map = RepoMap(
            map_tokens=map_tokens, root=root, main_model=EstimateModel(), io=QuietIO()
        )
        started = time.perf_counter()
        text = repo_map.get_repo_map(chat_files=[], other_files=files) or ""
        timings.append(time.perf_counter() - started)
    shutil.rmtree(Path(root) / RepoMap.TAGS_CACHE_DIR, ignore_errors=True)
    print(json.dumps({"cold": timings[0], "warm": timings[1], "chars": len(text)}))


if __name__ == "__main__":
    main()
