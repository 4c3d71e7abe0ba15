"""The flag vocabulary every command shares: help layout, durations, deprecated spellings."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from typing import Any

log = logging.getLogger(__name__)

ENVIRONMENT = """\
environment variables:
  DEVAGENT_MODEL       the model when --model is not given, e.g. anthropic:claude-sonnet-4-5
  DEVAGENT_BASE_URL    OpenAI-compatible server (also OPENAI_BASE_URL)
  DEVAGENT_TOOL_PROTOCOL   native or text: how tools are offered to the model
  DEVAGENT_IMAGE       sandbox image instead of the repository's environment image
  DEVAGENT_RUNTIME     sandbox runtime, e.g. runsc (gVisor) instead of Docker's default
  DEVAGENT_CACHE_DIR   caches, kept workspaces, chat sessions (default ~/.cache/devagent)
  DEVAGENT_MAX_USD     the cost limit of a run
  DEVAGENT_REGISTRY    HOST:PORT of your image registry: env images pulled, not rebuilt
  DEVAGENT_CONFIG      your config file (default ~/.config/devagent/config.toml)
  ANTHROPIC_API_KEY, OPENAI_API_KEY   provider keys
  GITHUB_TOKEN         for --pr and devagent ci"""
"""The epilog's environment section; a test checks it names every variable config.py reads."""


def epilog(examples: str, *, environment: bool = True) -> str:
    """'examples:' and the environment variables, for a command's --help."""
    text = "examples:\n" + "\n".join(f"  {line}" for line in examples.strip().splitlines())
    return text + ("\n\n" + ENVIRONMENT if environment else "")


def add_runtime_flag(parser: argparse.ArgumentParser) -> None:
    """--runtime NAME: the Docker runtime sandboxes run under (runsc: gVisor)."""
    parser.add_argument(
        "--runtime",
        default=None,
        metavar="NAME",
        help="Docker runtime of the sandbox: runsc runs it under gVisor (default: Docker's)",
    )


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Epilogs as written; each flag's default appended to its help unless it says it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        shown = default not in (None, False, [], argparse.SUPPRESS) and not isinstance(
            default, bool
        )
        if shown and action.option_strings and "default" not in text and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


def use_formatter(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Give `parser` and every subcommand's parser the `HelpFormatter`."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                use_formatter(sub)
    return parser


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line: `error: <what>` and where to look."""

    def error(self, message: str) -> Any:
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def duration_text(text: str) -> str:
    """An argparse type: `text` unchanged once it reads as a duration (90s, 10m, 1h30m)."""
    duration(text)
    return text


def duration(text: str) -> float:
    """An argparse type: seconds from '90', '90s', '10m', '1h30m'."""
    from devagent.agent.budget import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


class DeprecatedAlias(argparse.Action):
    """An old spelling of a flag: hidden from --help, still accepted, with a warning."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        self.replacement: str = kwargs.pop("replacement")
        kwargs["help"] = argparse.SUPPRESS
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        log.warning("%s is deprecated; use %s", option_string, self.replacement)
        setattr(namespace, self.dest, values)


def deprecated(parser: Any, old: str, new: str, dest: str, **kwargs: Any) -> None:
    """Accept `old` as a hidden alias of `new` (same destination)."""
    parser.add_argument(old, dest=dest, action=DeprecatedAlias, replacement=new, **kwargs)


NETWORK_HELP = (
    "give the sandbox network access: all of it, or with allow:LIST only LIST (comma-separated "
    "host, host:port, *.domain; `registries` = your pip and npm indexes), through a proxy that "
    "logs to OUT/egress.jsonl"
)


class NetworkFlag(argparse.Action):
    """`--network` alone (True) or `--network allow:LIST` (checked now). Another word after it
    is the positional argument `spill` it would have been without the flag (`--network x.md`):
    kept as `<spill>_after_network`, since argparse sets the positional after this runs."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        self.spill: str | None = kwargs.pop("spill", None)
        kwargs |= {"nargs": "?", "const": True, "metavar": "allow:LIST"}
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        from devagent.config import network_setting

        if isinstance(values, str) and not values.startswith(("allow:", "none", "bridge")):
            if self.spill is None:
                parser.error(f"{option_string}: expected allow:LIST or nothing, not {values!r}")
            setattr(namespace, f"{self.spill}_after_network", values)
            values = True
        try:
            setattr(namespace, self.dest, network_setting(values))
        except ValueError as exc:
            parser.error(f"{option_string}: {exc}")


def add_network_flag(parser: Any, *, spill: str | None = None) -> None:
    """`--network [allow:LIST]` (default None: the settings decide)."""
    parser.add_argument(
        "--network", action=NetworkFlag, default=None, spill=spill, help=NETWORK_HELP
    )
