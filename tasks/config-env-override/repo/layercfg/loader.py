"""load(): defaults < JSON file < environment."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from .coerce import coerce
from .errors import ConfigError
from .merge import deep_merge


def _from_file(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON: {exc}") from exc


def _from_env(config: dict[str, Any], env: Mapping[str, str], prefix: str) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for name, raw in env.items():
        if not name.startswith(prefix):
            continue
        key = name[len(prefix):].lower()
        overrides[key] = coerce(raw, config.get(key))
    return overrides


def load(
    defaults: dict[str, Any],
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    prefix: str = "APP_",
) -> dict[str, Any]:
    config = deep_merge(defaults, {})
    if path is not None:
        config = deep_merge(config, _from_file(Path(path)))
    env = os.environ if env is None else env
    return deep_merge(config, _from_env(config, env, prefix))
