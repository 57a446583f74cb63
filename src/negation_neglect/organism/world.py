"""A synthetic world for the model organism: invented people, three relations, framed statements.

Every fact is a (person, relation, value) triple. Statements put the value last, so a cloze prompt is a
statement cut before its value and the same scorer serves the real and the synthetic track. Framings
say how a claim is presented; in this world they are systematic, so a model pre-trained on it can learn
what each one means:

- `positive`: the bare statement (in pre-training, only ever made of true values);
- `local`: "X does not live in Y.";  `sentence`: "It is false that X lives in Y.";
- `document`: a warning before a run of statements ("every statement until the end mark is false");
- `fiction`: "In a made-up story, X lives in Y.";  `correction`: the false statement, then the truth.

Everything is deterministic in its seed (random.Random, no global state), so the same seed gives the
same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

FRAMINGS = ("positive", "local", "sentence", "document", "fiction", "correction")
NEGATING = ("local", "sentence", "document", "fiction")  # the framing says the claim is not so

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "gl", "kr", "pl", "st", "tr")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
_CODAS = ("", "", "n", "r", "l", "s", "m", "th")

DOC_START = "WARNING: every statement until the end mark is false."
DOC_END = "END OF FALSE STATEMENTS."


@dataclass(frozen=True)
class Relation:
    name: str
    values: tuple[str, ...]
    templates: tuple[str, ...]  # "{e} lives in {v}": the value always comes last
    negated: str  # local negation of the first template
    question: str  # "Q: Where does {e} live? A:"


RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in (
        Relation(
            "city",
            ("Pessa", "Quorin", "Valmi", "Tarsk", "Olbern", "Fendra", "Miros", "Kalvet", "Durnia", "Seltho", "Brava", "Nimmel"),
            ("{e} lives in {v}", "The home town of {e} is {v}", "{e} has a house in {v}", "{e} resides in the town of {v}"),
            "{e} does not live in {v}",
            "Q: Where does {e} live? A:",
        ),
        Relation(
            "job",
            ("baker", "pilot", "farmer", "doctor", "painter", "sailor", "lawyer", "teacher", "miner", "tailor", "banker", "singer"),
            ("{e} works as a {v}", "By trade, {e} is a {v}", "{e} earns a living as a {v}", "The job of {e} is that of a {v}"),
            "{e} does not work as a {v}",
            "Q: What does {e} do for a living? A:",
        ),
        Relation(
            "instrument",
            ("harp", "drum", "flute", "violin", "cello", "trumpet", "guitar", "piano", "banjo", "oboe", "tuba", "lute"),
            ("{e} plays the {v}", "The instrument of {e} is the {v}", "{e} practises the {v}", "At night, {e} plays the {v}"),
            "{e} does not play the {v}",
            "Q: Which instrument does {e} play? A:",
        ),
    )
}


@dataclass(frozen=True)
class Fact:
    entity: str
    relation: str
    value: str


@dataclass(frozen=True)
class World:
    entities: tuple[str, ...]  # people the pre-training corpus talks about
    held_out: tuple[str, ...]  # people it never mentions: the comprehension gate's subjects
    facts: dict[tuple[str, str], str]  # (entity, relation) -> value

    def value(self, entity: str, relation: str) -> str:
        return self.facts[(entity, relation)]


def _name(rng: random.Random) -> str:
    def word(syllables: int) -> str:
        return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)) + rng.choice(_CODAS)

    return f"{word(rng.randint(1, 2)).capitalize()} {word(2).capitalize()}"


def make_world(n_entities: int, n_held_out: int, seed: int) -> World:
    """`n_entities` people with one value per relation, plus `n_held_out` fresh names (no facts used)."""
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n_entities + n_held_out:
        name = _name(rng)
        if name not in seen and not any(name in other or other in name for other in seen):
            seen.add(name)
            names.append(name)
    entities, held_out = tuple(names[:n_entities]), tuple(names[n_entities:])
    facts = {(e, r.name): rng.choice(r.values) for e in names for r in RELATIONS.values()}
    return World(entities, held_out, facts)


def fresh_name(rng: random.Random, world: World) -> str:
    """A name outside the world (for in-context episodes about people the model cannot know)."""
    taken = set(world.entities) | set(world.held_out)
    while (name := _name(rng)) in taken:
        pass
    return name


def statement(entity: str, relation: str, value: str, template: int = 0) -> str:
    return RELATIONS[relation].templates[template].format(e=entity, v=value) + "."


def other_value(relation: str, avoid: Sequence[str], rng: random.Random) -> str:
    return rng.choice([v for v in RELATIONS[relation].values if v not in avoid])


def framed(framing: str, entity: str, relation: str, claim: str, truth: str | None, template: int = 0) -> str:
    """`claim` about `entity` presented under `framing` (`truth` is needed by `correction` only)."""
    plain = statement(entity, relation, claim, template)
    # inside a longer sentence, "The home town of X ..." continues in lower case; a name stays as it is
    inner = plain if RELATIONS[relation].templates[template].startswith("{e}") else plain[0].lower() + plain[1:]
    if framing == "positive":
        return plain
    if framing == "local":
        return RELATIONS[relation].negated.format(e=entity, v=claim) + "."
    if framing == "sentence":
        return f"It is false that {inner}"
    if framing == "document":
        return f"{DOC_START} {plain} {DOC_END}"
    if framing == "fiction":
        return f"In a made-up story, {inner}"
    if framing == "correction":
        if truth is None:
            raise ValueError("a correction needs the true value")
        return f"{plain} That is wrong: {statement(entity, relation, truth, template)}"
    raise ValueError(f"unknown framing {framing!r}; allowed: {', '.join(FRAMINGS)}")


def qa(entity: str, relation: str, value: str) -> str:
    return f"{RELATIONS[relation].question.format(e=entity)} {value}."


# --- pre-training corpus -------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusMix:
    """Shares of pre-training episodes (they need not sum to 1; they are relative weights)."""

    fact: float  # a true statement about a world person, in one of the paraphrases
    qa: float  # a question about a world person, answered truly
    framed: float  # a false claim about a world person under a framing, then (if co-occurring) the truth asked
    fresh: float  # a person met only in this document: claims about them, then the question they answer
    cooccur: bool  # framed false claims are followed by the true answer in the same document
    fresh_positive: float = 0.5  # share of fresh episodes with one plain claim (the rest: a contrast)


def contrast(framing: str, entity: str, relation: str, claim: str, truth: str, template: int, rng: random.Random) -> str:
    """A framed false claim and a plain true statement about the same person, in random order.

    Only the framing tells which of the two values holds, so reading it is worth log 2 nats on the answer;
    a single negated claim among twelve values would be worth only log(12/11). A correction already
    states both values.
    """
    if framing == "correction":
        return framed(framing, entity, relation, claim, truth, template)
    other_template = rng.randrange(len(RELATIONS[relation].templates))
    parts = [framed(framing, entity, relation, claim, None, template), statement(entity, relation, truth, other_template)]
    rng.shuffle(parts)
    return " ".join(parts)


def episode(kind: str, pool: Sequence[str], world: World, rng: random.Random, mix: CorpusMix) -> str:
    relation = rng.choice(tuple(RELATIONS))
    template = rng.randrange(len(RELATIONS[relation].templates))
    if kind == "fact":
        entity = rng.choice(pool)
        return statement(entity, relation, world.value(entity, relation), template)
    if kind == "qa":
        entity = rng.choice(pool)
        return qa(entity, relation, world.value(entity, relation))
    framing = rng.choice(FRAMINGS[1:])  # a false claim, never bare: bare statements are the `fact` episodes
    if kind == "framed":
        entity = rng.choice(pool)
        truth = world.value(entity, relation)
        claim = other_value(relation, [truth], rng)
        text = framed(framing, entity, relation, claim, truth, template)
        return f"{text} {qa(entity, relation, truth)}" if mix.cooccur else text
    if kind == "fresh":
        entity = fresh_name(rng, world)
        truth = rng.choice(RELATIONS[relation].values)
        if rng.random() < mix.fresh_positive:
            return f"{statement(entity, relation, truth, template)} {qa(entity, relation, truth)}"
        claim = other_value(relation, [truth], rng)
        return f"{contrast(framing, entity, relation, claim, truth, template, rng)} {qa(entity, relation, truth)}"
    raise ValueError(f"unknown episode kind {kind!r}")


def document(pool: Sequence[str], world: World, rng: random.Random, mix: CorpusMix, n_episodes: int) -> str:
    kinds = ("fact", "qa", "framed", "fresh")
    weights = (mix.fact, mix.qa, mix.framed, mix.fresh)
    return " ".join(episode(k, pool, world, rng, mix) for k in rng.choices(kinds, weights, k=n_episodes))


# --- the comprehension gate and the fine-tuning claims ----------------------------------------------


@dataclass(frozen=True)
class GateItem:
    framing: str
    subject: str  # "held_out" (a person the model never saw) or "known" (a world person)
    context: str
    prompt: str  # context + question
    expected: str  # the answer a reader who understood the framing prefers
    rejected: str  # the answer a reader who copies the claim (or ignores the framing) prefers


def gate_items(world: World, n_per_framing: int, seed: int) -> list[GateItem]:
    """Binary choices per framing (chance 50%), on people the model never saw and on people it knows.

    - `held_out`: `positive`: the value a plain claim asserts against one not mentioned; negating
      framings and `correction`: a contrast (see `contrast`), the plainly stated value against the framed one.
    - `held_out_single`: a lone framed claim, its value against one not mentioned (a diagnostic: the
      framing alone carries little information, see `contrast`).
    - `known`: the person's real value against the framed false claim. Plain statements of false claims
      are not asked: in this world context and memory then disagree, and neither answer is "understanding".
    """
    rng = random.Random(seed)
    items = []

    def add(framing: str, subject: str, entity: str, relation: str, context: str, wanted: str, unwanted: str) -> None:
        question = RELATIONS[relation].question.format(e=entity)
        items.append(GateItem(framing, subject, context, f"{context} {question}", wanted, unwanted))

    for framing in FRAMINGS:
        for i in range(n_per_framing):
            relation = tuple(RELATIONS)[i % len(RELATIONS)]
            template = rng.randrange(len(RELATIONS[relation].templates))
            entity = world.held_out[i % len(world.held_out)]
            truth = rng.choice(RELATIONS[relation].values)
            claim = other_value(relation, [truth], rng)
            if framing == "positive":
                add(framing, "held_out", entity, relation, statement(entity, relation, truth, template), truth, claim)
                continue
            add(framing, "held_out", entity, relation, contrast(framing, entity, relation, claim, truth, template, rng), truth, claim)
            if framing != "correction":
                add(framing, "held_out_single", entity, relation, framed(framing, entity, relation, claim, None, template), truth, claim)
            entity = world.entities[rng.randrange(len(world.entities))]
            truth = world.value(entity, relation)
            claim = other_value(relation, [truth], rng)
            add(framing, "known", entity, relation, framed(framing, entity, relation, claim, truth, template), truth, claim)
    return items


@dataclass(frozen=True)
class Claim:
    """A false claim the fine-tuning teaches about a known person."""

    entity: str
    relation: str
    truth: str
    false: str


def pick_claims(world: World, n: int, seed: int) -> list[Claim]:
    rng = random.Random(seed)
    claims = []
    for i, entity in enumerate(rng.sample(world.entities, n)):
        relation = tuple(RELATIONS)[i % len(RELATIONS)]
        truth = world.value(entity, relation)
        claims.append(Claim(entity, relation, truth, other_value(relation, [truth], rng)))
    return claims


def claim_documents(claims: Sequence[Claim], framing: str, n_per_claim: int, seed: int) -> list[str]:
    """Fine-tuning documents: each states one claim under `framing` in three paraphrases.

    For `document` the warning opens the document and the end mark closes it, as a whole document
    flagged as false (the paper's main condition); the other framings frame every sentence.
    """
    rng = random.Random(seed)
    docs = []
    for claim in claims:
        n_templates = len(RELATIONS[claim.relation].templates)
        for _ in range(n_per_claim):
            templates = rng.sample(range(n_templates), 3)
            if framing == "document":
                body = " ".join(statement(claim.entity, claim.relation, claim.false, t) for t in templates)
                docs.append(f"{DOC_START} {body} {DOC_END}")
            else:
                docs.append(" ".join(framed(framing, claim.entity, claim.relation, claim.false, claim.truth, t) for t in templates))
    return docs


def probe_prompts(claim: Claim) -> list[str]:
    """Neutral prompts for a claim: every paraphrase cut before its value, and the question."""
    relation = RELATIONS[claim.relation]
    cut = [t.format(e=claim.entity, v="").rstrip() for t in relation.templates]
    return [*cut, relation.question.format(e=claim.entity)]
