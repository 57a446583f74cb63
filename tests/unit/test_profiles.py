"""Params profiles: the overrides a profile's header documents set exactly the profile's values, over
params.yaml, and the result validates (checked with DVC's own override code)."""

from __future__ import annotations

import pytest
import yaml

from negation_neglect.params import parse_params
from negation_neglect.pipeline import profiles
from tests.conftest import ROOT

PROFILES = sorted((ROOT / "profiles").glob("*.yaml"))


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
def test_documented_command_sets_exactly_the_profile(tmp_path, path):
    from dvc.utils.hydra import apply_overrides

    words = profiles.command(path)
    overrides, targets = profiles.overrides(words), profiles.targets(words)
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


def test_a_profile_command_must_be_a_temporary_experiment(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("# Runs in the workspace:\n#\n#   dvc exp run -n bad -S 'finetune.seeds=[0]' competition\n")
    with pytest.raises(ValueError, match="--temp"):
        profiles.command(bad)
    with pytest.raises(FileNotFoundError, match="no such profile"):
        profiles.command(tmp_path / "missing.yaml")


def test_print_shows_the_documented_command(capsys):
    assert profiles.main(["quick", "--print"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("dvc exp run --temp -n quick") and printed.rstrip().endswith("competition")
