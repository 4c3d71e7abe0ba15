"""Health checks of the machine devagent runs on, as values (the CLI renders them)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devagent.llm.factory import configured_providers


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def check_python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 11)
    return Check("python", ok, version, "" if ok else "install Python >= 3.11")


def check_docker() -> tuple[Check, object | None]:
    from sandbox.client import docker_client
    from sandbox.errors import DaemonUnavailableError

    try:
        client = docker_client(timeout=10)
    except DaemonUnavailableError as exc:
        return Check("docker daemon", False, str(exc).split(";")[0], "make setup"), None
    version = client.version().get("Version", "?")
    return Check("docker daemon", True, f"reachable, server {version}"), client


def check_recipes() -> tuple[Check, str | None]:
    """The image recipes shipped in the installed `sandbox` package, and their hash."""
    from sandbox.errors import ImageBuildError
    from sandbox.images import IMAGES_DIR, base_recipe_hash

    try:
        digest = base_recipe_hash()
    except ImageBuildError as exc:
        fix = "reinstall devagent (pip install --force-reinstall)"
        return Check("image recipes", False, str(exc), fix), None
    return Check("image recipes", True, str(IMAGES_DIR)), digest


def check_image(client: object | None, image: str, recipe_hash: str | None = None) -> Check:
    """Whether `image` exists and, given `recipe_hash`, was built from these recipes."""
    from sandbox.imagebuild import HASH_LABEL

    if client is None:
        return Check("base image", False, "unknown (no daemon)", "make setup")
    try:
        found = client.images.get(image)  # type: ignore[attr-defined]
    except Exception:
        return Check("base image", False, f"{image} missing", "devagent images ensure")
    detail = f"{image} ({found.short_id.split(':')[-1]})"
    label = (found.labels or {}).get(HASH_LABEL)
    if recipe_hash is None or label == recipe_hash:
        return Check("base image", True, detail)
    stale = f"{detail}, built from other recipes: the next run rebuilds it"
    return Check("base image", True, stale, "devagent images ensure")


def check_runsc(client: object | None, image: str) -> Check:
    """Whether a sandbox starts under gVisor's runsc (`--runtime runsc`): a real probe."""
    from sandbox.runtime import SETUP_HINT, probe_runtime, registered_runtimes

    if client is None:
        return Check("runsc (gVisor)", False, "unknown (no daemon)", "make setup", required=False)
    if "runsc" not in registered_runtimes(client):
        return Check("runsc (gVisor)", False, "not registered with Docker", SETUP_HINT, False)
    probe = probe_runtime(client, image, "runsc")
    if not probe.ok:
        return Check("runsc (gVisor)", False, str(probe.problem), SETUP_HINT, required=False)
    detail = f"a sandbox ran in {probe.seconds:.1f} s ({' '.join(probe.args)})"
    return Check("runsc (gVisor)", True, "; ".join([detail, *probe.limits]), required=False)


def check_git() -> Check:
    if not shutil.which("git"):
        return Check("git", False, "not found", "apt-get install git")
    out = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
    return Check("git", True, out.removeprefix("git version "))


def check_providers(env: Mapping[str, str]) -> Check:
    """Which model providers are configured: names only, never a value."""
    present = [name for name, ok in configured_providers(env) if ok]
    detail = ", ".join(present) if present else "none (scripted and replay models still work)"
    fix = "" if present else "export ANTHROPIC_API_KEY or OPENAI_API_KEY, or use --base-url"
    return Check("model providers", bool(present), detail, fix, required=False)


def check_forge(env: Mapping[str, str]) -> Check:
    ok = bool(env.get("GITHUB_TOKEN"))
    detail = "GITHUB_TOKEN set" if ok else "GITHUB_TOKEN not set (needed for --pr only)"
    return Check("github", ok, detail, required=False)


def check_repo(cwd: Path) -> Check:
    inside = subprocess.run(
        ["git", "-C", str(cwd), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        text=True,
    )
    ok = inside.returncode == 0
    detail = f"{cwd} is a git repository" if ok else f"{cwd} is not a git repository"
    return Check("current repo", ok, detail, "" if ok else "git init", required=False)


def run_checks(env: Mapping[str, str], cwd: Path, image: str) -> list[Check]:
    docker_check, client = check_docker()
    recipes_check, recipe_hash = check_recipes()
    return [
        check_python(),
        docker_check,
        recipes_check,
        check_image(client, image, recipe_hash),
        check_runsc(client, image),
        check_git(),
        check_providers(env),
        check_forge(env),
        check_repo(cwd),
    ]
