import pytest

from bot.features.pulse.questions import (
    ENPS_QUESTION,
    LIBRARY,
    MAX_TEXT_ANSWER_LENGTH,
    InvalidAnswer,
    InvalidQuestion,
    resolve_question,
    validate_answer,
    validate_comment,
)


def test_enps_key_means_the_library_enps_question() -> None:
    question = resolve_question("enps", None)
    assert question.text == "Would you refer a friend to work here?"
    assert question.kind == "enps"
    assert question.choices == tuple(str(score) for score in range(11))


def test_library_holds_the_issue_questions() -> None:
    texts = {entry.text: entry.kind for entry in LIBRARY.values()}
    assert texts["What gets in the way of doing your job well?"] == "text"
    assert texts["If you were CEO for a day, what one thing would you change?"] == "text"
    assert {"enps", "scale", "yesno", "text"} <= set(texts.values())


def test_library_wording_resolves_to_the_library_entry() -> None:
    assert resolve_question("  would you refer a friend to WORK here? ", None) == ENPS_QUESTION


def test_custom_question_takes_the_given_kind() -> None:
    question = resolve_question("How was  your week?", "scale")
    assert (question.text, question.kind, question.choices) == ("How was your week?", "scale", tuple("12345"))


def test_custom_question_without_kind_is_free_text() -> None:
    question = resolve_question("Anything on your mind?", None)
    assert question.kind == "text"
    assert question.choices == ()


def test_yesno_question_has_two_choices() -> None:
    assert resolve_question("Is the new office better?", "YesNo").choices == ("yes", "no")


def test_unknown_kind_is_refused_with_the_valid_kinds() -> None:
    with pytest.raises(InvalidQuestion, match="enps, scale, yesno, text"):
        resolve_question("How was your week?", "stars")


def test_library_question_with_a_conflicting_kind_is_refused() -> None:
    with pytest.raises(InvalidQuestion, match="kind 'enps'"):
        resolve_question("enps", "yesno")


@pytest.mark.parametrize("question", ["", "   ", "x" * 301])
def test_empty_or_overlong_question_is_refused(question: str) -> None:
    with pytest.raises(InvalidQuestion):
        resolve_question(question, "text")


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        ("enps", "0", 0),
        ("enps", 10, 10),
        ("enps", " 7 ", 7),
        ("scale", "1", 1),
        ("scale", 5, 5),
        ("yesno", "Yes", "yes"),
        ("yesno", "no", "no"),
        ("text", "  Meetings  ", "Meetings"),
    ],
)
def test_valid_answers_are_normalized(kind: str, raw: object, expected: object) -> None:
    assert validate_answer(kind, raw) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        ("enps", "11", "0 to 10"),
        ("enps", -1, "0 to 10"),
        ("enps", "7.5", "0 to 10"),
        ("enps", True, "0 to 10"),
        ("enps", None, "0 to 10"),
        ("scale", 0, "1 to 5"),
        ("scale", "6", "1 to 5"),
        ("scale", "٣", "1 to 5"),
        ("yesno", "maybe", "'yes' or 'no'"),
        ("yesno", 1, "'yes' or 'no'"),
        ("text", "   ", "empty"),
        ("text", "x" * (MAX_TEXT_ANSWER_LENGTH + 1), "shorten it"),
    ],
)
def test_invalid_answers_are_refused_with_what_would_work(kind: str, raw: object, message: str) -> None:
    with pytest.raises(InvalidAnswer, match=message):
        validate_answer(kind, raw)  # type: ignore[arg-type]


def test_blank_comment_is_no_comment_and_text_is_stripped() -> None:
    assert validate_comment(None) is None
    assert validate_comment("  ") is None
    assert validate_comment(" More focus time ") == "More focus time"
    with pytest.raises(InvalidAnswer):
        validate_comment("x" * (MAX_TEXT_ANSWER_LENGTH + 1))
