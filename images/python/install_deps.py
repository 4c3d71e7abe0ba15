"""Install a Python project's declared dependencies into the active venv, from its manifests only.

Runs inside the image build (python3 >= 3.11): `install_deps.py DIR`, where DIR holds the
project's pyproject.toml / setup.cfg / setup.py / requirements*.txt and nothing else. Installs
pytest, every requirements*.txt, the [project] dependencies and the test/dev extras and
dependency groups; then tries an editable install (for the project's metadata and entry points)
and adds a .pth so that /workspace/src and /workspace are importable whatever the layout.
"""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

EXTRAS = {"test", "tests", "testing", "dev"}
SELF_REFERENCE = re.compile(r"^\s*(-e|--editable)?\s*(\.|file:\.)(\[[^\]]*\])?\s*$")
NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
SELF_EXTRAS = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*\[([^\]]*)\]")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def filtered_requirement_files(root: Path) -> list[Path]:
    """Copies of requirements*.txt without lines that install the project itself (`-e .`)."""
    out = []
    for path in sorted(root.glob("requirements*.txt")):
        kept = [ln for ln in path.read_text().splitlines() if not SELF_REFERENCE.match(ln)]
        copy = path.with_name(".devagent-" + path.name)
        copy.write_text("\n".join(kept) + "\n")
        out.append(copy)
    return out


def with_extras(name: str, base: list[str], optional: dict[str, list[str]]) -> list[str]:
    """`base` plus the test/dev extras, following the project's references to its own extras
    (`name[extra]`) instead of asking the index for the project itself."""
    deps, seen = list(base), set()
    queue = [extra for extra in optional if extra in EXTRAS]
    while queue:
        extra = queue.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for dep in optional.get(extra, []):
            match = SELF_EXTRAS.match(dep)
            if match and normalise(match.group(1)) == normalise(name):
                queue.extend(x.strip() for x in match.group(2).split(","))
            else:
                deps.append(dep)
    return deps


def pyproject_requirements(root: Path) -> tuple[str, list[str]]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return "", []
    data = tomllib.loads(path.read_text())
    project = data.get("project", {})
    name = str(project.get("name", ""))
    deps = with_extras(
        name, list(project.get("dependencies", [])), project.get("optional-dependencies", {})
    )
    for group, values in data.get("dependency-groups", {}).items():
        if group in EXTRAS:
            deps.extend(v for v in values if isinstance(v, str))
    return name, deps


def setup_cfg_requirements(root: Path) -> tuple[str, list[str]]:
    path = root / "setup.cfg"
    if not path.is_file():
        return "", []
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    name = parser.get("metadata", "name", fallback="")
    base = parser.get("options", "install_requires", fallback="").splitlines()
    optional: dict[str, list[str]] = {}
    if parser.has_section("options.extras_require"):
        for extra, values in parser.items("options.extras_require"):
            optional[extra] = values.splitlines()
    return name, [d.strip() for d in with_extras(name, base, optional) if d.strip()]


def declared_requirements(root: Path) -> list[str]:
    """The project's declared requirements, minus references to the project itself."""
    names, deps = set(), []
    for name, found in (pyproject_requirements(root), setup_cfg_requirements(root)):
        names.add(normalise(name))
        deps.extend(found)
    kept = []
    for dep in deps:
        match = NAME.match(dep)
        if match and normalise(match.group(1)) not in names:
            kept.append(dep.strip())
    return kept


def pip(*args: str) -> int:
    print("+ pip install " + " ".join(args), flush=True)
    return subprocess.call([sys.executable, "-m", "pip", "install", *args])


def main(root: Path) -> int:
    args = ["pytest"]
    for path in filtered_requirement_files(root):
        args += ["-r", str(path)]
    args += declared_requirements(root)
    if pip(*args) != 0:
        print("error: installing the project's dependencies failed (see above)", flush=True)
        return 1
    site = Path(sysconfig.get_paths()["purelib"])
    (site / "devagent-workspace.pth").write_text("/workspace/src\n/workspace\n")
    has_build = (root / "pyproject.toml").is_file() or (root / "setup.py").is_file()
    (root / "src").mkdir(exist_ok=True)  # src layouts refuse to build without it
    editable = ("--no-deps", "-e", str(root))
    # The venv already holds setuptools and wheel: try without an isolated build env first
    # (no download); fall back to isolation for projects with another build backend.
    if has_build and pip("--no-build-isolation", *editable) != 0 and pip(*editable) != 0:
        print("note: no editable install from the manifests alone; using the .pth", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
