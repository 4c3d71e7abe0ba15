"""`devagent completion bash|zsh|fish`: a completion script made from the argument parser
itself (bash and zsh by shtab; fish written here from the same parser)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

SHELLS = ("bash", "zsh", "fish")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh, fish)",
        description="Print a completion script for your shell. Examples:\n"
        "  devagent completion bash > ~/.local/share/bash-completion/completions/devagent\n"
        "  devagent completion zsh > ~/.zfunc/_devagent   (with fpath+=~/.zfunc)\n"
        "  devagent completion fish > ~/.config/fish/completions/devagent.fish",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", choices=SHELLS, help="the shell the script is for")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.shell == "fish":
        sys.stdout.write(fish_script(parser))
    else:
        import shtab

        sys.stdout.write(shtab.complete(parser, shell=args.shell))
    return 0


def fish_script(parser: argparse.ArgumentParser, prog: str = "devagent") -> str:
    """`complete` lines for every subcommand (nested ones too) and every option."""
    lines = [f"complete -c {prog} -f"]
    lines += _options(parser, prog, "__fish_use_subcommand")
    lines += _commands(parser, prog, [])
    return "\n".join(lines) + "\n"


def _commands(parser: argparse.ArgumentParser, prog: str, path: list[str]) -> list[str]:
    lines: list[str] = []
    for action in parser._actions:  # argparse keeps subcommands only there
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help or "" for a in action._choices_actions}
        seen = " ".join(path) or ""
        when = "__fish_use_subcommand" if not path else f"__fish_seen_subcommand_from {seen}"
        for name, sub in action.choices.items():
            help_text = _quote(helps.get(name, ""))
            lines.append(f"complete -c {prog} -n '{when}' -a {name} -d {help_text}")
            condition = f"__fish_seen_subcommand_from {name}"
            lines += _options(sub, prog, condition)
            lines += _commands(sub, prog, [*path, name])
    return lines


def _options(parser: argparse.ArgumentParser, prog: str, condition: str) -> list[str]:
    lines = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or not action.option_strings:
            continue
        if action.help == argparse.SUPPRESS:  # a deprecated spelling: accepted, not offered
            continue
        flags = []
        for option in action.option_strings:
            if option.startswith("--"):
                flags.append(f"-l {option[2:]}")
            elif len(option) == 2:
                flags.append(f"-s {option[1]}")
        wants = "-r" if action.nargs != 0 else ""
        choices = f"-a {_quote(' '.join(map(str, action.choices)))}" if action.choices else ""
        help_text = _quote((action.help or "").replace("%(default)s", str(action.default)))
        parts = [f"complete -c {prog} -n '{condition}'", *flags, wants, choices, f"-d {help_text}"]
        lines.append(" ".join(part for part in parts if part))
    return lines


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
