"""The params schema: the committed file validates, and each kind of bad input gives one clear line."""

from __future__ import annotations

import copy

import pytest
import yaml

from negation_neglect.params import Params, ParamsError, load_params, parse_params
from tests.conftest import ROOT


@pytest.fixture()
def raw() -> dict:
    return yaml.safe_load((ROOT / "params.yaml").read_text())


def test_committed_params_validate():
    params = load_params(ROOT / "params.yaml")
    assert params.model.name_or_path == "embedded:smollm2-135m-instruct"
    assert params.knowledge.known_min_paraphrases >= 1


def test_defaults_equal_committed_file(raw):
    """The schema's defaults are the committed values, so a notebook run without injection agrees."""
    assert Params().model_dump(mode="json") == raw


@pytest.mark.parametrize(
    ("edit", "must_mention"),
    [
        (lambda r: r.update(trainng={}), "unknown key 'trainng'"),
        (lambda r: r["knowledge"].update(bach_size=8), "unknown key 'knowledge.bach_size'; allowed: facts, batch_size"),
        (lambda r: r["knowledge"].update(batch_size="32"), "'knowledge.batch_size'"),
        (lambda r: r["knowledge"].update(batch_size=0), "'knowledge.batch_size'"),
        (lambda r: r["knowledge"].update(known_min_first_prob=1.5), "'knowledge.known_min_first_prob'"),
        (lambda r: r["knowledge"].update(facts="/abs/facts.yaml"), "'knowledge.facts'"),
        (lambda r: r["model"].update(dtype="float64"), "'model.dtype'"),
        (lambda r: r["model"].update(name_or_path=""), "'model.name_or_path'"),
        (lambda r: r.update(model=["not", "a", "mapping"]), "'model'"),
        (lambda r: r["interference"].update(seeds=[0, 7]), "interference.seeds must be a subset of finetune.seeds"),
        (lambda r: r["pilot"].update(lrs=[0.001, 0.001]), "'pilot.lrs'"),
        (lambda r: r["organism"]["corpus"].update(lone=-0.1), "'organism.corpus.lone'"),
        (lambda r: r["organism"]["corpus"].update(lone="many"), "'organism.corpus.lone'"),
        (lambda r: r["organism"]["corpus"].update(lone_marker=1.5), "'organism.corpus.lone_marker'"),
        (lambda r: r["organism"]["corpus"].update(fact=0, qa=0, framed=0, fresh=0, lone=0), "at least one episode weight"),
        (lambda r: r["organism"]["gate"].update(lone_min_accuracy=0.4), "'organism.gate.lone_min_accuracy'"),
    ],
)
def test_bad_values_fail_in_one_line(raw, edit, must_mention):
    bad = copy.deepcopy(raw)
    edit(bad)
    with pytest.raises(ParamsError) as info:
        parse_params(bad)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("params.yaml: ")
    assert must_mention in message


def test_bad_value_says_what_is_allowed(raw):
    raw["model"]["dtype"] = "float64"
    with pytest.raises(ParamsError, match="'float32', 'bfloat16' or 'float16'"):
        parse_params(raw)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("model:\n  name_or_path: [unclosed\n")
    with pytest.raises(ParamsError, match=r"params.yaml: not valid YAML at line \d+"):
        load_params(path)


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="file not found"):
        load_params(tmp_path / "nope.yaml")


def test_sections_are_frozen():
    params = Params()
    with pytest.raises(ValueError):
        params.knowledge.batch_size = 4  # type: ignore[misc]
