"""Chat: highlights, routes for comms leads only, adopt-a-customer, and the buttons of a highlight post."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.core.types import HomeOpened, UserRef
from bot.features.feedback import manage
from bot.features.feedback.render import DISCUSS, KUDOS
from bot.runtime import Runtime
from tests.feedback.support import (
    add_route,
    intake_of,
    item,
    posted,
    posts,
    press,
    send_all,
    slack,
)
from tests.support.runtime import dispatch
from tests.support.testbot import TestBot


async def test_highlights_lists_what_was_chosen_with_why_and_where_it_went(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    await intake_of(fb_runtime).accept(
        [item(id="1"), item(id="2", score=8, text="Fine.", customer=None, product=None)]
    )
    bot = TestBot(fb_runtime)
    await bot.push("highlights")
    reply = bot.pop()
    assert "Export to Excel breaks on big reports" in reply
    assert "Why: NPS detractor (3)" in reply
    assert "Routed to: slack:CVOICE" in reply
    assert "Fine." not in reply


async def test_feedback_highlights_spelt_as_the_cli_spells_it_lists_the_same_highlights(
    fb_runtime: Runtime,
) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    await intake_of(fb_runtime).accept([item(id="1")])
    bot = TestBot(fb_runtime, user_id="lead")
    await bot.push("highlights")
    await bot.push("feedback highlights")
    plain, spelt_as_the_cli = bot.pop_all()
    assert spelt_as_the_cli == plain and "Export to Excel breaks on big reports" in plain


async def test_a_highlight_no_route_takes_says_where_it_goes_or_that_nothing_takes_it(
    fb_runtime: Runtime,
) -> None:
    await intake_of(fb_runtime).accept([item(id="1")])
    bot = TestBot(fb_runtime)
    await bot.push("highlights")
    assert "Routed to: no route, and no company digest channel yet" in bot.pop()
    await fb_runtime.places.set(manage.COMPANY_PLACE, "slack:CDIGEST")
    await bot.push("highlights")
    assert "Routed to: the company digest (slack:CDIGEST)" in bot.pop()


async def test_highlights_says_so_when_there_are_none(fb_runtime: Runtime) -> None:
    bot = TestBot(fb_runtime)
    await bot.push("highlights")
    assert "No highlights yet" in bot.pop()


async def test_only_comms_leads_manage_routes(fb_runtime: Runtime) -> None:
    someone = TestBot(fb_runtime, "you")
    await someone.push("feedback route add slack:CX --max-score 6")
    assert "Only comms leads" in someone.pop()
    lead = TestBot(fb_runtime, "lead")
    await lead.push("feedback route add slack:CX --max-score 6 --digest daily")
    assert "score <= 6" in lead.pop()
    await lead.push("feedback routes")
    listed = lead.pop()
    assert "slack:CX" in listed and "daily digest" in listed
    route_id = listed.split()[0]
    await lead.push(f"feedback route remove {route_id}")
    assert f"Removed route {route_id}" in lead.pop()
    await lead.push("feedback routes")
    assert "No routes yet" in lead.pop()


async def test_a_route_for_a_product_no_feedback_has_is_added_with_a_note(fb_runtime: Runtime) -> None:
    await intake_of(fb_runtime).accept([item(id="1", product="reports")])
    lead = TestBot(fb_runtime, "lead")
    await lead.push("feedback route add slack:CX --product reprots")
    reply = lead.pop()
    assert "Added route" in reply
    assert 'no feedback so far has product "reprots" (products seen: reports)' in reply


async def test_a_comms_lead_sends_a_routes_digest_now_in_chat(fb_runtime: Runtime) -> None:
    await intake_of(fb_runtime).accept([item(id="1", product="reports")])
    lead = TestBot(fb_runtime, "lead")
    await lead.push("feedback route add slack:CX --product reports --digest weekly")
    route_id = lead.pop().split()[2]
    assert isinstance(fb_runtime.clock, ManualClock)
    fb_runtime.clock.advance(timedelta(hours=1))
    await lead.push(f"feedback route send {route_id}")
    assert lead.pop() == "Sending a digest of 1 feedback item(s) to slack:CX now."
    await lead.push("feedback route send 99")
    assert lead.pop() == "There is no route 99."
    someone = TestBot(fb_runtime, "you")
    await someone.push(f"feedback route send {route_id}")
    assert "Only comms leads" in someone.pop()


async def test_a_route_added_here_posts_to_the_channel_it_was_said_in(fb_runtime: Runtime) -> None:
    lead = TestBot(fb_runtime, "lead")
    await lead.say("feedback route add here --max-score 6", by="ULEAD", channel="C0SUPPORT", mention=True)
    [added] = lead.sent_to("C0SUPPORT")
    assert added.text.startswith("Added route") and "slack:T1/C0SUPPORT" in added.text
    assert [r.target for r in await manage.list_routes(fb_runtime)] == ["slack:T1/C0SUPPORT"]


async def test_a_bad_route_gets_a_clear_reason(fb_runtime: Runtime) -> None:
    lead = TestBot(fb_runtime, "lead")
    await lead.push("feedback route add slack:CX --max-score 11")
    assert "outside 0-10" in lead.pop()
    await lead.push("feedback route add nowhere")
    assert "should look like slack:C123" in lead.pop()


async def test_a_comms_lead_chooses_the_company_digest_channel_here(fb_runtime: Runtime) -> None:
    lead = TestBot(fb_runtime, "lead")
    await lead.push("feedback digest-channel slack:CALLHANDS")
    assert "slack:CALLHANDS" in lead.pop()
    assert await fb_runtime.places.get("company_digest") == "slack:CALLHANDS"


async def test_an_adopter_gets_a_dm_for_each_new_item_from_the_account(fb_runtime: Runtime) -> None:
    bot = TestBot(fb_runtime, "you")
    await bot.push("adopt Northwind")
    assert "You adopted Northwind" in bot.pop()
    await bot.push("adopted")
    assert "Northwind" in bot.pop()
    await intake_of(fb_runtime).accept(
        [
            item(id="1"),
            item(id="2", score=9, text="Great support.", customer={"account": " northwind "}),
            item(id="3", customer={"account": "Contoso"}),
        ]
    )
    await send_all(fb_runtime)
    dms = bot.pop_all()
    assert len(dms) == 2
    assert all("northwind" in dm.lower() for dm in dms)
    assert "dana@example.com" not in " ".join(dms)
    await bot.push("unadopt northwind")
    assert "no longer adopt" in bot.pop()
    await intake_of(fb_runtime).accept([item(id="4")])
    await send_all(fb_runtime)
    assert bot.pop_all() == []


async def test_adopting_twice_is_said_once(fb_runtime: Runtime) -> None:
    bot = TestBot(fb_runtime, "you")
    await bot.push("adopt Northwind")
    bot.pop_all()
    await bot.push("adopt northwind")
    assert "already adopted" in bot.pop()


async def test_discuss_starts_a_thread_under_the_post(fb_runtime: Runtime) -> None:
    event = await posted(fb_runtime)
    adapter = slack(fb_runtime)
    adapter.sent.clear()
    await press(fb_runtime, event, DISCUSS, UserRef(platform="slack", user_id="UANA", display_name="Ana"))
    [(conversation, message)] = adapter.sent
    assert conversation.thread == event.message_id
    assert "reply in this thread" in message.text
    [post] = await posts(fb_runtime)
    assert post.discuss_thread == event.message_id


async def test_kudos_thanks_the_team_in_the_thread(fb_runtime: Runtime) -> None:
    event = await posted(fb_runtime, score=10, text="Love the new reports: month-end took 10 minutes!")
    adapter = slack(fb_runtime)
    adapter.sent.clear()
    await press(fb_runtime, event, KUDOS, UserRef(platform="slack", user_id="UANA", display_name="Ana"))
    [(conversation, message)] = adapter.sent
    assert conversation.thread == event.message_id and "Kudos to the team from Ana" in message.text


async def test_the_home_tab_shows_recent_highlights(fb_runtime: Runtime) -> None:
    await intake_of(fb_runtime).accept([item()])
    user = UserRef(platform="slack", user_id="UANA")
    await dispatch(fb_runtime, HomeOpened(event_id="home-1", user=user), slack(fb_runtime))
    [(_, home)] = slack(fb_runtime).homes
    assert "Export to Excel breaks" in home.model_dump_json()
