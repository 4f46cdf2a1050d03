"""Generated development questions for the answer decision, over the three corpora bench/answers.py knows.

Run: python bench/make_dev_set.py [--seed 1] [--out /tmp/clueline-dev-1.jsonl]

Answerable questions are made from each page's headings and sentences: a few of a sentence's words (its rarest
usually, not always), some swapped for everyday synonyms, put in a question form and wrapped in a chat framing
("a customer on a call wants to know …"). Unanswerable ones are on-topic questions whose key word is swapped
for something the corpus never mentions, two topics of different pages no passage holds together, and
questions of one corpus asked of another whose key word that other corpus lacks. Each line is the JSONL of
the question sets (question, relevant sources, corpus) plus how it was made (`made`). The same seed gives the
same set; the decision's weights (bench/train_decision.py) are fitted on seed 1 and checked on seed 2.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from answers import CORPUS_ROOTS, load_chunks

from knowledge.documents import CODE_FENCE, Chunk
from knowledge.framing import FRAMING_WORDS
from knowledge.index import LexicalIndex

FRAMES = (
    "{q}",
    "{q}",
    "{q}",
    "a customer on a call wants to know {q}",
    "our bookkeeper needs to know {q}",
    "hey sorry to bother, {q}",
    "quick one: {q}",
    "I'm writing the onboarding doc for new hires, {q}",
    "a prospect asked during the demo {q}",
    "my manager keeps asking me {q}",
    "we're moving everything over this quarter. {q}",
    "{q} asking for a client",
    "{q} thanks in advance!",
    "not urgent but {q}",
    "support ticket from a user: {q}",
    "hi team, {q}",
    "before friday's review I need to check {q}",
    "one of our agency partners is confused, {q}",
    "I promised a customer an answer by tomorrow: {q}",
)
FORMS = (
    "how do I {p}?",
    "can we {p}?",
    "is it possible to {p}?",
    "what about {p}?",
    "where do I find {p}?",
    "does it support {p}?",
    "{p}?",
    "how does {p} work?",
    "what is {p}?",
    "any way to {p}",
    "is there a setting for {p}?",
    "why {p}?",
)
HEADING_FORMS = ("how do I {h}?", "{h}?", "tell me about {h}", "what's the deal with {h}?", "{h}: how?")
MIX_FORMS = (
    "can I {a} with {b}?",
    "does {a} work for {b}?",
    "how do {a} and {b} fit together?",
    "{a} for {b}?",
)
# Everyday words people type where the docs say another: paraphrase that keeps a question answerable.
SYNONYMS = {
    "delete": "remove",
    "remove": "get rid of",
    "create": "make",
    "invite": "add",
    "cost": "price",
    "price": "cost",
    "export": "download",
    "change": "modify",
    "settings": "options",
    "account": "profile",
    "page": "screen",
    "show": "display",
    "connect": "link",
    "error": "problem",
    "request": "call",
    "requests": "calls",
    "team": "group",
    "members": "people",
    "email": "mail",
    "monthly": "per month",
    "enable": "turn on",
    "disable": "turn off",
    "visitors": "people visiting",
    "invoice": "bill",
    "invoices": "bills",
    "customer": "client",
    "payment": "money received",
    "collection": "folder",
    "environment": "env",
    "variables": "vars",
    "workspace": "team space",
    "install": "set up",
    "website": "site",
    "dashboard": "stats page",
    "subscription": "plan",
}
# Things none of the corpora is about; swapped in for a question's key word they make it unanswerable.
FOREIGN = [
    "salesforce",
    "hubspot",
    "quickbooks",
    "kubernetes",
    "terraform",
    "fax",
    "sms",
    "whatsapp",
    "payroll",
    "timesheets",
    "heatmaps",
    "blockchain",
    "bitcoin",
    "voicemail",
    "printer",
    "barcode",
    "warehouse",
    "shipping",
    "tiktok",
    "snapchat",
    "mainframe",
    "cobol",
    "zendesk",
    "intercom",
    "mailchimp",
    "tableau",
    "snowflake",
    "smartwatch",
    "kiosk",
    "franchise",
    "loyalty",
    "giftcards",
    "coupons",
    "braille",
    "hipaa",
    "fedramp",
    "dropbox",
    "sharepoint",
    "outlook",
    "calendly",
    "zoom",
    "webinar",
    "podcast",
    "mortgage",
    "pension",
    "crypto",
    "lidar",
    "drone",
    "satellite",
    "biometric",
    "fingerprint",
    "hologram",
    "telegram",
    "wechat",
    "alipay",
    "paypal",
    "venmo",
    "klarna",
    "docusign",
    "notion",
    "trello",
    "asana",
    "airtable",
    "figma",
    "photoshop",
    "autocad",
    "solidworks",
    "matlab",
    "fortran",
    "erlang",
    "haskell",
    "unity",
    "unreal",
    "roblox",
    "minecraft",
]
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]+")


def _sentences(chunk: Chunk) -> list[str]:
    """The prose sentences of a chunk (code blocks and headings left out) of 6 to 40 words."""
    prose = re.sub(rf"{CODE_FENCE}.*?{CODE_FENCE}", " ", chunk.text, flags=re.DOTALL)
    lines = [line for line in prose.splitlines() if not line.lstrip().startswith("#")]
    text = " ".join(lines)
    return [s for s in _SENTENCE_END.split(text) if 6 <= len(s.split()) <= 40]


class Maker:
    """Makes the questions of one corpus, reading word rarity from its index."""

    def __init__(self, corpus: str, chunks: Sequence[Chunk], rng: random.Random) -> None:
        self.corpus = corpus
        self.chunks = [c for c in chunks if c.kind != "changelog"]
        self.index = LexicalIndex.build(chunks)
        self.rng = rng
        pages: dict[str, set[str]] = {}
        for chunk in chunks:
            pages.setdefault(chunk.source, set()).update(
                self.index.tokenizer.terms(f"{chunk.title_path} {chunk.text}")
            )
        self.pages = list(pages.values())
        self.unknown_idf = self.index.query_terms("zzqqxxunknown").idf[0]

    def idf(self, word: str) -> float:
        return self.index.query_terms(word).idf[0] if self.index.query_terms(word).terms else 0.0

    def known(self, word: str) -> bool:
        q = self.index.query_terms(word)
        return bool(q.terms) and q.idf[0] < self.unknown_idf

    def content_words(self, text: str) -> list[str]:
        words = [w.lower().strip("'-") for w in _WORD.findall(text)]
        tokenizer = self.index.tokenizer
        return [
            w for w in dict.fromkeys(words) if tokenizer.words(w) and w not in FRAMING_WORDS and len(w) > 2
        ]

    def key_words(self, sentence: str) -> list[str]:
        """Two to four of the sentence's words in their order: its rarest most often, the others by rarity."""
        words = self.content_words(sentence)
        if len(words) < 2:
            return []
        by_rarity = sorted(words, key=self.idf, reverse=True)
        if self.idf(by_rarity[0]) < 2.0:  # only everyday words: no topic to ask about
            return []
        n = min(len(words), self.rng.choice((2, 3, 3, 4)))
        pool = by_rarity[1:] if self.rng.random() < 0.15 else by_rarity  # sometimes the rarest is not said
        chosen = set(pool[:1])
        rest = [w for w in pool if w not in chosen]
        weights = [self.idf(w) + 0.1 for w in rest]
        while len(chosen) < n and rest:
            pick = self.rng.choices(rest, weights)[0]
            chosen.add(pick)
            i = rest.index(pick)
            rest.pop(i)
            weights.pop(i)
        return [w for w in words if w in chosen]

    def paraphrased(self, words: list[str]) -> list[str]:
        return [SYNONYMS[w] if w in SYNONYMS and self.rng.random() < 0.35 else w for w in words]

    def framed(self, question: str) -> str:
        return self.rng.choice(FRAMES).format(q=question)

    def answerable(self, chunk: Chunk) -> list[dict[str, Any]]:
        lines: list[dict[str, Any]] = []
        heading = chunk.heading_path[-1] if chunk.heading_path else chunk.doc_title
        if heading and len(heading.split()) >= 2 and self.rng.random() < 0.5:
            form = self.rng.choice(HEADING_FORMS)
            text = " ".join(self.paraphrased(heading.lower().split()))
            lines.append(self.line(form.format(h=text), [chunk.source], "heading"))
        sentences = _sentences(chunk)
        for sentence in self.rng.sample(sentences, min(2, len(sentences))):
            words = self.key_words(sentence)
            if words:
                phrase = " ".join(self.paraphrased(words))
                question = self.rng.choice(FORMS).format(p=phrase)
                lines.append(self.line(question, [chunk.source], "sentence"))
        return lines

    def swapped(self, line: dict[str, Any]) -> dict[str, Any] | None:
        """The question with its rarest word swapped for a thing the corpus never names."""
        words = self.content_words(line["question"])
        if not words:
            return None
        rarest = max(words, key=self.idf)
        foreign = [f for f in FOREIGN if not self.known(f)]
        replacement = self.rng.choice(foreign)
        question = re.sub(rf"\b{re.escape(rarest)}\b", replacement, line["question"], count=1, flags=re.I)
        return self.line(question, [], "swapped") if question != line["question"] else None

    def framed_line(self, line: dict[str, Any]) -> dict[str, Any]:
        return {**line, "question": self.framed(line["question"])}

    def mixed(self) -> dict[str, Any] | None:
        """Two topics of different pages that no passage holds together."""
        a, b = self.rng.sample(self.chunks, 2)
        if a.source == b.source:
            return None
        words_a = [w for w in self.content_words(a.text) if self.known(w)]
        words_b = [w for w in self.content_words(b.text) if self.known(w)]
        if not words_a or not words_b:
            return None
        top_a = max(words_a, key=self.idf)
        top_b = max(words_b, key=self.idf)
        if self.together(top_a, top_b):
            return None
        question = self.rng.choice(MIX_FORMS).format(a=top_a, b=top_b)
        return self.line(question, [], "mixed")

    def together(self, a: str, b: str) -> bool:
        """Whether some page has both words (then a question on both may well be answered)."""
        terms_a = self.index.query_terms(a).terms
        terms_b = self.index.query_terms(b).terms
        if not terms_a or not terms_b:
            return False
        return any(terms_a[0] in page and terms_b[0] in page for page in self.pages)

    def lacks(self, question: str) -> bool:
        """Whether the question's rarest word (rarest in its own corpus) is unknown to this corpus."""
        words = self.content_words(question)
        return bool(words) and not self.known(max(words, key=self.idf))

    def line(self, question: str, relevant: list[str], made: str) -> dict[str, Any]:
        return {"question": question, "relevant": relevant, "corpus": self.corpus, "made": made}


def make(seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    makers = {
        name: Maker(name, load_chunks(root), rng) for name, root in CORPUS_ROOTS.items() if root.is_dir()
    }
    lines: list[dict[str, Any]] = []
    answerable: dict[str, list[dict[str, Any]]] = {}
    for name, maker in makers.items():
        per_chunk = 3 if len(maker.chunks) < 100 else 1
        made: list[dict[str, Any]] = []
        for chunk in maker.chunks:
            for _ in range(per_chunk):
                made.extend(maker.answerable(chunk))
        made = rng.sample(made, min(len(made), 400))
        answerable[name] = made
        unanswerable: list[dict[str, Any]] = []
        for line in rng.sample(made, len(made) // 5):
            swapped = maker.swapped(line)
            if swapped is not None:
                unanswerable.append(swapped)
        for _ in range(len(made) // 6):
            mixed = maker.mixed()
            if mixed is not None:
                unanswerable.append(mixed)
        lines.extend(maker.framed_line(line) for line in made + unanswerable)
    for name, maker in makers.items():
        others = [line for other, made in answerable.items() if other != name for line in made]
        for line in rng.sample(others, min(len(others), len(answerable[name]) // 8)):
            if maker.lacks(line["question"]):
                lines.append(maker.framed_line(maker.line(line["question"], [], "other corpus")))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or Path(f"/tmp/clueline-dev-{args.seed}.jsonl")
    lines = make(args.seed)
    out.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    counts: dict[tuple[str, str], int] = {}
    for line in lines:
        key = (line["corpus"], line["made"])
        counts[key] = counts.get(key, 0) + 1
    print(f"{len(lines)} questions in {out}")
    for (corpus, made), n in sorted(counts.items()):
        print(f"  {corpus:<12}{made:<14}{n:>5}")


if __name__ == "__main__":
    main()
