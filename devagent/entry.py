"""The `devagent` console script: the provider SDK starts importing before the CLI loads.

Loading the CLI (its commands, the settings, the agent) takes about a third of a second and the
provider SDK about as long or longer; for `ci`, `bench` and `chat` the SDK's import goes on a
daemon thread first, so that it is done by the time the run's first model call needs it (the run
mostly waits on git and Docker). Not for `solve`: its SDK client is made once its first request
is sent, and requests go over the wire until then (`devagent.llm.wire`); importing the SDK beside
the run's own start, under one interpreter lock, delayed that start by about as long as the SDK's
import (measured: first model call 1.48 s instead of 2.04 s, median of 5, on a kept workspace of
5,000 files, 2 busy cores)."""

from __future__ import annotations

import importlib
import itertools
import os
import sys
import threading
from collections.abc import Mapping

RUN_COMMANDS = frozenset({"ci", "bench", "chat"})
"""The commands whose SDK is imported before the CLI loads (see the module doc)."""

_started: set[str] = set()
"""The SDKs whose import this process has started."""


def sdk_for(argv: list[str], env: Mapping[str, str]) -> str | None:
    """The provider SDK a run will import (its import takes about half a second), guessed from
    `--model` or DEVAGENT_MODEL before anything else is done; None when no model is called."""
    if not RUN_COMMANDS & set(argv) or {"-h", "--help"} & set(argv):
        return None
    spec = env.get("DEVAGENT_MODEL", "")
    for flag, value in itertools.pairwise(argv):
        if flag == "--model":
            spec = value
    provider = spec.partition(":")[0]
    if provider in ("scripted", "replay", "oracle"):
        return None
    if provider == "anthropic" or (not provider and env.get("ANTHROPIC_API_KEY")):
        return "anthropic"
    return "openai"


def prefetch_sdk(argv: list[str], env: Mapping[str, str]) -> str | None:
    """Start importing `sdk_for(argv, env)` on a daemon thread (once per process; the run waits
    on the import lock if it needs the SDK sooner); the SDK's name, or None."""
    sdk = sdk_for(argv, env)
    if sdk and sdk not in _started:
        _started.add(sdk)
        name = f"devagent-import-{sdk}"
        threading.Thread(
            target=importlib.import_module, args=(sdk,), name=name, daemon=True
        ).start()
    return sdk


def main() -> int:
    prefetch_sdk(sys.argv[1:], os.environ)
    from devagent.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
