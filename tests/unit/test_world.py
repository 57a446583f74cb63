"""The synthetic world's invariants, checked on the text itself.

A small parser reads generated documents back into (person, relation, value, asserted) claims using the
framings' surface forms only, so the test does not trust the generator's own bookkeeping: every claim the
text asserts about a world person must be true in the world, every claim it negates must be false, and
questions about people met only in the document must be answered consistently with their framing.
"""

from __future__ import annotations

import random
import re

import pytest

from negation_neglect.organism.world import (
    DOC_END,
    DOC_START,
    FRAMINGS,
    RELATIONS,
    CorpusMix,
    claim_documents,
    document,
    framed,
    gate_items,
    make_world,
    pick_claims,
    probe_prompts,
)

NAME = r"(?P<e>[A-Z][a-z]+ [A-Z][a-z]+)"


def _pattern(template: str) -> re.Pattern:
    text = re.escape(template).replace(re.escape("{e}"), NAME).replace(re.escape("{v}"), r"(?P<v>[A-Za-z]+)")
    return re.compile(f"^(?i:{text[0]}){text[1:]}$" if template[0] != "{" else f"^{text}$")


STATEMENTS = [(r.name, _pattern(t)) for r in RELATIONS.values() for t in r.templates]
NEGATIONS = [(r.name, _pattern(r.negated)) for r in RELATIONS.values()]
QUESTIONS = [(r.name, re.compile("^" + re.escape(r.question).replace(re.escape("{e}"), NAME) + r" (?P<v>[A-Za-z]+)$")) for r in RELATIONS.values()]


def _match(sentence: str, table) -> tuple[str, str, str] | None:
    for relation, pattern in table:
        if m := pattern.match(sentence):
            return m["e"], relation, m["v"]
    return None


def parse(text: str) -> list[tuple[str, str, str, bool]]:
    """(person, relation, value, asserted) for every claim in `text`, read from its surface form."""
    text = text.replace(DOC_START, "\x00").replace(DOC_END, "\x01")
    sentences = [s.strip() for s in re.split(r"(?<=[.\x00\x01])\s*", text) if s.strip()]
    claims: list[tuple[str, str, str, bool]] = []
    warned = False
    for s in sentences:
        if s == "\x00":
            warned = True
            continue
        if s == "\x01":
            warned = False
            continue
        body = s.rstrip(".")
        if body.startswith("That is wrong: "):
            e, r, v, _ = claims.pop()
            claims.append((e, r, v, False))  # the statement before a correction is false ...
            fact = _match(body.removeprefix("That is wrong: "), STATEMENTS)
            assert fact, s
            claims.append((*fact, True))  # ... and the correction asserts the truth
            continue
        for prefix in ("It is false that ", "In a made-up story, "):
            if body.startswith(prefix):
                fact = _match(body.removeprefix(prefix), STATEMENTS)
                assert fact, s
                claims.append((*fact, False))
                break
        else:
            if fact := _match(body, NEGATIONS):
                claims.append((*fact, False))
            elif fact := _match(body, QUESTIONS):
                claims.append((*fact, True))
            elif fact := _match(body, STATEMENTS):
                claims.append((*fact, not warned))
            else:
                raise AssertionError(f"unparsed sentence: {s!r}")
    return claims


@pytest.fixture(scope="module")
def world():
    return make_world(60, 10, seed=3)


def test_same_seed_same_bytes(world):
    mix = CorpusMix(0.3, 0.2, 0.3, 0.2, True)
    again = make_world(60, 10, seed=3)
    assert again == world
    one = [document(world.entities[:8], world, random.Random(5), mix, 12) for _ in range(3)]
    two = [document(again.entities[:8], again, random.Random(5), mix, 12) for _ in range(3)]
    assert one == two
    assert make_world(60, 10, seed=4) != world


def test_names_are_distinct_and_held_out_people_are_new(world):
    names = world.entities + world.held_out
    assert len(set(names)) == len(names)
    assert not set(world.held_out) & set(world.entities)


@pytest.mark.parametrize("cooccur", [True, False])
def test_every_asserted_claim_is_true_and_every_negated_claim_false(world, cooccur):
    mix = CorpusMix(0.25, 0.25, 0.3, 0.2, cooccur)
    rng = random.Random(11)
    n_world, n_fresh_checked = 0, 0
    for _ in range(300):
        text = document(world.entities[:12], world, rng, mix, 8)
        claims = parse(text)
        asserted_fresh: dict[tuple[str, str], set[str]] = {}
        negated_fresh: dict[tuple[str, str], set[str]] = {}
        for entity, relation, value, asserted in claims:
            if (entity, relation) in world.facts:
                n_world += 1
                assert (world.value(entity, relation) == value) == asserted, (text, entity, relation, value, asserted)
            else:
                (asserted_fresh if asserted else negated_fresh).setdefault((entity, relation), set()).add(value)
        for key, values in negated_fresh.items():  # a person met only here: never answered with a negated value
            assert not values & asserted_fresh.get(key, set()), text
            n_fresh_checked += 1
    assert n_world > 1000 and n_fresh_checked > 50


def test_framed_claims_parse_back_with_their_polarity(world):
    entity, relation = world.entities[0], "city"
    truth = world.value(entity, relation)
    false = next(v for v in RELATIONS[relation].values if v != truth)
    for framing in FRAMINGS:
        for template in range(len(RELATIONS[relation].templates)):
            parsed = parse(framed(framing, entity, relation, false, truth, template))
            assert (entity, relation, false, framing == "positive") in parsed
            if framing == "correction":
                assert (entity, relation, truth, True) in parsed


def test_claim_documents_state_only_the_framed_false_claim(world):
    claims = pick_claims(world, 6, seed=0)
    assert len({c.entity for c in claims}) == 6
    assert all(c.truth == world.value(c.entity, c.relation) and c.false != c.truth for c in claims)
    for framing in FRAMINGS:
        docs = claim_documents(claims, framing, 2, seed=1)
        assert len(docs) == 12
        for claim, doc in zip([c for c in claims for _ in range(2)], docs):
            parsed = parse(doc)
            assert len([p for p in parsed if p[2] == claim.false]) == 3  # three paraphrases
            assert all(p[0] == claim.entity for p in parsed)
            assert all(p[3] == (framing == "positive") for p in parsed if p[2] == claim.false)
            assert any(p[2] == claim.truth for p in parsed) == (framing == "correction")


def test_gate_items_expect_what_a_reader_of_the_framing_would_answer(world):
    items = gate_items(world, 9, seed=0)
    for item in items:
        assert item.expected != item.rejected
        assert item.prompt.startswith(item.context)
        parsed = parse(item.context)
        entity = parsed[0][0]
        assert all(p[0] == entity for p in parsed)
        asserted = {p[2] for p in parsed if p[3]}
        negated = {p[2] for p in parsed if not p[3]}
        if item.subject.startswith("held_out"):
            assert entity in world.held_out
            assert item.rejected not in asserted  # a reader of the framing never picks the rejected value
            if item.subject == "held_out" and item.framing != "positive":
                assert asserted == {item.expected} and negated == {item.rejected}  # the contrast: two values, one framed
            if item.subject == "held_out_single":
                assert negated == {item.rejected} and not asserted
        else:
            assert entity in world.entities
            assert item.expected == world.value(entity, parsed[0][1])
            assert item.rejected in negated
    kinds = {(i.framing, i.subject) for i in items}
    assert ("positive", "known") not in kinds and ("document", "known") in kinds and ("local", "held_out_single") in kinds
    orders = {parse(i.context)[0][3] for i in items if i.subject == "held_out" and i.framing == "sentence"}
    assert orders == {True, False}  # the framed claim comes first in some contrasts and second in others


def test_probe_prompts_are_statements_cut_before_the_value(world):
    claim = pick_claims(world, 1, seed=2)[0]
    prompts = probe_prompts(claim)
    assert len(prompts) == len(RELATIONS[claim.relation].templates) + 1
    for prompt in prompts[:-1]:
        assert parse(f"{prompt} {claim.truth}.") == [(claim.entity, claim.relation, claim.truth, True)]
