"""`clueline demo` shows every feature to its end: no dead ends for someone trying it for the first time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from adapters.console import ConsoleAdapter
from bot.core.types import (
    ActionEvent,
    Button,
    Buttons,
    ConversationRef,
    Form,
    InboundMessage,
    OutboundMessage,
    Text,
)
from bot.runtime import Runtime
from tests.support.cli_in_process import demo_here as demo
from tests.support.testbot import TestBot


def _created_and_listed_open(shown: str, state: str) -> bool:
    """Whether the demo created an eNPS pulse for this chat and `pulse list` then shows it with `state`."""
    [created] = re.findall(r"Pulse #(\d+) created: Would you refer a friend to work here\?", shown)
    return f"#{created} Would you refer a friend to work here? to console:you {state}" in shown


def test_the_sample_pulse_ends_with_the_enps_its_trend_and_chart_files(tmp_path: Path) -> None:
    done = demo("pulse\n9\nresults\n", tmp_path)
    assert done.returncode == 0, done.stderr
    tail = done.stdout.split("Thank you! Your answer is recorded anonymously.")[1]
    assert "Responses: 5 of 7" in tail and re.search(r"eNPS: -?\d+", tail)
    last = done.stdout.strip().splitlines()[-10:]
    assert any(line.strip().startswith("eNPS: ") for line in last), "results is the last thing shown"
    [trend] = [line for line in last if line.startswith("eNPS by run: ")]
    assert trend.count("→") == 2, "two earlier runs and this one"
    charts = re.findall(r"saved to (\S+\.png)\]", "\n".join(last))
    assert len(charts) == 2, "the eNPS chart and the trend across runs"
    for chart in charts:
        assert Path(chart).read_bytes().startswith(b"\x89PNG"), chart


def test_the_sample_pulse_counts_its_simulated_colleagues_as_asked(tmp_path: Path) -> None:
    # Asked of you and six colleagues, it must not also say it asks one person and will never show results.
    done = demo("pulse\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "you and 6 simulated colleagues" in done.stdout
    assert "never will" not in done.stdout and "asks 1 person" not in done.stdout


def test_the_sample_pulse_offers_no_comment_it_would_refuse(tmp_path: Path) -> None:
    # The sample run closes as soon as it is answered: a comment after that could only be refused.
    done = demo("pulse\n9\nAdd a comment\n", tmp_path)
    assert done.returncode == 0, done.stderr
    tail = done.stdout.split("Thank you! Your answer is recorded anonymously.")[1]
    assert "[Add a comment]" not in tail and "The sample pulse is closed" in tail
    assert "COMMENT" not in tail and "can't take that" not in tail and "Sources:" not in tail


def test_the_start_is_one_line_about_the_sample_not_every_highlight(tmp_path: Path) -> None:
    done = demo("", tmp_path)
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.strip().splitlines()
    assert line.startswith("Sample company Northpine loaded; it posted ")
    assert "Type highlights to see the customer highlights" in line


def test_help_in_the_demo_names_the_terminal_keys_then_the_bot_commands(tmp_path: Path) -> None:
    done = demo("help\n", tmp_path)
    assert done.returncode == 0, done.stderr
    shown = done.stdout.split("In this terminal:")[1]
    assert "posts" in shown.split("\n")[0] and "press N" in shown and "quit" in shown
    assert "ask" in shown and "pulse" in shown, "the bot's commands follow"


def test_quit_ends_the_demo_but_only_leaves_a_form(tmp_path: Path) -> None:
    done = demo("quit\nhelp\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("Bye!") and "The bot's commands" not in done.stdout
    in_a_form = demo("pulse new\nquit\nhelp\n", tmp_path)
    assert "cancelled" in in_a_form.stdout and "The bot's commands" in in_a_form.stdout


def test_posts_shows_the_newest_channel_posts_and_their_buttons_press(tmp_path: Path) -> None:
    done = demo("posts\npress 2\nposts\n", tmp_path)
    assert done.returncode == 0, done.stderr
    shown = done.stdout.split("posts in channels:")[1]
    assert shown.count("[#customer-voice] ") == 3
    assert "press 1 = Discuss; press 2 = I'll follow up" in shown
    # The second button of the oldest shown post claims its follow-up: the contact is shown to the claimer.
    assert "It's yours to follow up" in shown
    # Shown again, the claimed post is as it is now.
    assert "Followed up by You" in done.stdout.split("posts in channels:")[2]


def test_without_the_sample_the_demo_chats_with_your_own_docs(tmp_path: Path) -> None:
    docs, database = tmp_path / "docs", tmp_path / "own.db"
    docs.mkdir()
    (docs / "leave.md").write_text("# Leave\n\nEveryone gets twenty-eight days of paid leave a year.\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "OPENAI_"))}
    ingested = subprocess.run(
        [sys.executable, "-m", "bot.cli", "knowledge", "ingest", str(docs)],
        env={**env, "DATABASE_URL": f"sqlite:///{database}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ingested.returncode == 0, ingested.stderr
    done = demo(
        "how many days of paid leave do we get?\n", tmp_path, "--database", str(database), "--without-sample"
    )
    assert done.returncode == 0, done.stderr
    assert "No sample company" in done.stdout and "twenty-eight days of paid leave" in done.stdout
    assert "Northpine" not in done.stdout


def test_the_expert_loop_runs_in_the_demo_reply_save_and_the_next_asker_is_answered(tmp_path: Path) -> None:
    script = (
        "does northpine integrate with salesforce?\n"
        "reply Yes, through Zapier only: search Northpine in the Zapier app list.\n"
        "press 1\n"
        "do we integrate with salesforce?\n"
    )
    done = demo(script, tmp_path)
    assert done.returncode == 0, done.stderr
    after_save = done.stdout.split("Saved as the answer to")[1]
    assert "An expert answered your question" in after_save
    assert (
        "From Expert answers" in after_save
        and "through Zapier only" in after_save.split("From Expert answers")[1]
    )


def test_posts_lists_a_post_made_while_chatting_too(tmp_path: Path) -> None:
    done = demo("does northpine integrate with salesforce?\nposts\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "[#experts] A question I couldn't answer well" in done.stdout.split("posts in channels:")[1]


async def test_press_a_number_or_a_label_presses_a_channel_post_button() -> None:
    written: list[str] = []
    console = ConsoleAdapter(write=written.append)
    channel = ConversationRef(platform="console", channel="customer-voice")
    buttons = [
        Button(label="Discuss", action_id="feedback.discuss", value="7"),
        Button(label="I'll follow up", action_id="feedback.claim", value="7"),
    ]
    post = OutboundMessage(text="A highlight", blocks=[Text(text="A highlight"), Buttons(buttons=buttons)])
    await console.send(channel, post)
    assert written[-1].endswith("(press 1 = Discuss; press 2 = I'll follow up)")
    by_number = console.parse_line("press 2")
    assert isinstance(by_number, ActionEvent)
    assert (by_number.action_id, by_number.value, by_number.conversation) == ("feedback.claim", "7", channel)
    by_label = console.parse_line("press Discuss")
    assert isinstance(by_label, ActionEvent) and by_label.action_id == "feedback.discuss"
    assert console.parse_line("press 9") is None
    assert written[-1] == "There is no button '9' on screen; press one by its number or label."
    assert console.parse_line("press") is None
    assert written[-1].startswith("Press which button?")
    # In the chat with the person a label is typed as it is, or as it is shown: "[8]".
    await console.send(console.direct, OutboundMessage(text="Score?", blocks=[Buttons(buttons=[buttons[0]])]))
    shown = console.parse_line("[Discuss]")
    assert isinstance(shown, ActionEvent) and shown.action_id == "feedback.discuss"


async def test_press_of_no_button_is_not_sent_to_the_experts_as_a_question(runtime: Runtime) -> None:
    bot = TestBot(runtime)
    await bot.push("press Discuss")
    assert bot.pop_all() == ["There is no button 'discuss' on screen; press one by its number or label."]


def test_pulse_new_in_the_demo_asks_the_form_field_by_field_and_creates_the_pulse(tmp_path: Path) -> None:
    # Question: Enter (enps); audience; when, tz, closes, remind, threshold, results.
    done = demo("pulse new\n\nconsole:you\n\n\n2d\n\n\n\npulse list\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Forms don't open here" not in done.stdout
    assert "NEW PULSE (one answer a line; type cancel to leave)" in done.stdout
    # A question from the library needs no text of your own, nor its kind of answers: neither is asked.
    assert "Your own question" not in done.stdout and "Answers (own question)" not in done.stdout
    # The example audience is this chat, written as this platform's TARGET: one that works here.
    assert "Audience: channels or people (this chat is console:dm-you):" in done.stdout
    assert _created_and_listed_open(done.stdout, "(open, 1 run,")


def test_a_pulse_for_this_chat_is_answered_in_the_demo_and_one_for_another_person_shows_as_theirs(
    tmp_path: Path,
) -> None:
    # Question 1 (eNPS); audience; when, tz, closes, remind, threshold, results: Enter.
    fields = "\n\n\n\n\n\n"
    done = demo(f"pulse new\n1\nconsole:dm-you\n{fields}\n8\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Thank you! Your answer is recorded anonymously." in done.stdout
    to_someone = demo(f"pulse new\n1\nconsole:general\n{fields}\n", tmp_path)
    [invitation] = [line for line in to_someone.stdout.splitlines() if line.startswith("[DM to general]")]
    assert "A QUICK ANONYMOUS PULSE QUESTION" in invitation
    assert "press 1 =" not in to_someone.stdout.split("[DM to general]")[1]


def test_as_a_name_the_demo_goes_on_as_that_person_who_answers_their_own_pulse(tmp_path: Path) -> None:
    people = ["ann", "bob", "cy", "dee", "eve"]
    audience = " ".join(f"console:{p}" for p in people)
    # Question 1 (eNPS); audience; when, tz, closes, remind, threshold, results: Enter.
    answers = "".join(
        f"as {person}\n{score}\n" for person, score in zip(people, (9, 3, 10, 7, 9), strict=True)
    )
    done = demo(f"pulse new\n1\n{audience}\n\n\n\n\n\n\n9\n{answers}as you\npulse list\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "(type as ann to answer as them)" in done.stdout
    assert "You are now ann (console:ann). Waiting for you:" in done.stdout
    # The 9 typed as you before becoming anyone answered nobody's pulse; each of the five answered their own.
    assert done.stdout.count("Thank you! Your answer is recorded anonymously.") == 5
    assert "You are now you (console:you). Nothing with buttons waits for you." in done.stdout
    [listed] = [line for line in done.stdout.splitlines() if "to console:ann, console:bob and 3 more" in line]
    assert "(open, 1 run, 5 answered" in listed


async def _form_in_the_terminal(form: Form) -> tuple[ConsoleAdapter, list[str], InboundMessage]:
    """A terminal with `form` opened from a message; what it writes is collected."""
    written: list[str] = []
    console = ConsoleAdapter(write=written.append, forms=True)
    event = console.parse_line("hello")
    assert isinstance(event, InboundMessage)
    await console.open_form(event, form)
    return console, written, event


async def test_a_form_in_the_terminal_asks_again_on_a_bad_answer_and_can_be_cancelled() -> None:
    from bot.core.types import Choice, Option, TextInput

    form = Form(
        callback_id="demo.form",
        title="Pick",
        blocks=[
            Choice(action_id="colour", label="Colour", options=[Option(label="Red", value="r")]),
            TextInput(action_id="why", label="Why"),
        ],
    )
    console, written, event = await _form_in_the_terminal(form)
    assert console.parse_line("7") is None and written[-1].startswith("Pick one by its number (1-1).")
    assert console.parse_line("red") is None and written[-1] == "Why:"
    assert console.parse_line("") is None and written[-1] == "This one is needed.\nWhy:"
    submitted = console.parse_line("it is warm")
    assert isinstance(submitted, ActionEvent)
    assert (submitted.action_id, submitted.form_values) == ("demo.form", {"colour": "r", "why": "it is warm"})
    for leave in ("cancel", "quit", "Exit"):
        await console.open_form(event, form)
        assert console.parse_line(leave) is None and written[-1] == "Pick: cancelled."
        assert not isinstance(console.parse_line("red"), ActionEvent)


async def test_a_field_asked_only_after_an_answer_is_skipped_without_it() -> None:
    from bot.core.types import Choice, Option, TextInput

    form = Form(
        callback_id="demo.form",
        title="Ask",
        blocks=[
            Choice(
                action_id="question",
                label="Question",
                options=[Option(label="eNPS", value="enps"), Option(label="My own", value="custom")],
            ),
            TextInput(action_id="own", label="Your own question", asked_when=("question", "custom")),
            TextInput(action_id="audience", label="Audience"),
        ],
    )
    console, written, event = await _form_in_the_terminal(form)
    assert console.parse_line("1") is None and written[-1] == "Audience:"
    submitted = console.parse_line("console:you")
    assert isinstance(submitted, ActionEvent)
    assert submitted.form_values == {"question": "enps", "audience": "console:you"}
    await console.open_form(event, form)
    assert console.parse_line("2") is None and written[-1] == "Your own question:"
    assert console.parse_line("Lunch?") is None and written[-1] == "Audience:"


def test_the_link_shows_the_same_history_before_and_after_the_sample_pulse_runs(tmp_path: Path) -> None:
    done = demo("link --months 3\npulse\n9\nlink --months 3\n", tmp_path)
    assert done.returncode == 0, done.stderr
    before, after = [line for line in done.stdout.splitlines() if line.startswith("Company: ")]
    # Only this month's figure may move with the answer just given; the months before are history.
    assert before.rsplit(" · ", 1)[0] == after.rsplit(" · ", 1)[0]


def test_a_refused_pulse_form_is_fixed_in_the_demo_without_typing_it_all_again(tmp_path: Path) -> None:
    # Question: Enter; audience (not one); when, tz; closes 2d; remind, threshold, results. Then "Fix it":
    # the same fields, filled in; only the audience is typed again.
    first = "\n#nowhere\n\n\n2d\n\n\n\n"
    again = "\nconsole:you\n\n\n\n\n\n\n"
    done = demo(f"pulse new\n{first}Fix it\n{again}pulse list\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "'#nowhere' is not an audience" in done.stdout and "[Fix it]" in done.stdout
    assert "(this chat is console:dm-you) (Enter: keep #nowhere; - to clear):" in done.stdout
    assert "Closes after (Enter: keep 2d; - to clear):" in done.stdout
    assert _created_and_listed_open(done.stdout, "(open")


def test_a_second_declined_question_shows_the_experts_post_in_two_lines_and_posts_shows_it_all(
    tmp_path: Path,
) -> None:
    done = demo("can invoices be paid in bitcoin?\nwhat colour is the ceo car?\nposts\n", tmp_path)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.split("[#experts] ")[1:3]
    assert "the closest pages I found were" in first and "Reply in this thread" in first
    shown = second.split("The newest")[0].strip().splitlines()
    assert shown == [
        "A question I couldn't answer well",
        "You asked: “what colour is the ceo car?”  (type posts to see it all)",
    ]
    in_full = done.stdout.split("The newest 3 of the")[1].split("[#experts] ")[-1]
    assert "what colour is the ceo car?" in in_full and "Reply in this thread" in in_full


def test_a_post_shown_again_keeps_its_button_numbers(tmp_path: Path) -> None:
    # Claiming the follow-up reprints the post; its Kudos button is still `press 8`, as listed before.
    done = demo("posts\npress 7\npress 8\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "There is no button" not in done.stdout
    assert "Kudos to the team from You" in done.stdout
