"""`devagent images`: build the base image or a repository's env image, prune unused env images."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from devagent.commands.flags import epilog
from devagent.errors import DevagentError

if TYPE_CHECKING:
    from sandbox.leftovers import Leftovers

BASE_IMAGE = "devagent/base:latest"
DEFAULT_OLDER_THAN = "14d"

PRUNE_EPILOG = (
    epilog(
        """
devagent images prune --dry-run          what would go: env images unused for 14 days
devagent images prune --older-than 2d    remove those unused for two days
devagent images prune --all --json       every unused env image; the result as JSON""",
        environment=False,
    )
    + """

Only devagent/env and devagent/envdeps images are removed; never the base image, never an image
a container (running or stopped) was created from. An image's last use is the last time
devagent reused it (or built it). A venv volume (devagent-venv-*, an env's /opt/venv) goes when
no image names it any more and no container mounts it. What a build killed outright left (its
build container, its untagged image) goes whatever the age; a live build's is kept."""
)


def add_parser(sub: Any) -> None:
    images = sub.add_parser("images", help="sandbox images: build, prune")
    images_sub = images.add_subparsers(dest="images_command", required=True, metavar="ACTION")
    ensure = images_sub.add_parser("ensure", help="build the base image unless it exists")
    ensure.add_argument("--rebuild", action="store_true", help="build even if present")
    ensure.add_argument("--repo", type=Path, default=None, help="also the repo's env image")
    env = images_sub.add_parser("env", help="build (or reuse) the environment image of a repo")
    env.add_argument("path", type=Path, nargs="?", default=Path("."), help="the repository")
    env.add_argument("--rebuild", action="store_true", help="build even if present")
    prune = images_sub.add_parser(
        "prune",
        help="remove environment images not used lately",
        epilog=PRUNE_EPILOG,
    )
    prune.add_argument(
        "--older-than",
        default=DEFAULT_OLDER_THAN,
        metavar="DURATION",
        help="remove env images unused for this long, e.g. 36h, 14d",
    )
    prune.add_argument(
        "--all", action="store_true", help="every env image no container uses, whatever its age"
    )
    prune.add_argument("--dry-run", action="store_true", help="list what would go; remove nothing")
    prune.add_argument("--json", action="store_true", help="print the result as JSON on stdout")


def run(args: argparse.Namespace, console: Console, err_console: Console) -> int:
    if args.images_command == "prune":
        return prune(args, console)
    from devagent.commands.progress import SetupProgress
    from devagent.config import host_environ, load_settings
    from sandbox import images
    from sandbox.hostconfig import read_host_config

    settings = load_settings({}, None)
    host = read_host_config(environ=host_environ(settings, os.environ))
    # one progress line (the step n/N of a build); every build line with --verbose
    with SetupProgress(err_console, verbose=getattr(args, "verbose", False)) as status:
        if args.images_command == "ensure":
            image_id = images.ensure_base_image(rebuild=args.rebuild, host=host, on_progress=status)
            console.print(f"{BASE_IMAGE} ready ({image_id[:19]})")
        repo = args.repo if args.images_command == "ensure" else args.path
        if repo is not None:
            spec = load_settings({}, repo.resolve()).environment
            tag = images.ensure_env_image(
                repo.resolve(), env=spec, host=host, rebuild=args.rebuild, on_progress=status
            )
            console.print(f"{tag} ready for {repo}")
    return 0


def older_than_seconds(text: str) -> float:
    """`--older-than` in seconds: 90s, 10m, 36h, 14d, 2w."""
    from devagent.agent.budget import parse_duration

    units = {"d": 86400.0, "w": 604800.0}
    value = text.strip().lower()
    try:
        if value[-1:] in units:
            return float(value[:-1]) * units[value[-1]]
        return parse_duration(value)
    except ValueError:
        raise DevagentError(
            f"--older-than {text}: not a duration; use e.g. 36h, 14d or 2w"
        ) from None


def prune(args: argparse.Namespace, console: Console) -> int:
    from sandbox.client import docker_client
    from sandbox.imagestore import list_env_images, prunable, remove_images
    from sandbox.leftovers import find_leftovers, remove_leftovers
    from sandbox.venvvolume import unused_volumes

    older_than_s = 0.0 if args.all else older_than_seconds(args.older_than)
    client = docker_client()
    now = time.time()
    every = list_env_images(client)
    chosen = prunable(every, now=now, older_than_s=older_than_s)
    if args.dry_run:
        removed: list[str] = []
        leftovers = find_leftovers(client)
        going = [i.id for i in chosen] + list(leftovers.images)
        volumes = unused_volumes(client, going, containers=leftovers.builds)
    else:
        removed = remove_images(client, chosen)
        leftovers = remove_leftovers(client)  # and the volumes nothing keeps now
        volumes = list(leftovers.volumes)
    if args.json:
        payload = {
            "dry_run": args.dry_run,
            "older_than_s": older_than_s,
            "candidates": [{**i.to_dict(), "idle_s": round(now - i.last_used)} for i in chosen],
            "removed": removed,
            "volumes": volumes,
            "leftovers": {"builds": leftovers.builds, "images": leftovers.images},
            "kept": len(every) - len(chosen),
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    verb = "would remove" if args.dry_run else "removed"
    _say_leftovers(console, verb, leftovers)
    gone = set(removed)
    for image in chosen:
        for tag in image.tags:
            if args.dry_run or tag in gone:
                idle = (now - image.last_used) / 86400
                console.print(f"{verb} {tag}  (unused {idle:.1f} days, {image.size / 1e9:.2f} GB)")
    count = sum(len(i.tags) for i in chosen) if args.dry_run else len(removed)
    for volume in volumes:
        console.print(f"{verb} venv volume {volume}")
    console.print(
        f"{verb} {count} env image tag(s) and {len(volumes)} venv volume(s);"
        f" kept {len(every) - len(chosen)} in use or recent"
    )
    return 0


def _say_leftovers(console: Console, verb: str, leftovers: Leftovers) -> None:
    for name in leftovers.builds:
        console.print(f"{verb} build container {name} (its build was killed)")
    for image in leftovers.images:
        short = image.removeprefix("sha256:")[:12]
        console.print(f"{verb} untagged image {short} (a killed build's)")
