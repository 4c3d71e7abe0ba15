"""Python env images in two layers: dependencies (cached by manifests, spec, date, base) and the
project installed editable from its tree (cached by the tree's content), plus their report.

The dependency image `devagent/envdeps:<hash>` is built from images/python/Dockerfile with the
manifests of `deps_repo`; the env image `devagent/env:<hash>` from images/python/project.Dockerfile
with `repo`'s tree (without .git) copied to /workspace. Hashing the tree reads every file once:
the cost grows with the repository's size (a few MB in a fraction of a second).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import docker
import docker.errors

from sandbox.envspec import EnvironmentSpec
from sandbox.errors import ImageBuildError
from sandbox.hostconfig import HostIndexConfig, host_context_files
from sandbox.imagebuild import (
    HASH_LABEL,
    BuildSpec,
    Progress,
    labelled_image,
    run_build,
    write_context,
)
from sandbox.pyversion import Interpreter
from sandbox.toolchain import content_hash, detect_toolchain, manifest_parts

DEPS_REPOSITORY = "devagent/envdeps"
ENV_REPOSITORY = "devagent/env"
REPORT_PATH = "/opt/devagent/environment.json"
SETUP_SCRIPT = ".devagent/setup.sh"
PROJECT_RECIPE = "project.Dockerfile"
SKIPPED_DIRS = frozenset({".git", ".tox", ".nox", ".venv", "__pycache__", ".pytest_cache"})
ERROR_MARK = "devagent-error: "
LABELS = {"python": "devagent.python", "suite": "devagent.suite", "as_of": "devagent.as_of"}


@dataclass(frozen=True)
class PythonEnvRequest:
    """One Python env image: the trees it is made of and how."""

    repo: Path
    """The project layer's tree."""
    deps_repo: Path
    """The tree whose manifests give the dependencies (usually `repo`)."""
    spec: EnvironmentSpec
    interpreter: Interpreter
    base_id: str
    host: HostIndexConfig
    images_dir: Path
    exclude_newer: str = ""
    """uv's --exclude-newer (an RFC 3339 time), "" for no date filter."""
    rebuild: bool = False
    installer: Literal["uv", "pip"] = "uv"
    """"uv"; "pip" only for the image-build benchmark's baseline (bench/imagebuild_bench.py)."""


def exclude_newer(as_of: str | None, spec: EnvironmentSpec) -> str:
    """The date filter: the spec's as_of ("none" disables it) or the given one, truncated to
    its UTC day and ending with that day (one dependency image per day)."""
    value = spec.as_of or as_of
    if not value or value == "none":
        return ""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    day = (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    return f"{day.isoformat()}T23:59:59Z"


def setup_script(tree: Path, spec: EnvironmentSpec) -> str:
    """The repository's setup script (relative path), "" when there is none."""
    name = spec.setup_script or (SETUP_SCRIPT if (tree / SETUP_SCRIPT).is_file() else "")
    if name and not (tree / name).is_file():
        raise ImageBuildError(f"[environment] setup_script {name!r} not found in {tree}")
    return name


def deps_context(req: PythonEnvRequest) -> dict[str, bytes]:
    """The dependency image's build context: recipe, host config, manifests, spec.json."""
    recipe = req.images_dir / "python"
    files = {
        p.name: p.read_bytes()
        for p in sorted(recipe.iterdir())
        if p.is_file() and p.name != PROJECT_RECIPE
    }
    files.update(host_context_files(req.host, "/etc/ssl/certs/devagent-ca.crt"))
    tree = req.deps_repo
    for name, data in manifest_parts(tree, detect_toolchain(tree)):
        files[name.replace("manifest/", "manifests/", 1)] = data
    script = setup_script(tree, req.spec)
    if script:
        files[f"manifests/{script}"] = (tree / script).read_bytes()
    spec = {
        **req.spec.model_dump(exclude={"python", "as_of", "test_command", "setup_script"}),
        "exclude_newer": req.exclude_newer,
        "setup_script": script,
        "suite": req.interpreter.suite,
        "python": req.interpreter.minor,
        **({"installer": req.installer} if req.installer != "uv" else {}),
    }
    files["spec.json"] = json.dumps(spec, sort_keys=True).encode()
    return files


def tree_paths(repo: Path) -> Iterator[Path]:
    """Files and symlinks of `repo`, without .git and tool caches, in a stable order."""
    for root, dirs, names in os.walk(repo):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(names):
            yield Path(root, name)


def tree_hash(repo: Path) -> str:
    parts = []
    for path in tree_paths(repo):
        rel = path.relative_to(repo).as_posix()
        data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
        parts.append((rel + (" ->" if path.is_symlink() else ""), data))
    return content_hash(parts)


def _build(client: docker.DockerClient, spec: BuildSpec, say: Progress, what: str) -> None:
    """Run a build; a step's `devagent-error:` line becomes the error's one-line message."""
    try:
        run_build(client, spec, say)
    except ImageBuildError as exc:
        marked = [ln for ln in exc.log_tail.splitlines() if ln.startswith(ERROR_MARK)]
        if not marked:
            raise
        message = f"{what}: {marked[-1][len(ERROR_MARK) :]}"
        raise ImageBuildError(message, step=exc.step, log_tail=exc.log_tail) from exc


def ensure_deps_image(client: docker.DockerClient, req: PythonEnvRequest, say: Progress) -> str:
    files = deps_context(req)
    digest = content_hash([*files.items(), ("base-image", req.base_id.encode())])
    tag = f"{DEPS_REPOSITORY}:{digest[:16]}"
    existing = None if req.rebuild else labelled_image(client, tag, digest)
    if existing:
        say(f"{tag} is up to date (python {req.interpreter.minor}, {req.interpreter.suite})")
        return existing
    dated = f", as of {req.exclude_newer[:10]}" if req.exclude_newer else ""
    say(f"building {tag}: dependencies on python {req.interpreter.minor}{dated}")
    labels = {
        HASH_LABEL: digest,
        LABELS["python"]: req.interpreter.minor,
        LABELS["suite"]: req.interpreter.suite,
        LABELS["as_of"]: req.exclude_newer,
    }
    with tempfile.TemporaryDirectory(prefix="devagent-envdeps-") as context:
        write_context(Path(context), files)
        spec = BuildSpec(Path(context), tag, {"BASE": req.base_id}, labels, req.rebuild)
        _build(client, spec, say, f"dependencies of {req.deps_repo}")
    return tag


def ensure_python_env(client: docker.DockerClient, req: PythonEnvRequest, say: Progress) -> str:
    """Make sure both layers exist for `req`; return the env image's tag."""
    deps_tag = ensure_deps_image(client, req, say)
    deps_id = str(client.images.get(deps_tag).id)
    recipe = (req.images_dir / "python" / PROJECT_RECIPE).read_bytes()
    digest = content_hash(
        [("tree", tree_hash(req.repo).encode()), ("recipe", recipe), ("deps", deps_id.encode())]
    )
    tag = f"{ENV_REPOSITORY}:{digest[:16]}"
    if req.rebuild or not labelled_image(client, tag, digest):
        say(f"building {tag}: the project from {req.repo}")
        with tempfile.TemporaryDirectory(prefix="devagent-env-") as context:
            root = Path(context)
            (root / "Dockerfile").write_bytes(recipe)
            shutil.copytree(
                req.repo, root / "workspace", symlinks=True, ignore=_ignored, dirs_exist_ok=True
            )
            labels = {HASH_LABEL: digest, "devagent.toolchain": "python"}
            spec = BuildSpec(root, tag, {"DEPS": deps_id}, labels, req.rebuild)
            _build(client, spec, say, f"environment of {req.repo}")
    else:
        say(f"{tag} is up to date")
    say(f"import check: {env_report(tag, client=client).get('import_check', '(none)')}")
    return tag


def _ignored(_directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in SKIPPED_DIRS}


def env_report(image_tag: str, *, client: docker.DockerClient | None = None) -> dict[str, Any]:
    """What an env image holds: Python version, resolved packages, the import check (from its
    /opt/devagent/environment.json); images without one give their tag and labels only."""
    client = client or docker.from_env(timeout=120)
    image = client.images.get(image_tag)
    labels = image.attrs.get("Config", {}).get("Labels") or {}
    report: dict[str, Any] = {
        "image": image_tag,
        "image_id": image.id,
        "toolchain": labels.get("devagent.toolchain", ""),
    }
    container = client.containers.create(image.id, ["true"], labels={"devagent.sandbox": "1"})
    try:
        stream, _ = container.get_archive(REPORT_PATH)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.extractfile(tar.getmembers()[0])
            report.update(json.loads(member.read()) if member else {})
    except docker.errors.NotFound:
        pass
    finally:
        container.remove(force=True)
    return report
