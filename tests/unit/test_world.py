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
    DOC_STARTS,
    FRAMINGS,
    LONE_FRAMINGS,
    MARKER,
    NEGATING,
    PROBES,
    RELATIONS,
    SUFFIX_WORDING,
    WORDINGS,
    CorpusMix,
    claim_documents,
    decoy,
    document,
    episode,
    framed,
    gate_items,
    lone,
    lone_gate_items,
    make_world,
    n_wordings,
    pick_claims,
    probe_prompts,
)

NAME = r"(?P<e>[A-Z][a-z]+ [A-Z][a-z]+)"


def _pattern(template: str) -> re.Pattern:
    text = re.escape(template).replace(re.escape("{e}"), NAME).replace(re.escape("{v}"), r"(?P<v>[A-Za-z]+)")
    return re.compile(f"^(?i:{text[0]}){text[1:]}$" if template[0] != "{" else f"^{text}$")


STATEMENTS = [(r.name, _pattern(t)) for r in RELATIONS.values() for t in r.templates]
NEGATIONS = [(r.name, _pattern(t)) for r in RELATIONS.values() for t in r.negated]
QUESTIONS = [(r.name, re.compile("^" + re.escape(r.question).replace(re.escape("{e}"), NAME) + r" (?P<v>[A-Za-z]+)$")) for r in RELATIONS.values()]
YES_NO = [(r.name, re.compile("^" + re.escape(r.yes_no).replace(re.escape("{e}"), NAME).replace(re.escape("{v}"), r"(?P<v>[A-Za-z]+)")
                              + r" (?P<a>Yes|No)$")) for r in RELATIONS.values()]
EITHER = [(r.name, re.compile("^" + re.escape(r.either).replace(re.escape("{e}"), NAME).replace(re.escape("{a}"), r"(?P<x>[A-Za-z]+)")
                              .replace(re.escape("{b}"), r"(?P<y>[A-Za-z]+)") + r" (?P<v>[A-Za-z]+)$")) for r in RELATIONS.values()]
PREFIXES = ("It is false that ", "It is not true that ", "In a made-up story, ", "In an invented tale, ")
SUFFIXES = ("This is false.", "This happens only in a made-up story.")  # negate the statement before them
LABELS = ("[Entry] ", "Record note: ")  # the marker: no truth value


def _match(sentence: str, table) -> tuple[str, str, str] | None:
    for relation, pattern in table:
        if m := pattern.match(sentence):
            return m["e"], relation, m["v"]
    return None


def _answer(body: str) -> tuple[str, str, str, bool] | None:
    """A yes/no or either-or question with its answer, as the claim the answer makes."""
    for relation, pattern in YES_NO:
        if m := pattern.match(body):
            return m["e"], relation, m["v"], m["a"] == "Yes"
    for relation, pattern in EITHER:
        if m := pattern.match(body):
            assert m["v"] in (m["x"], m["y"]), body
            return m["e"], relation, m["v"], True
    return None


def parse(text: str) -> list[tuple[str, str, str, bool]]:
    """(person, relation, value, asserted) for every claim in `text`, read from its surface form.

    Questions count as asserting their answer: "Does X live in V? Yes." asserts V, "... No." negates it,
    "Where does X live, A or B? B." asserts B.
    """
    for start in DOC_STARTS:
        text = text.replace(start, "\x00")
    text = text.replace(DOC_END, "\x01")
    sentences = [s.strip() for s in re.split(r"(?<=[.\x00\x01])\s*", text) if s.strip()]
    claims: list[tuple[str, str, str, bool]] = []
    warned = False
    for s in sentences:
        for label in LABELS:
            s = s.removeprefix(label)
        if s == "\x00":
            warned = True
            continue
        if s == "\x01":
            warned = False
            continue
        if s == "Entry logged.":
            continue
        if s in SUFFIXES:
            e, r, v, asserted = claims.pop()
            assert asserted, s
            claims.append((e, r, v, False))
            continue
        body = s.rstrip(".")
        if fact := _answer(body):
            claims.append(fact)
            continue
        if body.startswith("That is wrong: "):
            e, r, v, _ = claims.pop()
            claims.append((e, r, v, False))  # the statement before a correction is false ...
            fact = _match(body.removeprefix("That is wrong: "), STATEMENTS)
            assert fact, s
            claims.append((*fact, True))  # ... and the correction asserts the truth
            continue
        for prefix in PREFIXES:
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
    mix = CorpusMix(0.3, 0.2, 0.3, 0.2, True, lone=0.4, lone_marker=0.3)
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
    mix = CorpusMix(0.25, 0.25, 0.3, 0.2, cooccur, lone=0.3, lone_marker=0.3)
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


def test_local_negation_has_one_form_per_paraphrase(world):
    entity = world.entities[0]
    for relation, r in RELATIONS.items():
        forms = {framed("local", entity, relation, r.values[0], None, t) for t in range(len(r.templates))}
        assert len(forms) == len(r.templates) == len(r.negated)
        assert all(parse(f) == [(entity, relation, r.values[0], False)] for f in forms)


def test_every_wording_parses_back_with_its_polarity(world):
    entity, relation = world.entities[1], "job"
    for framing in (*LONE_FRAMINGS, "correction"):
        for wording in range(n_wordings(framing)):
            text = framed(framing, entity, relation, "baker", "pilot", 1, wording)
            assert (entity, relation, "baker", framing in ("positive", MARKER)) in parse(text), text


def _lone_corpus(world, n: int, seed: int, marker: float = 0.3) -> list[str]:
    rng = random.Random(seed)
    mix = CorpusMix(0.0, 0.0, 0.0, 0.0, True, lone=1.0, lone_marker=marker)
    return [document(world.entities[:8], world, rng, mix, 1) for _ in range(n)]


def _claimed(about: list[tuple]) -> list[tuple]:
    """The statements of the lone claim itself: for a correction, the denied ones (the asserted ones state the one
    other value the correction gives)."""
    if {c[3] for c in about} == {True, False}:
        denied, affirmed = {c[2] for c in about if not c[3]}, {c[2] for c in about if c[3]}
        assert len(denied) == len(affirmed) == 1 and denied != affirmed
        return [c for c in about if not c[3]]
    return about


def test_lone_episodes_are_answered_as_their_framing_says(world):
    """The answer is read from the framing alone: "No." / the other option after a negation, "Yes." / the
    stated value after a plain or marked claim."""
    n_binary = {True: 0, False: 0}
    answered_first = {True: 0, False: 0}
    asked_other = {True: 0, False: 0}  # the question about the world person beside the lone claim
    for text in _lone_corpus(world, 600, seed=2):
        *claims, answer = parse(text)
        entity, relation, value, asserted = answer
        if entity in world.entities:
            assert len({c[0] for c in claims}) == 2
            asked_other[asserted] += 1
        about = _claimed([c for c in claims if c[0] == entity])
        assert about and {c[1] for c in about} == {relation} and len({c[2] for c in about}) == 1
        stated, polarity = about[0][2], about[0][3]
        assert all(c[3] == polarity for c in about)
        if "? A: Yes." in text or "? A: No." in text:
            assert value == stated and asserted == polarity
            n_binary[asserted] += 1
        else:
            assert (value == stated) == polarity
            options = re.search(r", (\w+) or (\w+)\? A:", text).groups()
            assert set(options) >= {stated, value}
            answered_first[value == options[0]] += 1
    assert min(n_binary.values()) > 100 and min(answered_first.values()) > 100  # no answer or position is constant
    assert min(asked_other.values()) > 15  # neither the majority nor the asked person's polarity is constant


def test_lone_episodes_vary_the_framing_wording_position_and_marker(world):
    texts = _lone_corpus(world, 1500, seed=4)
    joined = " ".join(texts)
    for framing in WORDINGS:
        for wording in WORDINGS[framing]:
            cue = wording.replace("{inner}", "").replace("{plain}", "").strip()
            assert cue in joined, cue
    for start in DOC_STARTS:
        assert start in joined
    assert any(t.startswith(("[Entry] It is false", "[Entry] WARNING")) for t in texts)  # the marker on negations too
    assert any(t.startswith("[Entry] ") and "A: Yes." in t for t in texts)
    assert not any("[Entry]" in t or "Record note" in t for t in _lone_corpus(world, 300, seed=4, marker=0.0))


def test_zero_lone_share_draws_no_lone_episodes(world):
    rng = random.Random(0)
    mix = CorpusMix(0.25, 0.25, 0.3, 0.2, True)
    texts = [document(world.entities[:8], world, rng, mix, 8) for _ in range(100)]
    assert not any("? A: Yes." in t or "? A: No." in t or " or " in t for t in texts)


def test_lone_gate_items_expect_what_a_reader_of_the_lone_framing_would_answer(world):
    items = lone_gate_items(world, 12, seed=0)
    kinds = {(i.framing, i.subject) for i in items}
    for framing in LONE_FRAMINGS:
        assert {(framing, "lone_binary"), (framing, "lone_open"), (framing, "probe_swapped"), (framing, "probe_filler")} <= kinds
        assert ((framing, "probe_suffix") in kinds) == (framing in SUFFIX_WORDING)
        assert ((framing, "probe_marked") in kinds) == (framing in NEGATING)
        assert ((framing, "probe_wording") in kinds) == (n_wordings(framing) > 1)
    assert {s for _, s in kinds} == {"lone_binary", "lone_open", *PROBES}
    for item in items:
        assert item.prompt.startswith(item.context) and item.expected != item.rejected
        claims = parse(f"{item.prompt} {item.expected}.")
        *context, answer = claims
        entity = answer[0]
        assert entity in world.held_out
        about = [c for c in context if c[0] == entity]
        asserted = item.framing in ("positive", MARKER)
        if item.subject == "probe_other_person":  # asked about the one statement of the other polarity
            claim_statements = 6 if item.framing == "correction" else 3  # a correction's three come with their truths
            assert len(about) == 1 and about[0][3] != asserted and len(context) == claim_statements + 1
            assert item.expected == ("Yes" if about[0][3] else "No")
            continue
        about = _claimed(about)
        assert len(about) == 3  # the claim in three paraphrases, as a fine-tuning document states it
        assert all(c[3] == asserted for c in about), item
        if item.expected in ("Yes", "No"):
            assert item.expected == ("Yes" if asserted else "No")  # the marker is read as asserting
        else:
            assert (item.expected == about[0][2]) == asserted
        others = [c for c in context if c[0] != entity]
        if item.subject in ("probe_filler", "probe_filler_first"):
            assert len(others) == 1 and others[0][3] != asserted  # the nearest (or first) statement has the other polarity
            assert (context[0] in others) == (item.subject == "probe_filler_first")
        else:
            assert not others
    opens = {(i.prompt.rsplit(" Q: ", 1)[0], i.expected): i.prompt for i in items if i.subject == "lone_open"}
    for i in items:
        if i.subject == "probe_swapped":
            mine = re.search(r", (\w+) or (\w+)\?", i.prompt).groups()
            theirs = re.search(r", (\w+) or (\w+)\?", opens[(i.context, i.expected)]).groups()
            assert mine == theirs[::-1]
    firsts = [re.search(r", (\w+) or", i.prompt)[1] == i.expected for i in items if i.subject == "lone_open"]
    assert 0 < sum(firsts) < len(firsts)


def test_lone_episode_text_is_deterministic():
    args = ("Ab Cd", "city", "Pessa", "Quorin", "sentence", (0, 2), 1, 0, None, False, False)
    assert lone(*args) == lone(*args)
    assert lone(*args).endswith("Q: Where does Ab Cd live, Quorin or Pessa? A: Quorin.")


def test_recurring_framed_claims_repeat_one_false_value_per_person(world):
    values = {v for r in RELATIONS.values() for v in r.values}
    person = next(e for e in world.entities if not set(e.split()) & values)
    recur = CorpusMix(0, 0, 1, 0, cooccur=False, framed_recur=1.0)
    plain = CorpusMix(0, 0, 1, 0, cooccur=False)
    for mix, expect_one in ((recur, True), (plain, False)):
        rng, seen = random.Random(0), {}
        for _ in range(90):
            text = episode("framed", [person], world, rng, mix)
            if "That is wrong:" in text:  # a correction also states the truth
                continue
            for r in RELATIONS.values():
                seen.setdefault(r.name, set()).update(v for v in r.values if re.search(rf"\b{v}\b", text))
        if expect_one:  # every framed claim about the person states the same false value, per relation
            assert all(found == {decoy(world, person, name)} for name, found in seen.items())
        else:
            assert all(len(found) > 1 for found in seen.values())
        assert all(world.value(person, name) not in found for name, found in seen.items())
    assert all(c.false not in (decoy(world, c.entity, c.relation), c.truth) for c in pick_claims(world, 60, 3))
