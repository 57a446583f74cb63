"""dvc.yaml's deps match what each stage's code imports (else editing a module would not rerun its stage)."""

from pathlib import Path

import yaml

from negation_neglect.pipeline.deps import check, closure, stage_code

ROOT = Path(__file__).resolve().parents[2]


def test_every_stage_lists_exactly_the_modules_it_imports(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert check() == {}


def _tiny_project(tmp_path: Path, deps: list[str]) -> None:
    pkg = tmp_path / "src/negation_neglect"
    (pkg / "pool").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "pool/__init__.py").write_text("")
    (pkg / "params.py").write_text("from negation_neglect.pool import extra\n")  # schema: never followed
    (pkg / "pool/extra.py").write_text("")
    (pkg / "pool/stats.py").write_text("def f():\n    from negation_neglect.files import write_json\n")
    (pkg / "files.py").write_text("")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks/07.py").write_text("from negation_neglect.params import load\nfrom negation_neglect.pool.stats import f\n")
    stage = {"cmd": "python -m negation_neglect.pipeline.runner notebooks/07.py out.ipynb", "deps": deps}
    (tmp_path / "dvc.yaml").write_text(yaml.safe_dump({"stages": {"pool": stage}}))


def test_a_module_imported_inside_a_function_is_a_dependency(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _tiny_project(tmp_path, ["notebooks/07.py", "src/negation_neglect/pool/stats.py"])
    assert check() == {"pool": {"missing": ["src/negation_neglect/files.py"], "unused": []}}


def test_a_listed_module_the_code_does_not_use_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    deps = ["src/negation_neglect/pool/stats.py", "src/negation_neglect/files.py", "src/negation_neglect/pool/extra.py"]
    _tiny_project(tmp_path, deps)
    assert check() == {"pool": {"missing": [], "unused": ["src/negation_neglect/pool/extra.py"]}}


def test_the_schema_and_its_imports_are_not_dependencies(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _tiny_project(tmp_path, [])
    entry, needed = stage_code("python -m negation_neglect.pipeline.runner notebooks/07.py out.ipynb")
    assert entry == Path("notebooks/07.py")
    assert needed == {"src/negation_neglect/pool/stats.py", "src/negation_neglect/files.py"}
    assert Path("src/negation_neglect/params.py") in closure(entry)


def test_the_package_has_no_import_cycle():
    """Module-level imports only (imports inside functions run late and cannot deadlock an import)."""
    import ast

    src = ROOT / "src"
    graph = {}
    for path in (src / "negation_neglect").rglob("*.py"):
        module = ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        targets = set()
        for node in ast.parse(path.read_text()).body:  # top level; `if TYPE_CHECKING:` blocks are not imports
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("negation_neglect"):
                targets |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        graph[module] = targets
    graph = {m: {t for t in ts if t in graph and t != m} for m, ts in graph.items()}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for t in sorted(graph[m]):
            assert state.get(t) != 1, "import cycle: " + " -> ".join(trail + [m, t])
            if t not in state:
                visit(t, trail + [m])
        state[m] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
