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


def pyproject_requirements(root: Path) -> tuple[str, list[str]]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return "", []
    data = tomllib.loads(path.read_text())
    project = data.get("project", {})
    deps = list(project.get("dependencies", []))
    for extra, values in project.get("optional-dependencies", {}).items():
        if extra in EXTRAS:
            deps.extend(values)
    for group, values in data.get("dependency-groups", {}).items():
        if group in EXTRAS:
            deps.extend(v for v in values if isinstance(v, str))
    return str(project.get("name", "")), deps


def setup_cfg_requirements(root: Path) -> tuple[str, list[str]]:
    path = root / "setup.cfg"
    if not path.is_file():
        return "", []
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    deps = parser.get("options", "install_requires", fallback="").splitlines()
    if parser.has_section("options.extras_require"):
        for extra, values in parser.items("options.extras_require"):
            if extra in EXTRAS:
                deps.extend(values.splitlines())
    return parser.get("metadata", "name", fallback=""), [d for d in deps if d.strip()]


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
    if has_build and pip("--no-deps", "-e", str(root)) != 0:
        print("note: no editable install from the manifests alone; using the .pth", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
