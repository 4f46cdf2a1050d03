"""The bot's Markdown, parsed once, shown on Slack as mrkdwn, on Teams as its Markdown and on a terminal as text."""

from __future__ import annotations

import pytest

from adapters.markdown_render import ZERO_WIDTH_SPACE, to_slack, to_teams
from bot.core.markdown import escape, list_item_lines, mention, to_plain
from bot.core.types import UserRef

# Each construct of the subset: the Markdown, then Slack, Teams and the console.
CONSTRUCTS = [
    ("**bold**", "*bold*", "**bold**", "bold"),
    ("*italic*", "_italic_", "_italic_", "italic"),
    ("`pulse new`", "`pulse new`", "`pulse new`", "`pulse new`"),
    (
        "[the pricing page](https://example.com/p?a=1&b=2)",
        "<https://example.com/p?a=1&b=2|the pricing page>",
        "[the pricing page](https://example.com/p?a=1&b=2)",
        "the pricing page (https://example.com/p?a=1&b=2)",
    ),
    ("- one\n- two", "• one\n• two", "- one\n- two", "• one\n• two"),
    ("1. one\n2. two", "1. one\n2. two", "1. one\n2. two", "1. one\n2. two"),
    ("first\nsecond", "first\nsecond", "first\n\nsecond", "first\nsecond"),
    ("first\n\nsecond", "first\n\nsecond", "first\n\nsecond", "first\n\nsecond"),
    ("```\na < b\n```", "```\na &lt; b\n```", "```\na < b\n```", "    a < b"),
    ("> quoted", "> quoted", "> quoted", "> quoted"),
]


@pytest.mark.parametrize(("markdown", "slack", "teams", "plain"), CONSTRUCTS)
def test_each_construct_renders_on_every_platform(markdown: str, slack: str, teams: str, plain: str) -> None:
    assert to_slack(markdown) == slack
    assert to_teams(markdown) == teams
    assert to_plain(markdown) == plain


USER_TEXT = "Export *fails* for big_reports_ & _all_ <!here> <@U1> [x](https://evil.example) `rm`"


def test_escaped_user_text_shows_its_characters_and_nothing_more_on_the_console() -> None:
    assert to_plain(escape(USER_TEXT)) == USER_TEXT


def test_escaped_user_text_cannot_format_or_mention_on_slack() -> None:
    slack = to_slack(f"**{escape(USER_TEXT)}**")
    assert slack.startswith("*") and slack.endswith("*")
    inner = slack[1:-1]
    # Slack has no escapes: every mark is fenced by zero-width spaces, and & < > are entities.
    assert "<" not in inner and ">" not in inner
    assert "&lt;!here&gt; &lt;@U1&gt;" in inner and " &amp; " in inner
    assert f"{ZERO_WIDTH_SPACE}*{ZERO_WIDTH_SPACE}fails{ZERO_WIDTH_SPACE}*{ZERO_WIDTH_SPACE}" in inner
    assert f"big_reports{ZERO_WIDTH_SPACE}_{ZERO_WIDTH_SPACE}" in inner, (
        "a word's own underscore stays as it is"
    )
    assert f"{ZERO_WIDTH_SPACE}`{ZERO_WIDTH_SPACE}rm" in inner
    assert inner.replace(ZERO_WIDTH_SPACE, "") == (
        USER_TEXT.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


def test_escaped_user_text_cannot_format_or_link_on_teams() -> None:
    teams = to_teams(escape(USER_TEXT))
    assert teams == (
        r"Export \*fails\* for big_reports\_ & \_all\_ <!here> <@U1> [x\](https://evil.example) \`rm\`"
    )


def test_user_text_opening_a_line_stays_a_line_of_text() -> None:
    lines = ("- not a list", "1. not a list", "# not a heading", "> not a quote", "---")
    assert [to_plain(escape(line)) for line in lines] == list(lines)
    assert [to_teams(escape(line)) for line in lines] == [
        r"\- not a list",
        r"1\. not a list",
        r"\# not a heading",
        r"\> not a quote",
        "---",
    ]
    assert to_slack(escape("> not a quote")) == f"{ZERO_WIDTH_SPACE}&gt; not a quote"


def test_only_web_and_mail_links_are_links() -> None:
    assert to_slack("[me](@U123)") == "me"
    assert to_slack("[run](javascript:alert(1))") == "[run](javascript:alert(1))"
    assert to_slack("[mail](mailto:a@example.com)") == "<mailto:a@example.com|mail>"


def test_a_person_is_a_mention_on_slack_and_their_name_elsewhere() -> None:
    slack_person = mention(UserRef(platform="slack", user_id="U0002")) + " asked"
    assert (to_slack(slack_person), to_teams(slack_person), to_plain(slack_person)) == (
        "<@U0002> asked",
        "**someone** asked",
        "someone asked",
    )
    named = mention(UserRef(platform="teams", user_id="29:1ab", display_name="Ada *Lovelace*"))
    assert (to_teams(named), to_plain(named)) == ("**Ada \\*Lovelace\\***", "Ada *Lovelace*")
    # Text a person typed that looks like one is no mention: only the bot's own Markdown makes them.
    typed = escape("[boss](clueline-person:slack:U0BOSS)")
    assert "<@" not in to_slack(typed)


def test_a_table_from_a_document_reads_as_lines() -> None:
    assert to_plain("| Plan | Price |\n|---|---|\n| Growth | 25 |") == "Plan | Price\nGrowth | 25"


def test_list_items_are_what_the_parser_says_they_are() -> None:
    text = "Steps:\n- Open Settings\ncontinued here\n1. Click Export\n• not an item\n* * *"
    assert list_item_lines(text) == {1, 3}
