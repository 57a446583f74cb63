"""Which package modules each DVC stage runs, computed from its imports, so dvc.yaml's `deps` can be checked.

A stage's code is its notebook (or the module it runs with `-m`) plus every module of this package that
those import, transitively, including imports inside functions. DVC only reruns a stage when a listed
dependency changes, so a module missing from `deps` lets `dvc status` call stale results up to date.
Three modules are never deps: the runner and the schema validate and record without changing results
(listing them would rerun the whole grid after any edit), and the timing record writes outside DVC.

    python -m negation_neglect.pipeline.deps            # stages whose deps differ from their imports
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import yaml

PACKAGE = "negation_neglect"
SRC = Path("src") / PACKAGE
NOT_DEPS = frozenset({"pipeline/runner.py", "params.py", "pipeline/timing.py"})
_MODULE_ARG = re.compile(rf"-m ({PACKAGE}(?:\.\w+)+)")
_NOTEBOOK_ARG = re.compile(r"(notebooks/\S+\.py)")


def _module_file(dotted: str, src: Path) -> Path | None:
    """`negation_neglect.pool.stats` -> src/negation_neglect/pool/stats.py (or a package's __init__.py)."""
    parts = dotted.split(".")[1:]
    if not parts:
        return None
    base = src.joinpath(*parts)
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def direct_imports(path: Path, src: Path = SRC) -> set[Path]:
    """Package files that one source file imports (absolute `negation_neglect...` imports only)."""
    found: set[Path] = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.startswith(PACKAGE):
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise ValueError(f"{path}: relative import at line {node.lineno}; use `from {PACKAGE}... import`")
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith(PACKAGE + ".")]
        for name in names:
            target = _module_file(name, src)
            if target is not None:
                found.add(target)
    return found


def closure(entry: Path, src: Path = SRC) -> set[Path]:
    """`entry` and every package file it reaches through imports (not through the files in NOT_DEPS)."""
    skip = {src / n for n in NOT_DEPS}
    seen, todo = set(), [Path(entry)]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if path not in skip:
            todo.extend(direct_imports(path, src) - seen)
    return seen


def stage_code(cmd: str, src: Path = SRC) -> tuple[Path, set[str]]:
    """The entry file of a stage command and the package files (as dvc.yaml paths) it needs as deps."""
    notebook, module = _NOTEBOOK_ARG.search(cmd), _MODULE_ARG.findall(cmd)
    runs = [m for m in module if not m.endswith("pipeline.runner")]
    if notebook:
        entry = Path(notebook.group(1))
    elif runs:
        entry = _module_file(runs[0], src)
    else:
        raise ValueError(f"stage command runs neither a notebook nor a package module: {cmd!r}")
    files = closure(entry, src)
    needed = {p.as_posix() for p in files if p.is_relative_to(src) and p.name != "__init__.py"}
    needed -= {(src / n).as_posix() for n in NOT_DEPS}
    return entry, needed


def check(dvc_yaml: str | Path = "dvc.yaml", src: Path = SRC) -> dict[str, dict[str, list[str]]]:
    """Per stage whose package deps differ from its code: the files `missing` from deps and the `unused` ones."""
    stages = yaml.safe_load(Path(dvc_yaml).read_text())["stages"]
    problems = {}
    for name, stage in stages.items():
        body = stage.get("do", stage)
        _, needed = stage_code(" ".join(str(body["cmd"]).split()), src)
        listed = {d if isinstance(d, str) else next(iter(d)) for d in body.get("deps", [])}
        listed = {d for d in listed if d.startswith(src.as_posix() + "/")}
        missing, unused = sorted(needed - listed), sorted(listed - needed)
        if missing or unused:
            problems[name] = {"missing": missing, "unused": unused}
    return problems


if __name__ == "__main__":
    report = check()
    for stage, diff in report.items():
        print(f"{stage}: missing {diff['missing']} unused {diff['unused']}")
    sys.exit(1 if report else 0)
