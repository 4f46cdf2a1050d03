"""Types that cross the adapter boundary: platform-neutral, immutable and serialisable.

Adapters turn platform payloads into these and render outbound messages natively; features see only these.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Neutral(BaseModel):
    """Base of every boundary type: frozen, and serialisable with `model_dump(mode="json")`."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ConversationRef(Neutral):
    """Where a message lives: enough to post there again later, from any process."""

    platform: str
    workspace: str = ""  # Slack team id, Teams tenant id
    channel: str  # Slack channel / DM id, Teams conversation id
    thread: str | None = None  # Slack thread_ts, Teams reply-chain root activity id
    service_url: str | None = None  # Teams only: where the connector for this conversation lives
    bot_id: str | None = None
    is_direct: bool = False
    extra: dict[str, str] = Field(default_factory=dict)

    def in_thread(self, thread: str | None) -> ConversationRef:
        """The same conversation, pointed at one thread (or at the top level with None)."""
        return self.model_copy(update={"thread": thread})

    @property
    def key(self) -> str:
        """A stable identity of the conversation (thread left out)."""
        return f"{self.platform}:{self.workspace}/{self.channel}"


class UserRef(Neutral):
    """A person on one platform."""

    platform: str
    workspace: str = ""
    user_id: str
    display_name: str | None = None
    email: str | None = None
    time_zone: str | None = None
    is_bot: bool = False
    is_guest: bool = False
    is_deleted: bool = False

    @property
    def key(self) -> str:
        """The person as CONTRACT.md writes one: `slack:U123`, `teams:<aad id>`."""
        return f"{self.platform}:{self.user_id}"


class InboundMessage(Neutral):
    """Someone said something to the bot: a DM, a mention, a slash command, a reply in the bot's thread."""

    kind: Literal["message"] = "message"
    event_id: str
    conversation: ConversationRef
    user: UserRef
    text: str
    message_id: str | None = None
    is_direct: bool = False
    mentions_bot: bool = False
    in_bot_thread: bool = False
    is_command: bool = False  # came as `/clueline ...`
    trigger_id: str | None = None  # lets the adapter open a form in answer

    @property
    def said_in_the_open(self) -> bool:
        """Posted where others read it (a mention or reply in a channel or group chat): never anonymous."""
        return not self.is_direct and not self.is_command


class ActionEvent(Neutral):
    """A button press, a card submit or a form (modal) submit."""

    kind: Literal["action"] = "action"
    event_id: str
    conversation: ConversationRef | None
    user: UserRef
    action_id: str
    value: str = ""
    form_values: dict[str, str] = Field(default_factory=dict)
    message_id: str | None = None
    trigger_id: str | None = None
    source: Literal["button", "card_submit", "form_submit", "choice"] = "button"


class InstallEvent(Neutral):
    """The bot arrived in or left a workspace, team or conversation."""

    kind: Literal["install"] = "install"
    event_id: str
    platform: str
    workspace: str
    change: Literal["installed", "uninstalled", "tokens_revoked", "added_to_conversation", "removed"]
    conversation: ConversationRef | None = None
    user: UserRef | None = None


class HomeOpened(Neutral):
    """Someone opened the bot's home tab (Slack App Home)."""

    kind: Literal["home"] = "home"
    event_id: str
    user: UserRef


InboundEvent = Annotated[
    InboundMessage | ActionEvent | InstallEvent | HomeOpened, Field(discriminator="kind")
]


# ---- outbound blocks -------------------------------------------------------------------------------


class Text(Neutral):
    """Text in Markdown, the bot's neutral markup, which each adapter renders; `emphasis` makes it a heading.

    The subset of CommonMark every platform shows: paragraphs (apart by a blank line), line breaks, **bold**,
    *italic*, `code`, fenced code blocks, [links](https://…) (http, https and mailto only), bullet (`- `) and
    numbered (`1. `) lists, and `> ` quotes. Headings, tables, images and HTML are shown as plain text at best.
    Words that are not the bot's own (a customer's feedback, a name, a title) go in through
    `bot.core.markdown.escape`, so their `*`, `_` or `<` stay characters and never become markup or mentions.
    """

    type: Literal["text"] = "text"
    text: str
    emphasis: bool = False

    @model_validator(mode="before")
    @classmethod
    def _drop_markdown_flag(cls, data: Any) -> Any:
        # Outbox rows written before every text was Markdown carry a `markdown` flag; it says nothing now.
        if isinstance(data, dict) and "markdown" in data:
            return {key: value for key, value in data.items() if key != "markdown"}
        return data


class Fields(Neutral):
    """Label/value pairs shown side by side, each in Markdown (see `Text`)."""

    type: Literal["fields"] = "fields"
    pairs: list[tuple[str, str]]


class Button(Neutral):
    """One button; `value` comes back in the ActionEvent."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["default", "primary", "danger"] = "default"


class Buttons(Neutral):
    """A row of buttons."""

    type: Literal["buttons"] = "buttons"
    buttons: list[Button]


class Option(Neutral):
    """One choice of a single-choice list."""

    label: str
    value: str


class Choice(Neutral):
    """Pick one of several options."""

    type: Literal["choice"] = "choice"
    action_id: str
    label: str
    options: list[Option]
    initial: str | None = None
    # Asked only when another field of the form got this value (field, value); see `TextInput.asked_when`.
    asked_when: tuple[str, str] | None = None


class TextInput(Neutral):
    """A free-text field; only meaningful inside a form or a card."""

    type: Literal["text_input"] = "text_input"
    action_id: str
    label: str
    multiline: bool = False
    optional: bool = False
    placeholder: str = ""
    # Filled in already (a form offered again with what was typed before); the person may change it.
    initial: str = ""
    # Asked only when another field of the form got this value (field, value): a chat that asks one field at a
    # time skips it otherwise; a form shown whole (a modal, a card) shows it, its label saying when it counts.
    asked_when: tuple[str, str] | None = None
    # "targets": what is typed is channels and people as TARGETs separated by spaces (`slack:C123`,
    # `teams:19:abc`). A platform with pickers of its channels or people offers them beside the field (Slack
    # both, Teams people), and what is picked arrives as TARGETs in the same value, after what was typed.
    # "place": one place to post, a channel picked where the platform lists them (Slack).
    picks: Literal["targets", "place"] | None = None


class ContextLine(Neutral):
    """Small print under a message, in Markdown (see `Text`)."""

    type: Literal["context"] = "context"
    text: str


class Image(Neutral):
    """A picture, by URL or as PNG bytes in base64 (charts)."""

    type: Literal["image"] = "image"
    alt: str
    url: str | None = None
    png_base64: str | None = None
    title: str | None = None


class Link(Neutral):
    """A link with a label."""

    type: Literal["link"] = "link"
    url: str
    label: str


Block = Annotated[
    Text | Fields | Buttons | Choice | TextInput | ContextLine | Image | Link, Field(discriminator="type")
]


class OutboundMessage(Neutral):
    """What the bot says; `text` is the fallback (notifications, screen readers), in Markdown (see `Text`).

    Labels of buttons, choices, inputs, forms and links, and the alt text and titles of images, are plain text.
    """

    text: str
    blocks: list[Block] = Field(default_factory=list)
    ephemeral_to: UserRef | None = None  # only this person sees it (Slack ephemeral; Teams: a DM)
    # Set by the outbox worker (no personal data): a platform that can read its history back tags the
    # message with it, so a send resumed after a crash finds the post that already went out.
    delivery_key: str | None = None

    @classmethod
    def plain(cls, text: str) -> OutboundMessage:
        """A message of one paragraph."""
        return cls(text=text, blocks=[Text(text=text)])


class Form(Neutral):
    """A form the person fills in (Slack modal, Teams card with inputs)."""

    callback_id: str
    title: str
    submit_label: str = "Submit"
    blocks: list[Block]
    private_metadata: str = ""


class SentMessage(Neutral):
    """A message the platform accepted, by its id there."""

    conversation: ConversationRef
    message_id: str


class Capabilities(Neutral):
    """What an adapter can do, declared so features degrade gracefully instead of assuming."""

    threads: bool = True
    ephemeral: bool = False
    edit: bool = True
    delete: bool = True
    forms: bool = False
    # A form opens only in answer to a click or a command (Slack's trigger id), not to a plain message.
    forms_need_a_click: bool = False
    home_tab: bool = False
    max_buttons: int = 5
    # A DM can be posted straight to the person's id (Slack), so no 1:1 conversation needs storing.
    direct_by_user_id: bool = False
    # One person at a terminal plays everyone (the demo's console): a place without members is a person,
    # and a pulse asked there runs as a sample that closes as soon as it is answered.
    single_person: bool = False
