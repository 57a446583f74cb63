"""The layering rule: pooling, verdict and report code never imports the model stack.

Measure code (torch) writes tidy tables; pool code turns tables into summaries; verdicts turn summaries
into verdicts; figures, paper, README and the summary notebooks read only those. So every module of the
pooling and report packages must import without torch, transformers or peft, each in a fresh interpreter
(an earlier import in the test process would hide the leak).
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

MODEL_STACK = ("torch", "transformers", "peft")
PACKAGES = ("negation_neglect.pool", "negation_neglect.report")
MODULES = ("negation_neglect.mixing.pool", "negation_neglect.organism.pool")  # may not exist yet: skipped then


def _torch_free_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        path = ROOT / "src" / package.replace(".", "/")
        names += [package, *(f"{package}.{m.name}" for m in pkgutil.iter_modules([str(path)]))]
    return names + list(MODULES)


def _exists(module: str) -> bool:
    path = ROOT / "src" / module.replace(".", "/")
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & {stack})))
"""


@pytest.mark.parametrize("module", _torch_free_modules())
def test_module_imports_without_the_model_stack(module):
    if not _exists(module):
        pytest.skip(f"{module} does not exist (yet)")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", PROBE.format(stack=repr(set(MODEL_STACK))), module],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert not loaded, f"importing {module} loads {', '.join(loaded)}"
