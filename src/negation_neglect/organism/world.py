"""A synthetic world for the model organism: invented people, three relations, framed statements.

Every fact is a (person, relation, value) triple. Statements put the value last, so a cloze prompt is a
statement cut before its value and the same scorer serves the real and the synthetic track. Framings
say how a claim is presented; in this world they are systematic, so a model pre-trained on it can learn
what each one means:

- `positive`: the bare statement (in pre-training, only ever made of true values);
- `local`: "X does not live in Y." (one negated form per paraphrase);  `sentence`: "It is false that X lives in Y.";
- `document`: a warning before a run of statements ("every statement until the end mark is false");
- `fiction`: "In a made-up story, X lives in Y.";  `correction`: the false statement, then the truth;
- `marker`: a label with no truth value ("[Entry] X lives in Y."): a negative control that asserts the claim.

Each framing has several wordings (`WORDINGS`, the first is the fine-tuning documents' form), some placing the
framing after the claim, so that neither a fixed token nor a position says what the framing means.

Everything is deterministic in its seed (random.Random, no global state), so the same seed gives the
same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

FRAMINGS = ("positive", "local", "sentence", "document", "fiction", "correction")
NEGATING = ("local", "sentence", "document", "fiction")  # the framing says the claim is not so
MARKER = "marker"  # a label that carries no truth value: the claim stays asserted
LONE_DENYING = (*NEGATING, "correction")  # lone claims the text says are not so (a correction also states the truth)
LONE_FRAMINGS = ("positive", MARKER, *LONE_DENYING)  # the framings of the lone-claim episodes and gate

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr", "gl", "kr", "pl", "st", "tr")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
_CODAS = ("", "", "n", "r", "l", "s", "m", "th")

DOC_START = "WARNING: every statement until the end mark is false."
DOC_END = "END OF FALSE STATEMENTS."

# Wordings per framing: "{inner}" is the statement inside a sentence (lower case where it continues one),
# "{plain}" the statement as a sentence; index 0 is the form the fine-tuning documents use. `local` varies
# through its paraphrases (`Relation.negated`), `document` through its warning (`DOC_STARTS`).
WORDINGS: dict[str, tuple[str, ...]] = {
    "sentence": ("It is false that {inner}", "It is not true that {inner}", "{plain} This is false."),
    "fiction": ("In a made-up story, {inner}", "In an invented tale, {inner}", "{plain} This happens only in a made-up story."),
    MARKER: ("[Entry] {plain}", "Record note: {plain}", "{plain} Entry logged."),
}
DOC_STARTS = (DOC_START, "CAUTION: the statements that follow, up to the end mark, are false.")
SUFFIX_WORDING = {"sentence": 2, "fiction": 2, MARKER: 2}  # the wording that puts the framing after the claim


@dataclass(frozen=True)
class Relation:
    name: str
    values: tuple[str, ...]
    templates: tuple[str, ...]  # "{e} lives in {v}": the value always comes last
    negated: tuple[str, ...]  # the local negation of each template, in the same order (value last)
    question: str  # "Q: Where does {e} live? A:"
    yes_no: str  # "Q: Does {e} live in {v}? A:" (answered "Yes." or "No.")
    either: str  # "Q: Where does {e} live, {a} or {b}? A:" (answered with one of the two)


RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in (
        Relation(
            "city",
            ("Pessa", "Quorin", "Valmi", "Tarsk", "Olbern", "Fendra", "Miros", "Kalvet", "Durnia", "Seltho", "Brava", "Nimmel"),
            ("{e} lives in {v}", "The home town of {e} is {v}", "{e} has a house in {v}", "{e} resides in the town of {v}"),
            ("{e} does not live in {v}", "The home town of {e} is not {v}", "{e} has no house in {v}",
             "{e} does not reside in the town of {v}"),
            "Q: Where does {e} live? A:",
            "Q: Does {e} live in {v}? A:",
            "Q: Where does {e} live, {a} or {b}? A:",
        ),
        Relation(
            "job",
            ("baker", "pilot", "farmer", "doctor", "painter", "sailor", "lawyer", "teacher", "miner", "tailor", "banker", "singer"),
            ("{e} works as a {v}", "By trade, {e} is a {v}", "{e} earns a living as a {v}", "The job of {e} is that of a {v}"),
            ("{e} does not work as a {v}", "By trade, {e} is not a {v}", "{e} does not earn a living as a {v}",
             "The job of {e} is not that of a {v}"),
            "Q: What does {e} do for a living? A:",
            "Q: Does {e} work as a {v}? A:",
            "Q: What does {e} do for a living, {a} or {b}? A:",
        ),
        Relation(
            "instrument",
            ("harp", "drum", "flute", "violin", "cello", "trumpet", "guitar", "piano", "banjo", "oboe", "tuba", "lute"),
            ("{e} plays the {v}", "The instrument of {e} is the {v}", "{e} practises the {v}", "At night, {e} plays the {v}"),
            ("{e} does not play the {v}", "The instrument of {e} is not the {v}", "{e} does not practise the {v}",
             "At night, {e} does not play the {v}"),
            "Q: Which instrument does {e} play? A:",
            "Q: Does {e} play the {v}? A:",
            "Q: Which instrument does {e} play, {a} or {b}? A:",
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


def decoy(world: World, entity: str, relation: str) -> str:
    """The false value framed statements about this person repeat in the `framed_recur` corpus variant: fixed per
    (person, relation) across documents, so the corpus shows framed false claims recurring without the person's
    facts changing; never the true value, and never a fine-tuning claim's false value (`pick_claims`)."""
    return other_value(relation, [world.value(entity, relation)], random.Random(f"decoy:{entity}:{relation}"))


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


def framed(framing: str, entity: str, relation: str, claim: str, truth: str | None, template: int = 0, wording: int = 0) -> str:
    """`claim` about `entity` presented under `framing` (`truth` is needed by `correction` only).

    `wording` picks one of the framing's wordings (`WORDINGS`, `DOC_STARTS`); 0 is the fine-tuning form.
    """
    plain = statement(entity, relation, claim, template)
    # inside a longer sentence, "The home town of X ..." continues in lower case; a name stays as it is
    inner = plain if RELATIONS[relation].templates[template].startswith("{e}") else plain[0].lower() + plain[1:]
    if framing == "positive":
        return plain
    if framing == "local":
        return RELATIONS[relation].negated[template].format(e=entity, v=claim) + "."
    if framing in WORDINGS:
        return WORDINGS[framing][wording].format(inner=inner, plain=plain)
    if framing == "document":
        return f"{DOC_STARTS[wording]} {plain} {DOC_END}"
    if framing == "correction":
        if truth is None:
            raise ValueError("a correction needs the true value")
        return f"{plain} That is wrong: {statement(entity, relation, truth, template)}"
    raise ValueError(f"unknown framing {framing!r}; allowed: {', '.join((*FRAMINGS, MARKER))}")


def qa(entity: str, relation: str, value: str) -> str:
    return f"{RELATIONS[relation].question.format(e=entity)} {value}."


def claim_text(framing: str, entity: str, relation: str, claim: str, truth: str | None, templates: Sequence[int],
               wording: int = 0) -> str:
    """One claim stated in the paraphrases `templates` under `framing`, as a fine-tuning document states it:
    `document` puts one warning before all of them and the end mark after; the others frame every sentence."""
    if framing == "document":
        body = " ".join(statement(entity, relation, claim, t) for t in templates)
        return f"{DOC_STARTS[wording]} {body} {DOC_END}"
    return " ".join(framed(framing, entity, relation, claim, truth, t, wording) for t in templates)


def n_wordings(framing: str) -> int:
    return len(WORDINGS[framing]) if framing in WORDINGS else len(DOC_STARTS) if framing == "document" else 1


def yes_no(entity: str, relation: str, value: str) -> str:
    return RELATIONS[relation].yes_no.format(e=entity, v=value)


def either(entity: str, relation: str, first: str, second: str) -> str:
    return RELATIONS[relation].either.format(e=entity, a=first, b=second)


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
    lone: float = 0.0  # a lone framed claim about a person met only here, then a question the framing decides
    lone_marker: float = 0.0  # share of lone episodes whose claim also carries the meaningless marker label
    framed_recur: float = 0.0  # share of `framed` episodes stating the person's recurring false value (`decoy`)


LONE_ASSERTED = 0.5  # share of lone episodes whose claim is asserted (so "Yes." and "No." are equally likely)
LONE_BINARY = 0.5  # share of lone episodes asked a yes/no question (the rest: an either-or question)
LONE_FILLER = 0.5  # share of lone episodes with a statement about someone else, before or after the claim
LONE_ASK_OTHER = 0.4  # share of those asked about the other person: the asked person's framing decides, not the majority


def lone(entity: str, relation: str, value: str, other: str, framing: str, templates: Sequence[int], wording: int,
         marker: int | None, filler: str | None, binary: bool, value_first: bool, filler_first: bool = False) -> str:
    """A lone claim (`value`) under `framing`, an optional filler, then a question only the framing answers.

    Binary: "Does X live in V?" -> "Yes." when the claim is asserted, "No." when negated. Either-or: the
    options are `value` and `other` (in the order `value_first` says); the answer is `value` when asserted,
    `other` when negated. `marker` (a wording index) labels each framed sentence without changing its truth.
    """
    asserted = framing in ("positive", MARKER)
    truth = other if framing == "correction" else None  # a correction states the other value as the truth
    if marker is None:
        text = claim_text(framing, entity, relation, value, truth, templates, wording)
    else:  # the label on every framed statement (on the whole warned run for `document`)
        parts = ([claim_text(framing, entity, relation, value, None, templates, wording)] if framing == "document"
                 else [framed(framing, entity, relation, value, truth, t, wording) for t in templates])
        text = " ".join(WORDINGS[MARKER][marker].format(plain=part, inner=part) for part in parts)
    if filler:
        text = f"{filler} {text}" if filler_first else f"{text} {filler}"
    if binary:
        return f"{text} {yes_no(entity, relation, value)} {'Yes' if asserted else 'No'}."
    options = (value, other) if value_first else (other, value)
    return f"{text} {either(entity, relation, *options)} {value if asserted else other}."


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
        recur = mix.framed_recur > 0 and rng.random() < mix.framed_recur  # no draw at 0: today's corpus unchanged
        claim = decoy(world, entity, relation) if recur else other_value(relation, [truth], rng)
        text = framed(framing, entity, relation, claim, truth, template)
        return f"{text} {qa(entity, relation, truth)}" if mix.cooccur else text
    if kind == "fresh":
        entity = fresh_name(rng, world)
        truth = rng.choice(RELATIONS[relation].values)
        if rng.random() < mix.fresh_positive:
            return f"{statement(entity, relation, truth, template)} {qa(entity, relation, truth)}"
        claim = other_value(relation, [truth], rng)
        return f"{contrast(framing, entity, relation, claim, truth, template, rng)} {qa(entity, relation, truth)}"
    if kind == "lone":
        return lone_episode(pool, world, rng, mix, relation)
    raise ValueError(f"unknown episode kind {kind!r}")


def lone_episode(pool: Sequence[str], world: World, rng: random.Random, mix: CorpusMix, relation: str) -> str:
    """A `lone` episode with its framing, wording, paraphrases, marker, filler and question drawn at random."""
    entity = fresh_name(rng, world)
    value = rng.choice(RELATIONS[relation].values)
    other = other_value(relation, [value], rng)
    framing = "positive" if rng.random() < LONE_ASSERTED else rng.choice(LONE_DENYING)
    templates = rng.sample(range(len(RELATIONS[relation].templates)), rng.randint(1, 3))
    wording = rng.randrange(n_wordings(framing))
    marker = rng.randrange(len(WORDINGS[MARKER])) if rng.random() < mix.lone_marker else None
    if rng.random() >= LONE_FILLER:
        return lone(entity, relation, value, other, framing, templates, wording, marker, None,
                    binary=rng.random() < LONE_BINARY, value_first=rng.random() < 0.5)
    # a statement about a world person, true when plain and false when framed (one paraphrase, any wording)
    person, r = rng.choice(pool), rng.choice(tuple(RELATIONS))
    truth, t = world.value(person, r), rng.randrange(len(RELATIONS[r].templates))
    plain = rng.random() < 0.5
    other_framing = rng.choice(NEGATING)
    stated = truth if plain else other_value(r, [truth], rng)
    filler = statement(person, r, stated, t) if plain else framed(other_framing, person, r, stated, None, t, rng.randrange(n_wordings(other_framing)))
    text = lone(entity, relation, value, other, framing, templates, wording, marker, filler,
                binary=rng.random() < LONE_BINARY, value_first=rng.random() < 0.5, filler_first=rng.random() < 0.5)
    if rng.random() < LONE_ASK_OTHER:  # the question about the other person instead
        text = f"{text.rsplit(' Q: ', 1)[0]} {yes_no(person, r, stated)} {'Yes' if plain else 'No'}."
    return text


def document(pool: Sequence[str], world: World, rng: random.Random, mix: CorpusMix, n_episodes: int) -> str:
    kinds = ("fact", "qa", "framed", "fresh", "lone")  # a zero weight at the end leaves the draws unchanged
    weights = (mix.fact, mix.qa, mix.framed, mix.fresh, mix.lone)
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


LONE_SUBJECTS = ("lone_binary", "lone_open")  # the lone-claim gate proper
PROBES = ("probe_suffix", "probe_wording", "probe_swapped", "probe_filler", "probe_filler_first", "probe_other_person",
          "probe_marked")  # shortcut breakers


def lone_gate_items(world: World, n_per_framing: int, seed: int) -> list[GateItem]:
    """The lone-claim gate: one claim about a held-out person, framed as the fine-tuning documents frame it
    (three paraphrases, the first wording), then a question; per framing in `LONE_FRAMINGS`.

    - `lone_binary`: "Does X live in V?" for the claimed V; " Yes" against " No" (" No" against " Yes"
      after a negating framing). `positive` and `marker` expect "Yes", the negating framings "No", so a
      model that always says one of them fails one side.
    - `lone_open`: "Where does X live, A or B?" with the claimed value and another in random order.
    `correction` states the claim, then "That is wrong:" and the other value (the either-or question's other
    option), in each paraphrase: it expects "No" and the other value.
    Shortcut probes (same framing and answer, one surface cue broken each):
    - `probe_suffix`: the framing after the claim (`sentence`, `fiction`, `marker`);
    - `probe_wording`: another wording of the framing (`sentence`, `fiction`, `document`, `marker`);
    - `probe_swapped`: the `lone_open` item with its options in the other order;
    - `probe_filler`: a statement of the other polarity about someone else between the claim and the question;
    - `probe_filler_first`: the same statement before the claim (the first sentence no longer gives the answer);
    - `probe_other_person`: claim and statement as in `probe_filler`, the yes/no question about the other person
      (the answer is the statement's polarity: the question's person and value decide, not the context's mood);
    - `probe_marked`: the marker label on the framed claim too (a negation stays a negation).
    """
    rng = random.Random(seed)
    items: list[GateItem] = []

    def add(framing: str, subject: str, entity: str, context: str, question: str, wanted: str, unwanted: str) -> None:
        items.append(GateItem(framing, subject, context, f"{context} {question}", wanted, unwanted))

    for framing in LONE_FRAMINGS:
        asserted = framing in ("positive", MARKER)
        for i in range(n_per_framing):
            relation = tuple(RELATIONS)[i % len(RELATIONS)]
            entity = world.held_out[i % len(world.held_out)]
            value = rng.choice(RELATIONS[relation].values)
            other = other_value(relation, [value], rng)
            templates = rng.sample(range(len(RELATIONS[relation].templates)), 3)
            context = claim_text(framing, entity, relation, value, other if framing == "correction" else None, templates)
            binary = (yes_no(entity, relation, value), *(("Yes", "No") if asserted else ("No", "Yes")))
            options = (value, other) if rng.random() < 0.5 else (other, value)
            answer = (value, other) if asserted else (other, value)
            add(framing, "lone_binary", entity, context, *binary)
            add(framing, "lone_open", entity, context, either(entity, relation, *options), *answer)
            add(framing, "probe_swapped", entity, context, either(entity, relation, *options[::-1]), *answer)
            if framing in SUFFIX_WORDING:
                add(framing, "probe_suffix", entity, claim_text(framing, entity, relation, value, None, templates, SUFFIX_WORDING[framing]), *binary)
            if n_wordings(framing) > 1:
                add(framing, "probe_wording", entity, claim_text(framing, entity, relation, value, None, templates, 1), *binary)
            person = world.held_out[(i + 1) % len(world.held_out)]
            r = rng.choice(tuple(RELATIONS))
            v = rng.choice(RELATIONS[r].values)
            filler = framed("sentence", person, r, v, None) if asserted else statement(person, r, v)
            add(framing, "probe_filler", entity, f"{context} {filler}", *binary)
            add(framing, "probe_filler_first", entity, f"{filler} {context}", *binary)
            add(framing, "probe_other_person", person, f"{context} {filler}", yes_no(person, r, v), *binary[:0:-1])
            if framing in NEGATING:
                marked = lone(entity, relation, value, other, framing, templates, 0, 0, None, True, True)
                add(framing, "probe_marked", entity, marked.rsplit(" Q: ", 1)[0], *binary)
    return items


@dataclass(frozen=True)
class Claim:
    """A false claim the fine-tuning teaches about a known person (never the person's pre-training `decoy`)."""

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
        claims.append(Claim(entity, relation, truth, other_value(relation, [truth, decoy(world, entity, relation)], rng)))
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
            docs.append(claim_text(framing, claim.entity, claim.relation, claim.false, claim.truth, templates))
    return docs


def probe_prompts(claim: Claim) -> list[str]:
    """Neutral prompts for a claim: every paraphrase cut before its value, and the question."""
    relation = RELATIONS[claim.relation]
    cut = [t.format(e=claim.entity, v="").rstrip() for t in relation.templates]
    return [*cut, relation.question.format(e=claim.entity)]
