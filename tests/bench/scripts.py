"""Load a script of tasks/ (not a package) as a module, for the tests of its pure parts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TASKS = Path(__file__).resolve().parents[2] / "tasks"


def load_tasks_script(name: str) -> ModuleType:
    """`tasks/<name>.py` imported as module `name`."""
    spec = importlib.util.spec_from_file_location(name, TASKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module
