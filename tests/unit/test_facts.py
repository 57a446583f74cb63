"""The facts catalogue: the committed file is complete, and malformed entries are named precisely."""

from __future__ import annotations

import pytest
import yaml

from negation_neglect.measure.knowledge import FactFileError, load_facts
from tests.conftest import ROOT

FACTS = ROOT / "data" / "knowledge" / "facts.yaml"


def test_catalogue_size_and_shape():
    facts = load_facts(FACTS)
    assert len(facts) >= 30
    assert len({f.relation for f in facts}) >= 6
    assert all(len(f.prompts) >= 3 for f in facts)
    assert all(len(f.wrong) >= 2 for f in facts)
    assert {"sprint_2024_100m", "sheeran_profession"} <= {f.id for f in facts}


def _write(tmp_path, facts):
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump({"facts": facts}))
    return path


GOOD = {
    "id": "capital_x",
    "relation": "capital",
    "subject": "X",
    "answer": "Y",
    "wrong": ["A", "B"],
    "prompts": ["p one", "p two", "p three"],
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"prompts": ["only one", "two"]}, "prompts"),
        ({"prompts": ["trailing ", "b", "c"]}, "prompts"),
        ({"wrong": ["Y", "B"]}, "(fact)"),
        ({"id": "Bad Id"}, "id"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_malformed_fact_names_file_fact_and_field(tmp_path, change, field):
    path = _write(tmp_path, [GOOD, {**GOOD, "id": "second", **change}])
    with pytest.raises(FactFileError) as info:
        load_facts(path)
    message = str(info.value)
    assert str(path) in message and f"field '{field}'" in message
    assert "fact second" in message or "fact Bad Id" in message


def test_duplicate_ids(tmp_path):
    with pytest.raises(FactFileError, match="duplicate fact ids: capital_x"):
        load_facts(_write(tmp_path, [GOOD, GOOD]))


def test_not_a_list(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text("facts: 3\n")
    with pytest.raises(FactFileError, match="expected a mapping with a list under 'facts'"):
        load_facts(path)
