"""`devagent config`: the person's config file (path, list, get, set, unset), checked against
the settings' schema before anything is written. The settings are imported when the command
runs, not when its flags are built on every start of the CLI."""

from __future__ import annotations

import argparse
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console

from devagent.errors import DevagentError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "config",
        help="your settings file: path, list, get KEY, set KEY VALUE, unset KEY",
        description="Read and change ~/.config/devagent/config.toml (or $DEVAGENT_CONFIG). "
        "Keys are dotted: budget.max_usd, agent.command_timeout, chat.auto. "
        "Example: devagent config set budget.max_time 20m",
    )
    actions = p.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    actions.add_parser("path", help="where your config file is")
    listing = actions.add_parser("list", help="every setting in effect here, and its value")
    listing.add_argument("--json", action="store_true", help="as one JSON object")
    get = actions.add_parser("get", help="one setting in effect here")
    get.add_argument("key", help="a dotted key, e.g. budget.max_usd")
    put = actions.add_parser("set", help="write a setting to your config file")
    put.add_argument("key", help="a dotted key, e.g. budget.max_usd")
    put.add_argument("value", help='a TOML value (3.5, true, ["a"]) or plain text')
    unset = actions.add_parser("unset", help="remove a setting from your config file")
    unset.add_argument("key", help="a dotted key, e.g. budget.max_usd")


def run(args: argparse.Namespace, console: Console) -> int:
    from devagent.config import user_config_path

    env = os.environ
    path = user_config_path(env)
    if args.config_command == "path":
        console.print(str(path), highlight=False, soft_wrap=True)
        return 0
    if args.config_command in ("list", "get"):
        data = effective(Path.cwd(), env)
        if args.config_command == "get":
            console.print(_show(lookup(data, args.key)), highlight=False, soft_wrap=True)
        elif args.json:
            console.print_json(json.dumps(data))
        else:
            for key, value in flatten(data):
                console.print(f"{key} = {_show(value)}", highlight=False, soft_wrap=True)
        return 0
    text = path.read_text() if path.is_file() else ""
    new = (
        with_value(text, args.key, parse_value(args.value))
        if args.config_command == "set"
        else without_value(text, args.key)
    )
    check(new, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(new)
    tmp.replace(path)
    console.print(f"{args.key} {'set' if args.config_command == 'set' else 'removed'} in {path}")
    return 0


def effective(repo: Path, env: Mapping[str, str]) -> dict[str, Any]:
    """The settings in effect for `repo` (flags aside), as JSON-ready data."""
    from devagent.config import load_settings

    top = repo if (repo / ".git").exists() or (repo / "devagent.toml").exists() else None
    return json.loads(load_settings({}, top, env).model_dump_json())


def flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out += flatten(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def lookup(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise DevagentError(f"no setting {key!r}; `devagent config list` shows them all")
        node = node[part]
    return node


def parse_value(text: str) -> Any:
    """A TOML value (numbers, booleans, arrays, quoted strings), else the text as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def with_value(text: str, key: str, value: Any) -> str:
    """`text` (a TOML document) with `key` (dotted) set, comments and layout kept."""
    import tomlkit

    doc = tomlkit.parse(text)
    *tables, leaf = key.split(".")
    node: Any = doc
    for part in tables:
        if part not in node:
            node[part] = tomlkit.table()
        node = node[part]
    node[leaf] = value
    return tomlkit.dumps(doc)


def without_value(text: str, key: str) -> str:
    import tomlkit

    doc = tomlkit.parse(text)
    *tables, leaf = key.split(".")
    node: Any = doc
    for part in tables:
        node = node.get(part) if hasattr(node, "get") else None
    if node is None or leaf not in node:
        raise DevagentError(f"{key} is not set in your config file")
    del node[leaf]
    return tomlkit.dumps(doc)


def check(text: str, path: Path) -> None:
    """Refuse a file the settings would not load (unknown key, wrong type), naming the key."""
    from pydantic import ValidationError

    from devagent.config import ConfigError, Settings
    from devagent.problems import key_line, located, problems

    try:
        Settings.model_validate(tomllib.loads(text))
    except ValidationError as exc:
        first = problems(exc)[0]
        at = located(str(path), key_line(text, first.loc))
        raise ConfigError(f"{at}: {first.key}: {first.message} (the file is unchanged)") from None


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value
