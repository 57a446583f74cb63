"""Params profiles: the overrides a profile's header documents set exactly the profile's values, over
params.yaml, and the result validates (checked with DVC's own override code)."""

from __future__ import annotations

import shlex

import pytest
import yaml

from negation_neglect.params import parse_params
from tests.conftest import ROOT

PROFILES = sorted((ROOT / "profiles").glob("*.yaml"))


def _documented_overrides(path) -> tuple[list[str], list[str]]:
    header = "".join(line[2:] for line in path.read_text().splitlines(keepends=True) if line.startswith("#   "))
    words = shlex.split(header.replace("\\\n", " "))
    assert words[:3] == ["dvc", "exp", "run"] and "--temp" in words, "a profile runs as a temporary experiment"
    overrides = [words[i + 1] for i, w in enumerate(words) if w == "-S"]
    targets = [w for i, w in enumerate(words[3:], 3) if not w.startswith("-") and words[i - 1] not in ("-S", "-n")]
    return overrides, targets


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
def test_documented_command_sets_exactly_the_profile(tmp_path, path):
    from dvc.utils.hydra import apply_overrides

    overrides, targets = _documented_overrides(path)
    copy = tmp_path / "params.yaml"
    copy.write_text((ROOT / "params.yaml").read_text())
    apply_overrides(copy, overrides)
    applied = yaml.safe_load(copy.read_text())
    profile = yaml.safe_load(path.read_text())
    raw = yaml.safe_load((ROOT / "params.yaml").read_text())
    for section, values in profile.items():
        assert {k: applied[section][k] for k in values} == values
        assert {k: v for k, v in applied[section].items() if k not in values} == {
            k: v for k, v in raw[section].items() if k not in values}
    parse_params(applied)
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    assert targets and all(t in stages for t in targets)
