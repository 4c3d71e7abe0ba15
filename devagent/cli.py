"""Command-line entry point: argument parsing and dispatch only."""

from __future__ import annotations

import argparse
import sys

from devagent import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="devagent", description=__doc__)
    parser.add_argument("--version", action="version", version=f"devagent {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    images = sub.add_parser("images", help="sandbox images")
    images_sub = images.add_subparsers(dest="images_command", required=True)
    ensure = images_sub.add_parser("ensure", help="build the base image unless it exists")
    ensure.add_argument("--rebuild", action="store_true", help="build even if present")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "images":
        from sandbox.images import ensure_base_image

        ensure_base_image(rebuild=args.rebuild)
    return 0


if __name__ == "__main__":
    sys.exit(main())
