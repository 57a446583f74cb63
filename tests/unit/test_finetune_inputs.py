"""The retention component: known facts as plain sentences, minus anything that touches the claim."""

from __future__ import annotations

from negation_neglect.measure.knowledge import load_facts
from negation_neglect.train.finetune import retention_sentences
from tests.conftest import ROOT

FACTS = ROOT / "data/knowledge/facts.yaml"


def test_retention_uses_known_facts_and_skips_the_claims_answers():
    facts = {f.id: f for f in load_facts(FACTS)}
    knowledge = {"facts": [{"id": "capital_uk", "known": True}, {"id": "symbol_gold", "known": True},
                           {"id": "capital_france", "known": False}]}
    sentences = retention_sentences(knowledge, FACTS, exclude_answers={"Au", "Ag"})
    assert sentences == [f"{p} London." for p in facts["capital_uk"].prompts]
