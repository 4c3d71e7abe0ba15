"""Sandbox images: the base image, its offline rootfs bootstrap, and per-repository env images.

`ensure_base_image` builds `devagent/base:latest` from recipes/base/Dockerfile, on top of
`debian:bookworm-slim` when a registry can be reached, otherwise on a rootfs made with
debootstrap from the host's Debian mirror (recipes/bootstrap-rootfs.sh). `ensure_env_image` builds
`devagent/env:<hash>` for a repository from recipes/<toolchain>/Dockerfile, its dependency
manifests and the host's index configuration. Every image carries the hash of what it was built
from as a label, so an unchanged recipe is never built twice.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from collections import deque
from importlib import resources
from pathlib import Path
from typing import Any

import docker
import docker.errors

from sandbox.client import docker_client
from sandbox.envspec import EnvironmentSpec
from sandbox.errors import ImageBuildError
from sandbox.hostconfig import (
    HostIndexConfig,
    describe,
    host_context_files,
    image_registry,
    read_host_config,
)
from sandbox.imagebuild import (
    HASH_LABEL,
    TAIL_LINES,
    BuildOutput,
    BuildSpec,
    Progress,
    labelled_image,
    run_build,
    write_context,
)
from sandbox.imagestore import mark_used
from sandbox.pyimage import (
    ENV_REPOSITORY,
    Listing,
    PythonEnvRequest,
    ensure_python_env,
    exclude_newer,
)
from sandbox.pyimage import env_report as python_env_report
from sandbox.pyversion import choose_python, python_hints
from sandbox.registry import pull_shared, push_shared
from sandbox.toolchain import (
    Toolchain,
    ToolchainKind,
    content_hash,
    detect_toolchain,
    manifest_parts,
)

IMAGES_DIR = Path(str(resources.files("sandbox").joinpath("recipes")))
"""The image recipes, package data of `sandbox` (sandbox/recipes/): the same files in a checkout,
an installed wheel or `pip install .`. Docker builds need them as a directory on disk."""
BASE_TAG = "devagent/base:latest"
ROOTFS_REPOSITORY = "devagent/rootfs"
ROOTFS_TAG = "devagent/rootfs:bookworm"
DEFAULT_SUITE = "bookworm"
SUITES = ("bookworm", "bullseye", "trixie")
"""Debian suites the offline bootstrap makes base images of (python3 3.11, 3.9, 3.13)."""
TOOLCHAIN_LABEL = "devagent.toolchain"
IMAGE_CA_PATH = "/etc/ssl/certs/devagent-ca.crt"

__all__ = [
    "BASE_TAG",
    "DEFAULT_SUITE",
    "ENV_REPOSITORY",
    "HASH_LABEL",
    "IMAGES_DIR",
    "ROOTFS_TAG",
    "SUITES",
    "base_recipe_hash",
    "base_tag",
    "bootstrap_script",
    "ensure_base_image",
    "ensure_env_image",
    "env_context_files",
    "env_report",
]


def _quiet(_: str) -> None:
    return None


@functools.lru_cache(maxsize=1)
def _host_config_of_this_process() -> HostIndexConfig:
    return read_host_config()


def base_tag(suite: str = DEFAULT_SUITE) -> str:
    """`devagent/base:latest` for bookworm, `devagent/base:<suite>` for the other suites."""
    return BASE_TAG if suite == DEFAULT_SUITE else f"devagent/base:{suite}"


def base_recipe_hash(images_dir: Path = IMAGES_DIR, suite: str = DEFAULT_SUITE) -> str:
    """Hash of the base Dockerfile and the bootstrap script (what the base image is built from),
    and of the suite when it is not bookworm."""
    names = ("base/Dockerfile", "bootstrap-rootfs.sh")
    missing = [name for name in names if not (images_dir / name).is_file()]
    if missing:
        raise ImageBuildError(
            f"image recipes not found: {', '.join(missing)} under {images_dir} "
            "(the sandbox package is installed without its recipes: reinstall it, or pass "
            "images_dir=)",
            step="read recipes",
        )
    parts = [(name, (images_dir / name).read_bytes()) for name in names]
    return content_hash(parts + ([("suite", suite.encode())] if suite != DEFAULT_SUITE else []))


def ensure_base_image(
    *,
    rebuild: bool = False,
    client: docker.DockerClient | None = None,
    on_progress: Progress | None = None,
    host: HostIndexConfig | None = None,
    images_dir: Path = IMAGES_DIR,
    suite: str = DEFAULT_SUITE,
) -> str:
    """Make sure the base image of Debian `suite` (`devagent/base:latest` for bookworm) exists
    and matches recipes/base; return its image id.

    `host` defaults to this host's configuration (apt mirror for the build and the bootstrap).
    `rebuild` rebuilds the base image without the layer cache; a cached offline rootfs is still
    reused. With a registry (`host.image_registry`, else $DEVAGENT_REGISTRY) the registry's copy
    is the base when it has one; otherwise the local one is pushed there."""
    if suite not in SUITES:
        raise ImageBuildError(
            f"unknown Debian suite {suite!r} (known: {', '.join(SUITES)})", step="base image"
        )
    return _base_image(docker_client(client=client), on_progress, host, images_dir, suite, rebuild)


def _base_image(
    client: docker.DockerClient,
    on_progress: Progress | None,
    host: HostIndexConfig | None,
    images_dir: Path,
    suite: str,
    rebuild: bool = False,
) -> str:
    """`ensure_base_image` on a client that has just answered (`suite` one of SUITES)."""
    say = on_progress or _quiet
    tag = base_tag(suite)
    digest = base_recipe_hash(images_dir, suite)
    registry = host.image_registry if host else image_registry()
    # with a registry, its copy is every machine's base (env images are keyed by the base's id)
    shared = None if rebuild else pull_shared(client, registry, tag, digest, say)
    if shared:
        return shared
    existing = None if rebuild else labelled_image(client, tag, digest)
    if existing:
        say(f"{tag} is up to date ({existing[:19]})")
        if registry:
            push_shared(client, registry, tag, digest, say)
        return existing
    host = host or _host_config_of_this_process()
    say(f"building {tag} ({describe(host)})")
    base = _debian_base(client, host, say, images_dir, suite)
    # The recipe writes bookworm's apt sources; other suites keep those of their rootfs.
    mirrors = suite == DEFAULT_SUITE
    buildargs = {
        "BASE": base,
        "APT_MIRROR": host.apt_mirror if mirrors else "",
        "APT_SECURITY_MIRROR": host.apt_security_mirror if mirrors else "",
    }
    spec = BuildSpec(images_dir / "base", tag, buildargs, {HASH_LABEL: digest}, rebuild)
    image_id = run_build(client, spec, say)
    push_shared(client, registry, tag, digest, say)
    return image_id


def _debian_base(
    client: docker.DockerClient, host: HostIndexConfig, say: Progress, images_dir: Path, suite: str
) -> str:
    """debian:<suite>-slim when present or pullable, otherwise the bootstrapped rootfs."""
    registry_base = f"debian:{suite}-slim"
    try:
        client.images.get(registry_base)
        return registry_base
    except docker.errors.ImageNotFound:
        pass
    try:
        say(f"pulling {registry_base}")
        client.images.pull(registry_base)
        return registry_base
    except docker.errors.APIError as exc:
        say(f"cannot pull {registry_base} ({exc.explanation}); using the offline bootstrap")
    return _ensure_rootfs(client, host, say, images_dir, suite)


def bootstrap_script(images_dir: Path, suite: str) -> bytes:
    """bootstrap-rootfs.sh for `suite`: the script names its suite in one `SUITE=` line, which
    is rewritten for suites other than bookworm (bookworm's script is the file itself)."""
    text = (images_dir / "bootstrap-rootfs.sh").read_bytes()
    line = f"\nSUITE={DEFAULT_SUITE}\n".encode()
    if line not in text:
        raise ImageBuildError("bootstrap-rootfs.sh lacks its SUITE= line", step="read recipes")
    return text.replace(line, f"\nSUITE={suite}\n".encode(), 1)


def _ensure_rootfs(
    client: docker.DockerClient, host: HostIndexConfig, say: Progress, images_dir: Path, suite: str
) -> str:
    """The debootstrapped `devagent/rootfs:<suite>`, made once per script and mirror."""
    script = bootstrap_script(images_dir, suite)
    tag = f"{ROOTFS_REPOSITORY}:{suite}"
    digest = content_hash([("script", script), ("mirror", host.apt_mirror.encode())])
    if labelled_image(client, tag, digest):
        say(f"reusing {tag}")
        return tag
    step = f"debootstrap --variant=minbase {suite} from {host.apt_mirror or '(no mirror)'}"
    if not host.apt_mirror:
        raise ImageBuildError(
            "no Debian mirror found in the host's apt sources (/etc/apt/sources.list, "
            "sources.list.d/*.sources); the offline bootstrap needs one",
            step=step,
        )
    say(f"bootstrapping {tag}: {step} (about a minute)")
    with tempfile.NamedTemporaryFile("wb", prefix="devagent-bootstrap-", suffix=".sh") as copy:
        copy.write(script)
        copy.flush()
        argv = ["bash", copy.name, host.apt_mirror, tag, f"{HASH_LABEL}={digest}"]
        _run_streamed(argv, step=step, say=say)
    return tag


def _run_streamed(argv: list[str], *, step: str, say: Progress) -> None:
    """Run a command, passing its output lines on; a failure raises with the log's tail."""
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    try:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
    except OSError as exc:
        raise ImageBuildError(f"{step}: cannot run {argv[0]}: {exc}", step=step) from exc
    assert proc.stdout is not None
    with proc:
        for raw in proc.stdout:
            line = raw.rstrip()
            tail.append(line)
            say(BuildOutput(line))
    if proc.returncode != 0:
        log_tail = "\n".join(tail)
        raise ImageBuildError(
            f"{step} failed (exit {proc.returncode})\n--- last lines ---\n{log_tail}",
            step=step,
            log_tail=log_tail,
        )


def env_context_files(
    repo: Path, toolchain: Toolchain, host: HostIndexConfig, images_dir: Path = IMAGES_DIR
) -> dict[str, bytes]:
    """The build context of an env image: the toolchain's recipe files, the host's index
    configuration and CA bundle under host/, and the repository's manifests under manifests/."""
    files: dict[str, bytes] = {}
    recipe = images_dir / toolchain.name
    for path in sorted(recipe.iterdir()):
        if path.is_file():
            files[path.name] = path.read_bytes()
    files.update(host_context_files(host, IMAGE_CA_PATH))
    for name, data in manifest_parts(repo, toolchain):
        files[name.replace("manifest/", "manifests/", 1)] = data
    return files


def ensure_env_image(  # noqa: PLR0913 (the public interface, keyword-only)
    repo: Path,
    *,
    env: EnvironmentSpec | None = None,
    as_of: str | None = None,
    deps_repo: Path | None = None,
    client: docker.DockerClient | None = None,
    on_progress: Progress | None = None,
    rebuild: bool = False,
    host: HostIndexConfig | None = None,
    images_dir: Path = IMAGES_DIR,
    listing: Listing | None = None,
) -> str:
    """Make sure the env image for `repo` exists; return its tag (`devagent/base:latest` when no
    toolchain is recognised).

    `deps_repo` (default `repo`) is the tree whose manifests give the dependencies; `env` is the
    repository's [environment]; `as_of` (an ISO date or time) resolves unpinned Python
    requirements to what was uploaded by that day. Python images install the project from
    `repo`'s tree and check that it imports from /workspace (see sandbox.pyimage; `listing`,
    when the tree is known to match a commit, saves reading its files for the key); other
    toolchains hash their manifests, the recipe, the index configuration and the base image."""
    client = docker_client(client=client)
    say = on_progress or _quiet
    spec = env or EnvironmentSpec()
    deps_tree = deps_repo or repo
    toolchain = detect_toolchain(deps_tree)
    host = host or _host_config_of_this_process()
    if toolchain.kind is ToolchainKind.PYTHON:
        interpreter = choose_python(python_hints(deps_tree), spec.python)
        say(f"python {interpreter.minor} ({interpreter.suite})")
        base_id = _base_image(client, say, host, images_dir, interpreter.suite)
        request = PythonEnvRequest(
            repo=repo,
            deps_repo=deps_tree,
            spec=spec,
            interpreter=interpreter,
            base_id=base_id,
            host=host,
            images_dir=images_dir,
            exclude_newer=exclude_newer(as_of, spec),
            rebuild=rebuild,
            listing=listing,
        )
        return ensure_python_env(client, request, say)
    base_id = _base_image(client, say, host, images_dir, DEFAULT_SUITE)
    if toolchain.kind is ToolchainKind.BASE:
        return BASE_TAG
    files = env_context_files(deps_tree, toolchain, host, images_dir)
    digest = content_hash([*files.items(), ("base-image", base_id.encode())])
    tag = f"{ENV_REPOSITORY}:{digest[:16]}"
    if not rebuild and labelled_image(client, tag, digest):
        say(f"{tag} is up to date ({toolchain.name}: {', '.join(toolchain.manifests)})")
        mark_used(client, tag)
        return tag
    if not rebuild and pull_shared(client, host.image_registry, tag, digest, say):
        return tag
    say(f"building {tag} for {toolchain.name} ({', '.join(toolchain.manifests)})")
    with tempfile.TemporaryDirectory(prefix="devagent-env-") as context:
        write_context(Path(context), files)
        labels = {HASH_LABEL: digest, TOOLCHAIN_LABEL: toolchain.name}
        spec_ = BuildSpec(Path(context), tag, {"BASE": base_id}, labels, rebuild)
        run_build(client, spec_, say)
    push_shared(client, host.image_registry, tag, digest, say)
    return tag


def env_report(image_tag: str, *, client: docker.DockerClient | None = None) -> dict[str, Any]:
    """What the env image `image_tag` holds (Python: interpreter, packages, import check)."""
    return python_env_report(image_tag, client=docker_client(client=client))
