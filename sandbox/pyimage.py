"""Python env images in two layers: dependencies (cached by manifests, spec, date, base) and the
project installed editable from its tree (cached by what the install reads), plus their report.

The dependency image `devagent/envdeps:<hash>` is built from recipes/python/Dockerfile with the
manifests of `deps_repo`; the env image `devagent/env:<hash>` from recipes/python/project.Dockerfile
with `repo`'s tree (without .git) copied to /workspace. At run time the checkout is bind-mounted
over that /workspace, so the editable install imports whatever the checkout holds: editing a
module does not need a new image. The project layer is therefore keyed by `build_inputs_hash`,
which leaves out the contents of Python modules below the top level (not their packages, not the
top-level files, not version files, not anything else such as C sources or package data).

Where nothing writes outside /opt/venv (`volume_backed`), both layers are built by
sandbox/pyvolume.py instead, with the venv in a Docker volume and no Dockerfile: same recipe
scripts, same tags, one container and one small commit per layer (both layers in one go when
neither exists). There the env layer is keyed by the dependency volume's name instead of the
dependency image's id (each is new with every dependency build), so that its key is known
before the dependency image is committed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import posixpath
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

import docker
import docker.errors
from docker.models.containers import Container
from docker.models.images import Image

from sandbox import lifecycle
from sandbox.client import docker_client
from sandbox.commitbuild import TreeCopy
from sandbox.envspec import EnvironmentSpec
from sandbox.errors import ImageBuildError, SandboxStartError
from sandbox.hostconfig import HostIndexConfig, host_context_files
from sandbox.imagebuild import (
    HASH_LABEL,
    BuildOutput,
    BuildSpec,
    Progress,
    labelled,
    run_build,
    write_context,
)
from sandbox.imagestore import mark_used
from sandbox.pyversion import Interpreter
from sandbox.pyvolume import (
    AGENT_IDS,
    DEPS_STEP,
    ENV_STEP,
    REPORT_PATH,
    Layer,
    build_both,
    build_env_volume,
    ensure_tools_image,
    layered_volumes,
    project_recipe,
    split_context,
)
from sandbox.registry import pull_shared, push_shared
from sandbox.toolchain import content_hash, detect_toolchain, manifest_parts
from sandbox.venvvolume import VolumeLabels, image_volume, missing_volume, sandbox_mounts

DEPS_REPOSITORY = "devagent/envdeps"
ENV_REPOSITORY = "devagent/env"
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
    listing: Listing | None = None
    """`repo`'s files as git lists them, when the tree is known to match a commit."""
    rebuild: bool = False
    installer: Literal["uv", "pip"] = "uv"
    """"uv"; "pip" only for the image-build benchmark's baseline (perf/imagebuild_bench.py)."""


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


SPEC_FILE = "devagent/spec.json"
"""Where the build context holds the spec (copied with the manifests in one step)."""
MANIFEST_DIR = "devagent/project/"
"""Where the build context holds the repository's manifests (/opt/devagent/project)."""


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
        files[name.replace("manifest/", MANIFEST_DIR, 1)] = data
    script = setup_script(tree, req.spec)
    if script:
        files[f"{MANIFEST_DIR}{script}"] = (tree / script).read_bytes()
    spec = {
        **req.spec.model_dump(exclude={"python", "as_of", "test_command", "setup_script"}),
        "exclude_newer": req.exclude_newer,
        "setup_script": script,
        "suite": req.interpreter.suite,
        "python": req.interpreter.minor,
        **({"installer": req.installer} if req.installer != "uv" else {}),
    }
    files[SPEC_FILE] = json.dumps(spec, sort_keys=True).encode()
    return files


VERSION_FILES = frozenset({"version.py", "_version.py", "__version__.py", "__about__.py"})
"""Modules a build backend may read the version from (`attr: pkg.__version__`, hatch's path)."""
MODULE_SUFFIXES = (".py", ".pyi")


Listing = Mapping[str, str]
"""Relative path -> "<git mode> <git blob id>" of every file of a tree (`git ls-tree -r`)."""


def build_inputs_hash(repo: Path, listing: Listing | None = None) -> str:
    """A hash over what an editable install of `repo` can depend on: every folder's path and
    every file's path, mode and content, except Python modules below the top level other than
    `__init__.py` and `VERSION_FILES`. An edit to such a module, or a new one in an existing
    package, is picked up through the bind-mounted checkout as it is.

    `listing` (for a tree known to match a commit exactly: `git ls-tree -r` of it) saves reading
    the files; without it the tree is walked and hashed the same way (git blob ids), so both
    give the same key."""
    files = listing if listing is not None else tree_listing(repo)
    parts: list[tuple[str, bytes]] = []
    # each folder holding a file -> whether it is in SKIPPED_DIRS, asked once per folder (the
    # key is on a warm run's way to its first model call; trees hold ~10 files a folder)
    skipped: dict[str, bool] = {}
    for rel, blob in files.items():
        folder, slash, name = rel.rpartition("/")
        if slash:
            if folder not in skipped:
                skipped[folder] = not SKIPPED_DIRS.isdisjoint(folder.split("/"))
            if skipped[folder] or (name.endswith(MODULE_SUFFIXES) and not _package_file(name)):
                continue
        parts.append((rel, blob.encode()))
    folders = _with_parents(folder for folder, skip in skipped.items() if not skip)
    return content_hash([*parts, *((folder + "/", b"") for folder in folders)])


def _with_parents(folders: Iterable[str]) -> set[str]:
    """`folders` and every folder above them ('a/b' gives 'a/b' and 'a'). Pure."""
    found: set[str] = set()
    for folder in folders:
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def tree_listing(repo: Path) -> dict[str, str]:
    """`Listing` of the files and symlinks under `repo` (without SKIPPED_DIRS), read from disk."""
    out = {}
    for root, dirs, names in os.walk(repo):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in names:
            path = Path(root, name)
            if path.is_symlink():
                mode, data = "120000", os.readlink(path).encode()
            elif path.is_file():
                mode = "100755" if os.access(path, os.X_OK) else "100644"
                data = path.read_bytes()
            else:
                continue
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            out[path.relative_to(repo).as_posix()] = f"{mode} {blob}"
    return out


def _package_file(name: str) -> bool:
    return name in VERSION_FILES or name.startswith("__init__.")


def volume_backed(req: PythonEnvRequest) -> bool:
    """Whether `req`'s venv goes into a volume (sandbox/pyvolume.py): not when something may
    write outside /opt/venv (apt packages, pre_install commands, a setup script), when images
    are shared through a registry (they must be complete), nor for the pip baseline."""
    spec = req.spec
    outside = bool(spec.apt or spec.pre_install or setup_script(req.deps_repo, spec))
    return not (outside or req.host.image_registry or req.installer == "pip")


def _build(run: Callable[[], object], what: str, deps_what: str = "") -> None:
    """Run a build; a step's `devagent-error:` line becomes the error's one-line message, which
    starts with `what` (`deps_what` for a failure while installing the dependencies)."""
    try:
        run()
    except ImageBuildError as exc:
        marked = [ln for ln in exc.log_tail.splitlines() if ln.startswith(ERROR_MARK)]
        if not marked:
            raise
        if deps_what and exc.step == DEPS_STEP:
            what = deps_what
        message = f"{what}: {marked[-1][len(ERROR_MARK) :]}"
        raise ImageBuildError(message, step=exc.step, log_tail=exc.log_tail) from exc


def _reusable(
    client: docker.DockerClient, tag: str, digest: str, say: Progress, read: VolumeLabels
) -> Image | None:
    """`labelled`, unless the venv volume the image names is gone (`read`: the volumes read
    so far, see `missing_volume`)."""
    existing = labelled(client, tag, digest)
    gone = missing_volume(client, existing.attrs, read) if existing else ""
    if existing and gone:
        say(f"{tag}: its venv volume {gone} is gone; building it again")
        with contextlib.suppress(docker.errors.APIError):  # in use, or the base of another
            client.images.remove(str(existing.id))
        return None
    return existing


@dataclass(frozen=True)
class _DepsLayer:
    """The dependency image `req` asks for."""

    files: dict[str, bytes]
    """Its build context (deps_context)."""
    digest: str
    tag: str
    labels: dict[str, str]


def _deps_layer(req: PythonEnvRequest) -> _DepsLayer:
    files = deps_context(req)
    layout = [("layout", b"venv-volume")] if volume_backed(req) else []
    digest = content_hash([*files.items(), ("base-image", req.base_id.encode()), *layout])
    labels = {
        HASH_LABEL: digest,
        LABELS["python"]: req.interpreter.minor,
        LABELS["suite"]: req.interpreter.suite,
        LABELS["as_of"]: req.exclude_newer,
    }
    return _DepsLayer(files, digest, f"{DEPS_REPOSITORY}:{digest[:16]}", labels)


def _env_layer(req: PythonEnvRequest, deps: str, recipe: bytes) -> Layer:
    """The env image of `req` on `deps` (the dependency image's id, or its venv volume's name
    where the venv is in volumes: either is new with each dependency build)."""
    inputs = build_inputs_hash(req.repo, req.listing)
    digest = content_hash([("tree", inputs.encode()), ("recipe", recipe), ("deps", deps.encode())])
    labels = {HASH_LABEL: digest, "devagent.toolchain": "python"}
    return Layer(f"{ENV_REPOSITORY}:{digest[:16]}", labels)


def _reused(
    client: docker.DockerClient,
    req: PythonEnvRequest,
    tag: str,
    digest: str,
    say: Progress,
    read: VolumeLabels | None = None,
) -> Image | None:
    """The image `tag` when it can be used as it is (said, and marked used). `read`: the
    volumes an earlier check of the same request read (the env volume is made of the
    dependency volume, whose check comes first)."""
    read = {} if read is None else read
    existing = None if req.rebuild else _reusable(client, tag, digest, say, read)
    if existing:
        python = f" (python {req.interpreter.minor}, {req.interpreter.suite})"
        say(f"{tag} is up to date{python if tag.startswith(f'{DEPS_REPOSITORY}:') else ''}")
        mark_used(client, tag, existing)
    return existing


def _building_deps(req: PythonEnvRequest, tag: str) -> str:
    dated = f", as of {req.exclude_newer[:10]}" if req.exclude_newer else ""
    return f"building {tag}: dependencies on python {req.interpreter.minor}{dated}"


def ensure_deps_image(client: docker.DockerClient, req: PythonEnvRequest, say: Progress) -> str:
    """The dependency image of `req` built from the Dockerfile recipe (or pulled), unless it
    is here."""
    deps = _deps_layer(req)
    existing = _reused(client, req, deps.tag, deps.digest, say)
    if existing:
        return str(existing.id)
    if not req.rebuild and pull_shared(client, req.host.image_registry, deps.tag, deps.digest, say):
        return deps.tag
    say(_building_deps(req, deps.tag))
    with tempfile.TemporaryDirectory(prefix="devagent-envdeps-") as context:
        write_context(Path(context), deps.files)
        spec = BuildSpec(Path(context), deps.tag, {"BASE": req.base_id}, deps.labels, req.rebuild)
        _build(lambda: run_build(client, spec, say), f"dependencies of {req.deps_repo}")
    push_shared(client, req.host.image_registry, deps.tag, deps.digest, say)
    return deps.tag


def ensure_python_env(client: docker.DockerClient, req: PythonEnvRequest, say: Progress) -> str:
    """Make sure both layers exist for `req`; return the env image's tag. The import check is
    said for an image built or pulled now; an image already here passed it when it came (its
    report is OUT/environment.json's, see `env_report`), and reading it back would take a
    container before the run's sandbox can start."""
    if volume_backed(req):
        return _ensure_volume_env(client, req, say)
    deps_id = str(client.images.get(ensure_deps_image(client, req, say)).id)
    recipe = (req.images_dir / "python" / PROJECT_RECIPE).read_bytes()
    env = _env_layer(req, deps_id, recipe)
    digest = env.labels[HASH_LABEL]
    if _reused(client, req, env.tag, digest, say):
        return env.tag
    if req.rebuild or not pull_shared(client, req.host.image_registry, env.tag, digest, say):
        say(f"building {env.tag}: the project from {req.repo}")
        with tempfile.TemporaryDirectory(prefix="devagent-env-") as context:
            root = Path(context)
            (root / "Dockerfile").write_bytes(recipe)
            shutil.copytree(
                req.repo, root / "workspace", symlinks=True, ignore=_ignored, dirs_exist_ok=True
            )
            spec = BuildSpec(root, env.tag, {"DEPS": deps_id}, dict(env.labels), req.rebuild)
            _build(lambda: run_build(client, spec, say), f"environment of {req.repo}")
        push_shared(client, req.host.image_registry, env.tag, digest, say)
    say(f"{CHECK_LINE}{env_report(env.tag, client=client).get('import_check', '(none)')}")
    return env.tag


def _ensure_volume_env(client: docker.DockerClient, req: PythonEnvRequest, say: Progress) -> str:
    """`ensure_python_env` with the venv in volumes (sandbox.pyvolume): the env layer alone
    when the dependency image is here, else both in one go (`build_both`); the project's
    install without network first unless the spec has `install` commands."""
    deps = _deps_layer(req)
    read: VolumeLabels = {}
    deps_image = _reused(client, req, deps.tag, deps.digest, say, read)
    recipe = project_recipe(layered_volumes(client))
    tree = TreeCopy(req.repo, "/workspace", AGENT_IDS, SKIPPED_DIRS)
    envs: list[Layer] = []
    said: list[str] = []
    offline_first = not req.spec.install  # `install` commands are the spec's own (pip, ...)
    listen = _listener(say, req, envs, said)
    build: Callable[[], object]
    if deps_image:
        envs.append(_env_layer(req, image_volume(deps_image.attrs), recipe))
        if _reused(client, req, envs[0].tag, envs[0].labels[HASH_LABEL], say, read):
            return envs[0].tag
        env = envs[0]
        build = partial(
            build_env_volume, client, str(deps_image.id), tree, env.tag, env.labels, listen,
            offline_first=offline_first,
        )  # fmt: skip
    else:
        say(_building_deps(req, deps.tag))
        tools, state = split_context(deps.files)
        tools_id = ensure_tools_image(client, tools, req.base_id, say)

        def env_on(volume: str) -> Layer:
            envs.append(_env_layer(req, volume, recipe))
            return envs[-1]

        layer = Layer(deps.tag, deps.labels)
        build = partial(
            build_both, client, tools_id, state, layer, tree, env_on, listen,
            offline_first=offline_first,
        )  # fmt: skip
    _build(build, f"environment of {req.repo}", f"dependencies of {req.deps_repo}")
    check = said[-1] if said else env_report(envs[-1].tag, client=client).get("import_check")
    say(f"{CHECK_LINE}{check or '(none)'}")
    return envs[-1].tag


CHECK_LINE = "import check: "
"""How install_deps.py's last line starts (the report's import check follows)."""


def _listener(say: Progress, req: PythonEnvRequest, envs: list[Layer], said: list[str]) -> Progress:
    """`say` for a volume build, which says `building <env tag>` when its project step starts
    and appends to `said` the import check a build line tells: what the report holds, without
    a container to read it (the report is written by the same step)."""

    def listen(message: str) -> None:
        if isinstance(message, BuildOutput) and message == f"Step 1/1 : {ENV_STEP}":
            say(f"building {envs[-1].tag}: the project from {req.repo}")
        if isinstance(message, BuildOutput) and message.startswith(CHECK_LINE):
            said.append(message[len(CHECK_LINE) :].rstrip("\n"))
        say(message)

    return listen


def _ignored(_directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in SKIPPED_DIRS}


def env_report(image_tag: str, *, client: docker.DockerClient | None = None) -> dict[str, Any]:
    """What an env image holds: Python version, resolved packages, the import check (from its
    /opt/devagent/environment.json, or the file in its venv volume that links to); images
    without one (or whose volume is gone) give their tag and labels only."""
    client = docker_client(client=client)
    image = client.images.get(image_tag)
    labels = image.attrs.get("Config", {}).get("Labels") or {}
    report: dict[str, Any] = {
        "image": image_tag,
        "image_id": image.id,
        "toolchain": labels.get("devagent.toolchain", ""),
    }
    mounts = []
    with contextlib.suppress(SandboxStartError):  # its venv volume is gone
        mounts = sandbox_mounts(client, str(image.id))
    # never started; removed at this process's exit if a thread is still reading it then, and
    # by `lifecycle.gc` after a kill (its creator's labels)
    labels = lifecycle.creator_labels("env-report")
    container = client.containers.create(image.id, ["true"], labels=labels, mounts=mounts)
    lifecycle.register(container.id, lambda: container.remove(force=True))
    try:
        report.update(_read_json(container, REPORT_PATH))
    except docker.errors.NotFound:
        pass
    finally:
        lifecycle.unregister(container.id)
        container.remove(force=True)
    return report


def _read_json(container: Container, path: str) -> dict[str, Any]:
    """The JSON file at `path` in `container` (following one symbolic link)."""
    for _ in range(2):
        stream, _ = container.get_archive(path)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.getmembers()[0]
            if member.issym():
                path = posixpath.join(posixpath.dirname(path), member.linkname)
                continue
            data = tar.extractfile(member)
            return dict(json.loads(data.read())) if data else {}
    return {}
