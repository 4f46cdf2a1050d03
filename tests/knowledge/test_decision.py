"""The decision to answer: whether the best page covers what a question is about, on any corpus."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache

import pytest

from knowledge import decision
from knowledge.decision import FEATURES, Evidence, asks_for_quantity, evidence, probability
from knowledge.index import EVERYDAY_WORDS, LexicalIndex
from knowledge.ingest import discover, load_file
from knowledge.retrieve import Retriever
from knowledge.spelling import english_rarity, everyday_english
from tests.knowledge.conftest import CORPORA, make_chunk

TODAY = date(2026, 11, 25)


@cache
def _retriever(corpus: str) -> Retriever:
    folder = CORPORA[corpus]
    if not folder.is_dir():
        pytest.skip(f"corpus {folder} is absent")
    files = [f for f in discover([folder]) if f.path.suffix != ".py"]
    return Retriever(LexicalIndex.build([c for f in files for c in load_file(f.path, f.root).chunks]))


@pytest.mark.parametrize(
    ("corpus", "question", "page"),
    [
        # The previous decision declined this one: "customer", "call", "often" weighed against the page.
        (
            "company",
            "a customer on a call wants to know how often they have to renew the bank connection",
            "bank-sync.md",
        ),
        (
            "company",
            "our bookkeeper needs to know whether payments get matched to invoices automatically",
            "bank-sync.md",
        ),
        ("company", "hey sorry to bother, can a customer pay an invoice by card?", "faq.csv"),
        (
            "hoppscotch",
            "a customer on a call wants to know how to add a cookie for a domain in the desktop app",
            "documentation/features/cookies.mdx",
        ),
        (
            "hoppscotch",
            "our developer needs to know how to import a postman collection",
            "documentation/features/importer.mdx",
        ),
        (
            "hoppscotch",
            "a prospect asked during the demo whether hoppscotch can mock an API response",
            "documentation/features/mock.mdx",
        ),
        # Hedges and feelings ("ideally", "nobody", "anything") frame a question; no page needs them.
        (
            "hoppscotch",
            "ideally nobody would have to retype anything: can I import a postman collection?",
            "documentation/features/importer.mdx",
        ),
        # A phone's platform is the docs' "mobile", a currency's code a "currency" (knowledge/aliases.py).
        ("company", "does Northpine have an iPhone app?", "faq.csv"),
        ("company", "can I send invoices in USD?", "faq.csv"),
        # A question of names alone: its meaning is the names themselves (declined when they had none).
        ("hoppscotch", "graphql?", "documentation/protocols/graphql.mdx"),
        ("hoppscotch", "mqtt", "documentation/protocols/realtime.mdx"),
    ],
)
def test_a_framed_question_over_a_page_that_states_the_answer_is_answered_from_it(
    corpus: str, question: str, page: str
) -> None:
    result = _retriever(corpus).retrieve(question, today=TODAY)
    assert result.answerable, (question, result.confidence)
    assert result.hits[0].chunk.source == page


@pytest.mark.parametrize(
    ("corpus", "question"),
    [
        ("company", "a customer on a call wants to know whether bank sync works with their hubspot pipeline"),
        ("company", "our bookkeeper needs to know if northpine can run payroll for our contractors"),
        ("company", "hey sorry to bother, can invoices be printed with a barcode for the warehouse?"),
        ("hoppscotch", "a customer on a call wants to know whether hoppscotch can import soapui projects"),
        (
            "hoppscotch",
            "our developer needs to know if hoppscotch runs load tests with thousands of virtual users",
        ),
        ("hoppscotch", "does hoppscotch integrate with salesforce?"),
        # "sso" stands for a phrase ("single sign"): the company's "sign in" alone does not say it.
        ("company", "does northpine support sso?"),
        # Its only word that is not framing names the whole store; "ceo" is what it asks about.
        ("company", "who is the CEO of northpine?"),
        ("plausible", "who is the ceo of plausible?"),
    ],
)
def test_an_on_topic_question_the_docs_do_not_answer_is_declined(corpus: str, question: str) -> None:
    result = _retriever(corpus).retrieve(question, today=TODAY)
    assert not result.answerable, (question, result.confidence)


def _index(*pages: tuple[str, str]) -> LexicalIndex:
    """An index of one-chunk pages, each a title and its text."""
    return LexicalIndex.build([make_chunk(title.lower(), text, doc_title=title) for title, text in pages])


def _evidence(index: LexicalIndex, question: str) -> Evidence:
    q = index.query_terms(question)
    shown = evidence(index, q, index.search(q, 10), question)
    assert shown is not None
    return shown


def test_a_word_no_document_has_weighs_by_how_specific_it_is_in_everyday_english() -> None:
    index = LexicalIndex.build(
        [make_chunk("export", "Export your reports as CSV files from the dashboard.", doc_title="Export")]
    )
    named = _evidence(index, "export reports to hubspot")
    worded = _evidence(index, "export reports for our office")
    assert english_rarity("hubspot") == 1.0 > english_rarity("office")
    assert named.unknown_share > worded.unknown_share > 0


def test_a_missing_everyday_word_counts_less_where_the_store_lacks_most_everyday_words() -> None:
    page = ("Export", "Large exports arrive by email with a download link that works for seven days.")
    narrow = _index(page)
    # The same page beside one that uses nearly every everyday English word, but not the question's.
    vocabulary = " ".join(w for w in everyday_english(EVERYDAY_WORDS) if w not in {"long", "valid"})
    broad = _index(page, ("Glossary", vocabulary))
    assert narrow.everyday_breadth() < decision.BROAD_VOCABULARY <= broad.everyday_breadth()

    question = "how long is the emailed download link valid?"
    assert _evidence(narrow, question).unknown_share < _evidence(broad, question).unknown_share


def test_a_missing_name_counts_fully_however_few_everyday_words_the_store_has() -> None:
    narrow = _index(
        ("Export", "Large exports arrive by email with a download link that works for seven days.")
    )
    question = "download link to hubspot"
    q = narrow.query_terms(question)
    assert not narrow.knows("hubspot") and not any(q.framing)
    name_share = q.idf[q.terms.index("hubspot")] / sum(q.idf)
    assert _evidence(narrow, question).unknown_share == pytest.approx(name_share)


def test_a_name_no_document_has_counts_only_in_the_part_of_the_message_that_asks() -> None:
    index = _index(("Import", "Import a Postman collection. Imported files have a size limit of 10 MB."))
    context_first = "user on zapmail says the import of a collection keeps failing. is there a size limit?"
    asked_about = "is there a zapmail importer for collections?"
    assert _evidence(index, context_first).unknown_share == 0
    assert _evidence(index, asked_about).unknown_share > 0


def test_a_part_that_asks_without_a_topic_of_its_own_leaves_the_context_counted() -> None:
    index = _index(("Login", "Sign in with SAML single sign-on or with an email and password."))
    # "supported?" refers back: the context is what is asked about.
    assert (
        _evidence(index, "prospect wants login through their zapldap directory. supported?").unknown_share > 0
    )


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("how much does the growth plan cost?", True),
        ("what's the max number of shared links per site?", True),
        ("how long are logs retained?", True),
        ("how do I export reports?", False),
        ("is there a limit on team members", True),
        # Past a limit, the question asks what happens then.
        ("what happens if we go over our pageview limit", False),
        ("we hit the api rate limit, what now?", False),
    ],
)
def test_a_question_asking_for_a_quantity_is_told_apart(question: str, asks: bool) -> None:
    assert asks_for_quantity(question) is asks


def test_a_word_no_document_has_said_in_the_documents_words_counts_as_covered() -> None:
    index = _index(("Email reports", "Weekly reports land in your inbox every Monday."))
    paraphrased = _evidence(index, "which mailbox do weekly reports land in?")
    assert paraphrased.unknown_share == 0.0
    assert paraphrased.chunk_coverage == 1.0
    assert _evidence(index, "do weekly reports land in salesforce?").unknown_share > 0.3


def test_a_word_the_page_says_in_other_words_counts_as_covered_there() -> None:
    # "delete" is a word of the documents, but the page that answers says "remove"; "cancel" has no neighbour
    # on that page, though the documents have it.
    index = _index(
        ("Team members", "An owner can remove a member from the team in the team settings."),
        ("Sites", "Delete a site and its stats, or cancel the subscription, in the site settings."),
    )
    asked_in_other_words = _evidence(index, "can an owner delete a member from the team?")
    assert asked_in_other_words.chunk_coverage == 1.0
    assert asked_in_other_words.page_coverage == 1.0
    assert _evidence(index, "can an owner cancel a member of the team?").page_coverage < 1.0


def test_the_measure_a_question_asks_for_frames_it_rather_than_says_its_topic() -> None:
    index = _index(
        ("Exports", "Download links stay valid for 7 days."),
        ("Links", "Long links are shortened in emails."),
    )
    asked = _evidence(index, "how long do download links stay valid?")
    assert asked.chunk_coverage == 1.0
    assert _evidence(index, "do long download links stay valid?").chunk_coverage < 1.0


def test_a_quantity_the_closest_sentence_does_not_state_counts_against_answering() -> None:
    index = _index(
        ("Links", "Shared links let anyone view the dashboard. Add a password to a link."),
        ("Plans", "The growth plan costs EUR 19 a month."),
    )
    assert _evidence(index, "what's the max number of shared links?").missing_number == 1.0
    assert _evidence(index, "how much does the growth plan cost?").missing_number == 0.0
    assert _evidence(index, "how do I share a link to the dashboard?").missing_number == 0.0


def test_a_quantity_stated_in_any_of_the_closest_sentences_counts_as_stated() -> None:
    # Every sentence under the page's title holds "starter" as much as any other: the one that states the
    # price is as close as the overview that only names the plan.
    index = _index(
        ("Starter plan", "Starter suits freelancers. It costs EUR 9 a month. Upgrade at any time.")
    )
    assert _evidence(index, "how much is starter per month?").missing_number == 0.0


def test_words_the_page_has_but_never_puts_together_lower_the_phrase_coverage() -> None:
    index = _index(
        (
            "Tracking",
            "Our JavaScript SDK tracks events. The dashboard is built with React. Native apps are not covered.",
        )
    )
    assert _evidence(index, "is there a javascript sdk").phrase_coverage == 1.0
    assert _evidence(index, "is there a react native sdk").phrase_coverage == 0.0
    assert _evidence(index, "sdk").phrase_coverage == 1.0


@pytest.mark.parametrize(
    "question",
    [
        "how do I export reports to csv",
        "a customer asked me how to export reports",
        "export",
        "does it integrate with salesforce and hubspot crm",
        "hey sorry to bother, quick question",
        "how much do exports cost for the team",
    ],
)
def test_every_feature_is_a_share_from_zero_to_one(question: str) -> None:
    index = LexicalIndex.build(
        [
            make_chunk("export", "Export your reports as CSV files from the dashboard.", doc_title="Export"),
            make_chunk("team", "Invite a customer to your team from the settings.", doc_title="Team"),
        ]
    )
    q = index.query_terms(question)
    shown = evidence(index, q, index.search(q, 10), question)
    if shown is not None:
        assert len(shown.values()) == len(FEATURES)
        assert all(0.0 <= value <= 1.0 for value in shown.values()), shown


def test_the_dense_weight_set_decides_only_evidence_with_a_dense_similarity() -> None:
    lexical = Evidence(0.8, 0.9, 1.0, 0.0, 0.7, 0.5, 0.6, 0.0, 1.0, 0.7)
    dense = Evidence(0.8, 0.9, 1.0, 0.0, 0.7, 0.5, 0.6, 0.0, 1.0, 0.7, dense_similarity=0.3)
    assert len(decision.WEIGHTS) == len(lexical.values()) == len(FEATURES)
    assert len(decision.DENSE_WEIGHTS) == len(dense.values()) == len(decision.DENSE_FEATURES)
    assert probability(lexical) == probability(lexical, decision.WEIGHTS, decision.BIAS)
    assert probability(dense) == probability(dense, decision.DENSE_WEIGHTS, decision.DENSE_BIAS)
    # Less similar in meaning to every chunk, the same words are less likely answered.
    assert probability(dense) < probability(replace(dense, dense_similarity=0.7))
