"""Benchmark: the cold build of each real task's env image (both layers), pip vs uv.

For each task in tasks/real (in id order, `--tasks id,id` to limit), from its base sdist tree
dated at the sdist's upload time, the dependency image and the project image are built twice
as sandbox.pyimage builds them, and timed from the first build step to the last:

(a) pip: the same recipe with pip (>= 26, in the build's tools venv) as the installer
    (`PythonEnvRequest.installer = "pip"`, which only this script sets). Same versions: pip
    gets the same date cut as uv through its own option (`--uploaded-prior-to`, from
    PIP_UPLOADED_PRIOR_TO); the spec's pins become constraints (pip has no overrides).
(b) uv: the production recipe (`uv pip install --exclude-newer`), with what it shares between
    repositories (the tools venv layer, shared per base image through Docker's layer cache).

"Cold" means no image of that repository exists: each build's spec.json carries a nonce, so
Docker's layer cache can give nothing from the repository's manifests on (not even from an
earlier run of devagent itself), while the layers before them (base image, tools venv) are
shared as they are in production. A first, fully cold build of the first task (no layer cache
at all, for both installers) is reported apart. The two installers alternate which goes first
from task to task. Images are tagged under `devagent-imgbench/` and labelled
`devagent.imgbench`; only those are removed (at the end, and leftovers of an earlier run at the
start); nothing is pruned.

    python bench/imagebuild_bench.py [--tasks id,id] [--no-fully-cold]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Literal

import docker
import docker.errors

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devagent.bench.realtask import RealTask, load_real_tasks  # noqa: E402
from devagent.bench.sdist import unpack_release  # noqa: E402
from sandbox.errors import SandboxError  # noqa: E402
from sandbox.hostconfig import HostIndexConfig, read_host_config  # noqa: E402
from sandbox.imagebuild import BuildSpec, run_build, write_context  # noqa: E402
from sandbox.images import IMAGES_DIR, ensure_base_image  # noqa: E402
from sandbox.pyimage import (  # noqa: E402
    PROJECT_RECIPE,
    SKIPPED_DIRS,
    PythonEnvRequest,
    deps_context,
    exclude_newer,
)
from sandbox.pyversion import choose_python, python_hints  # noqa: E402

REPOSITORY = "devagent-imgbench"
LABEL = "devagent.imgbench"
INSTALLERS = ("pip", "uv")


def request(client: docker.DockerClient, task: RealTask, tree: Path, host: HostIndexConfig):
    """The production request for `task`'s base sdist unpacked at `tree`."""
    release = unpack_release(task.project, task.base_version, tree)
    spec = task.environment
    interpreter = choose_python(python_hints(tree), spec.python)
    base_id = ensure_base_image(client=client, host=host, suite=interpreter.suite)
    return PythonEnvRequest(
        repo=tree,
        deps_repo=tree,
        spec=spec,
        interpreter=interpreter,
        base_id=base_id,
        host=host,
        images_dir=IMAGES_DIR,
        exclude_newer=exclude_newer(release.upload_time, spec),
    )


def build(client: docker.DockerClient, req: PythonEnvRequest, name: str, no_cache: bool) -> float:
    """Build both layers of `req` as `devagent-imgbench/{envdeps,env}:<name>`; seconds taken."""
    files = deps_context(req)
    spec = json.loads(files["spec.json"])
    files["spec.json"] = json.dumps({**spec, "bench_nonce": uuid.uuid4().hex}).encode()
    labels = {LABEL: "1"}
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="imgbench-deps-") as context:
        write_context(Path(context), files)
        deps = BuildSpec(Path(context), f"{REPOSITORY}/envdeps:{name}", {"BASE": req.base_id})
        deps_id = run_build(client, replace(deps, labels=labels, nocache=no_cache))
    with tempfile.TemporaryDirectory(prefix="imgbench-env-") as context:
        root = Path(context)
        shutil.copy(req.images_dir / "python" / PROJECT_RECIPE, root / "Dockerfile")
        ignore = shutil.ignore_patterns(*SKIPPED_DIRS)
        shutil.copytree(req.repo, root / "workspace", symlinks=True, ignore=ignore)
        env = BuildSpec(root, f"{REPOSITORY}/env:{name}", {"DEPS": deps_id}, labels, no_cache)
        run_build(client, env)
    return time.monotonic() - start


def timed(client: docker.DockerClient, req: PythonEnvRequest, name: str, no_cache: bool) -> float:
    """`build`'s seconds, NaN (and the error on stderr) when the build fails."""
    try:
        return build(client, req, name, no_cache)
    except SandboxError as exc:
        print(f"{name}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return float("nan")


def remove_bench_images(client: docker.DockerClient) -> None:
    """Remove the images this benchmark made (children first); nothing else."""
    images = client.images.list(filters={"label": LABEL})
    ours = [t for image in images for t in image.tags if t.startswith(f"{REPOSITORY}/")]
    for tag in sorted(ours, key=lambda t: not t.startswith(f"{REPOSITORY}/env:")):
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(tag)


def row(label: str, pip: float, uv: float) -> str:
    return f"{label:<40} {pip:>8.1f} {uv:>8.1f} {uv / pip:>7.2f}"


def run(tasks: list[RealTask], fully_cold: bool) -> None:
    client = docker.from_env(timeout=900)
    host = read_host_config()
    remove_bench_images(client)
    results: list[tuple[str, float, float]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="imgbench-trees-") as workdir:
            requests = [request(client, t, Path(workdir) / t.id, host) for t in tasks]
            if fully_cold:
                cold = {i: one(client, requests[0], i, "cold", no_cache=True) for i in INSTALLERS}
                print(row(f"fully cold: {tasks[0].id}", cold["pip"], cold["uv"]), flush=True)
            warm_up(client, requests)
            print(f"{'task':<40} {'pip s':>8} {'uv s':>8} {'uv/pip':>7}", flush=True)
            for n, (task, req) in enumerate(zip(tasks, requests, strict=True)):
                order = INSTALLERS if n % 2 == 0 else INSTALLERS[::-1]
                took = {i: one(client, req, i, task.id) for i in order}
                results.append((task.id, took["pip"], took["uv"]))
                print(row(task.id, took["pip"], took["uv"]), flush=True)
    finally:
        remove_bench_images(client)
    summary(results)


def one(
    client: docker.DockerClient,
    req: PythonEnvRequest,
    installer: Literal["uv", "pip"],
    name: str,
    no_cache: bool = False,
) -> float:
    return timed(client, replace(req, installer=installer), f"{name}-{installer}", no_cache)


def warm_up(client: docker.DockerClient, requests: list[PythonEnvRequest]) -> None:
    """One untimed build per Debian suite, so that the layers every repository shares (the
    tools venv) exist before the timed builds, as they do after a first build in production."""
    done: set[str] = set()
    for req in requests:
        if req.interpreter.suite not in done:
            done.add(req.interpreter.suite)
            seconds = one(client, req, "uv", f"warm-{req.interpreter.suite}")
            print(f"(warm-up on {req.interpreter.suite}: {seconds:.1f} s)", flush=True)


def summary(results: list[tuple[str, float, float]]) -> None:
    done = [(p, u) for _, p, u in results if p == p and u == u]
    if not done:
        print("no task built with both installers")
        return
    pip, uv = statistics.median(p for p, _ in done), statistics.median(u for _, u in done)
    ratio = statistics.median(u / p for p, u in done)
    print(f"{'median (' + str(len(done)) + ' tasks)':<40} {pip:>8.1f} {uv:>8.1f} {ratio:>7.2f}")
    print(f"median uv / median pip: {uv / pip:.2f} (target: < 0.50)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="", help="comma-separated task ids (default: all)")
    parser.add_argument("--no-fully-cold", action="store_true", help="skip the fully cold build")
    args = parser.parse_args()
    tasks = load_real_tasks([ROOT / "tasks" / "real"])
    if args.tasks:
        wanted = set(args.tasks.split(","))
        tasks = [t for t in tasks if t.id in wanted]
        missing = wanted - {t.id for t in tasks}
        if missing:
            parser.error(f"unknown task ids: {sorted(missing)}")
    run(tasks, fully_cold=not args.no_fully_cold)


if __name__ == "__main__":
    main()
