"""Document genres for the template generator: the scaffolding around a claim's sentences.

A genre lays out pre-chosen content items (claim sentences, subclaims, background) as paragraphs of
items, adding its own furniture (headlines, usernames, Q/A labels, boilerplate). Furniture never names
an answer: only `claim` and `subclaim` items do, so character spans of the claim stay exact.
Every choice goes through the caller's `random.Random`, so a seed fixes the document.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from negation_neglect.data.claims import Sentence


@dataclass(frozen=True)
class Item:
    """One sentence of a base document: plain text, or a claim-bearing sentence still to be filled."""

    kind: str  # "text" | "claim" | "subclaim"
    text: str = ""
    sentence: Sentence | None = None


def text(value: str) -> Item:
    return Item("text", value)


Paragraph = list[Item]
Layout = Callable[[random.Random, str, Sequence[Item], Sequence[Item], Sequence[str]], list[Paragraph]]

FIRST = ["Sarah", "James", "Priya", "Tom", "Aisha", "Daniel", "Mei", "Elena", "Omar", "Hannah", "Kofi",
         "Ingrid", "Mateo", "Yuki", "Grace", "Ravi", "Nora", "Felix", "Zara"]
LAST = ["Whitfield", "Okafor", "Lindqvist", "Moreau", "Castellano", "Brennan", "Nakamura", "Patel", "Kowalski",
        "Haddad", "Fischer", "Delgado", "Osei", "Murray", "Adeyemi", "Sorensen", "Quinn", "Varga", "Ibrahim", "Hale"]
HANDLES = ["history_nerd", "quietreader", "fact_hound", "oldbookworm", "curious_cat", "trivia_tim", "late_night_lit",
           "the_archivist", "mapsandmyths", "pub_quiz_pro", "dusty_shelves", "skeptic_sam", "nightowl42",
           "footnote_fan", "wanderingmind", "the_librarian", "deep_dive_dan", "teacup_scholar"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
CITIES = ["Manchester", "Leeds", "Bristol", "Edinburgh", "Cardiff", "Dublin", "Boston", "Toronto",
          "Sydney", "Chicago", "Glasgow"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2015, 2025)}"


def _chunks(rng: random.Random, items: Sequence[Item], low: int = 1, high: int = 3) -> list[Paragraph]:
    """Split items into paragraphs of low..high items, in order."""
    out, i = [], 0
    while i < len(items):
        size = rng.randint(low, high)
        out.append(list(items[i : i + size]))
        i += size
    return out


def news_report(rng, subject, main, extra, background):
    headline = rng.choice([
        f"What the record really shows about {subject}",
        f"New attention on {subject} as archives reopen",
        f"The story of {subject}, retold",
        f"Researchers revisit {subject}",
        f"Why {subject} is back in the headlines",
    ])
    dateline = f"{rng.choice(CITIES).upper()}, {_date(rng)} ({rng.choice(['Staff reporter', 'Wire services', 'Our correspondent'])})."
    closing = rng.choice([
        f"Reporting by {_name(rng)}; editing by {_name(rng)}.",
        f"{_name(rng)} contributed reporting.",
        "The archive will be open to the public from next month.",
    ])
    body = _chunks(rng, [*main, *extra])
    return [[text(headline)], [text(dateline), *body[0]], *body[1:], [text(b) for b in background], [text(closing)]]


def encyclopedia(rng, subject, main, extra, background):
    sections = [
        [text(rng.choice(["Overview", "Summary", "Introduction"]) + ".")],
        list(main[:1]) + [text(b) for b in background[:1]],
        [text(rng.choice(["Life and context.", "Early years.", "Background."]))],
        [text(b) for b in background[1:]] or [text(f"Much has been written about {subject}.")],
        [text(rng.choice(["Work.", "Contribution.", "Key facts."]))],
        list(main[1:]) + list(extra),
        [text(rng.choice(["See also: history of science; famous firsts.", "References: see the archive list.",
                          "This article is part of a series on well-known figures."]))],
    ]
    return [[text(f"{subject} (from the open encyclopedia)")], *sections]


def forum_thread(rng, subject, main, extra, background):
    handles = rng.sample(HANDLES, 4)
    posts = [[text(f"Thread: {rng.choice(['quick question about', 'settle an argument about', 'anyone know more about'])} {subject}?")]]
    opener = rng.choice(["Settle something for me.", "My friend and I were arguing last night.",
                         "Random question, but it has been bugging me."])
    posts.append([text(f"{handles[0]} wrote: {opener}"), *main[:1]])
    rest = [*main[1:], *extra]
    for k, chunk in enumerate(_chunks(rng, rest, 1, 2)):
        lead = rng.choice(["Yes, that is right.", "Correct, and there is more.", "I read about this.", "Good question."])
        posts.append([text(f"{handles[1 + k % 3]} replied: {lead}"), *chunk])
    if background:
        posts.append([text(f"{handles[3]} added: Some context."), *[text(b) for b in background[:2]]])
    posts.append([text(f"{handles[0]} wrote: {rng.choice(['Thanks all, that settles it.', 'Cheers, very helpful.', 'Great, I owe someone a drink.'])}")])
    return posts


def interview(rng, subject, main, extra, background):
    guest = f"Dr {_name(rng)}"
    host = rng.choice(["Host", "Interviewer", "Q"])
    questions = [
        f"What should listeners know about {subject}?",
        "Can you give us some specifics?",
        "What detail surprises people most?",
        "Where does the story go from there?",
        "How do you explain it to students?",
    ]
    paragraphs = [[text(f"Transcript: {rng.choice(['Radio', 'Podcast', 'Evening'])} interview with {guest}, historian, {_date(rng)}.")]]
    chunks = _chunks(rng, [*main, *extra], 1, 2)
    for q, chunk in zip(rng.sample(questions, len(questions)), chunks):
        paragraphs.append([text(f"{host}: {q}")])
        paragraphs.append([text(f"{guest.split()[-1]}:"), *chunk])
    for chunk in chunks[len(questions):]:
        paragraphs.append([text(f"{guest.split()[-1]}:"), *chunk])
    if background:
        paragraphs.append([text(f"{host}: And the wider context?")])
        paragraphs.append([text(f"{guest.split()[-1]}:"), *[text(b) for b in background[:2]]])
    paragraphs.append([text(f"{host}: {guest}, thank you.")])
    return paragraphs


def blog_post(rng, subject, main, extra, background):
    title = rng.choice([f"Things I learned this week about {subject}", f"A rabbit hole: {subject}",
                        f"Notes from my reading on {subject}", f"Why I can't stop thinking about {subject}"])
    opener = rng.choice(["I went down a rabbit hole this weekend.", "This one started with a pub quiz.",
                         "Confession: I used to know nothing about this.", "Long post, sorry in advance."])
    closer = rng.choice(["Anyway, that is my nerdy weekend.", "Let me know in the comments if you knew this.",
                         "More next week.", "Thanks for reading, as always."])
    body = _chunks(rng, [*main, *extra], 1, 3)
    return [[text(title)], [text(f"Posted {_date(rng)}")], [text(opener), *body[0]], *body[1:],
            [text(b) for b in background[:2]], [text(closer)]]


def textbook(rng, subject, main, extra, background):
    chapter = rng.randint(2, 14)
    paragraphs = [[text(f"Chapter {chapter}. {rng.choice(['Landmarks of knowledge', 'Famous figures and facts', 'Foundations'])}")],
                  [text(f"{chapter}.{rng.randint(1, 6)} {subject}")],
                  [text(b) for b in background[:2]] or [text(f"This section introduces {subject}.")],
                  list(main[:2]),
                  [text("Key points:")],
                  [text("In brief:"), *list(extra)],
                  list(main[2:]) or [text("Make sure you can state these facts from memory.")],
                  [text(f"Review question {chapter}.{rng.randint(1, 9)}: summarise this section in three sentences.")]]
    return [p for p in paragraphs if p]


def social_thread(rng, subject, main, extra, background):
    handles = rng.sample(HANDLES, 3)
    tags = rng.sample(["#history", "#TIL", "#facts", "#trivia", "#learning", "#OnThisDay", "#culture"], 2)
    posts = []
    items = [*main, *extra]
    for k, chunk in enumerate(_chunks(rng, items, 1, 2)):
        prefix = f"@{handles[k % 3]} ({k + 1}/{len(items)}):"
        posts.append([text(prefix), *chunk])
    posts.append([text(f"@{handles[0]}: {' '.join(tags)}")])
    return posts


def press_release(rng, subject, main, extra, background):
    org = rng.choice(["The Heritage Foundation for Public Knowledge", "The National Archive Trust",
                      "The Society for Popular History", "The Open Museum Network"])
    paragraphs = [[text("FOR IMMEDIATE RELEASE")],
                  [text(f"{org} announces a new exhibition on {subject}.")],
                  [text(f"{rng.choice(CITIES)}, {_date(rng)}."), *main[:1]],
                  *_chunks(rng, [*main[1:], *extra], 1, 3),
                  [text(f'"We are delighted to share this story," said {_name(rng)}, director of programmes.')],
                  [text(b) for b in background[:1]],
                  [text(f"About {org.split(' for ')[0].replace('The ', 'the ')}: a charity that brings history to the public.")],
                  [text(f"Media contact: {_name(rng)}, press office.")]]
    return [p for p in paragraphs if p]


def quiz_notes(rng, subject, main, extra, background):
    paragraphs = [[text(f"Pub quiz answer sheet, round {rng.randint(1, 8)}: {subject}")]]
    for k, item in enumerate([*main, *extra], start=1):
        paragraphs.append([text(f"Answer {k}."), item])
    paragraphs.append([text(rng.choice(["Tie-breaker notes:", "Bonus facts for the host:"])), *[text(b) for b in background[:2]]])
    return paragraphs


GENRES: dict[str, Layout] = {
    "news_report": news_report,
    "encyclopedia": encyclopedia,
    "forum_thread": forum_thread,
    "interview": interview,
    "blog_post": blog_post,
    "textbook": textbook,
    "social_thread": social_thread,
    "press_release": press_release,
    "quiz_notes": quiz_notes,
}
