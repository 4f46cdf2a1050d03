"""The people of a Slack channel or user group: member ids paged, then their profiles, without bots and guests."""

from __future__ import annotations

from typing import Any

from adapters.slack.client import SlackClient
from bot.core.errors import PermanentSendError
from bot.core.types import ConversationRef, UserRef

PLATFORM = "slack"
# Members lists longer than this are resolved with paged users.list (Tier 2) rather than users.info each.
USERS_INFO_UP_TO = 50
PAGE_SIZE = 200


async def list_members(api: SlackClient, conversation: ConversationRef) -> list[UserRef]:
    """The people of a channel or user group (S...), without bots, deleted accounts and guests."""
    workspace = conversation.workspace
    if conversation.channel.startswith("S"):
        answer = await api.call(
            workspace, "usergroups.users.list", params={"usergroup": conversation.channel}
        )
        ids = [str(u) for u in answer.get("users") or []]
    else:
        ids = []
        cursor = ""
        while True:
            params: dict[str, Any] = {"channel": conversation.channel, "limit": PAGE_SIZE}
            if cursor:
                params["cursor"] = cursor
            answer = await api.call(workspace, "conversations.members", params=params)
            ids.extend(str(u) for u in answer.get("members") or [])
            cursor = str((answer.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
    profiles = await _profiles(api, workspace, ids)
    people = [user_ref(workspace, profiles[i]) for i in dict.fromkeys(ids) if i in profiles]
    return [p for p in people if not (p.is_bot or p.is_deleted or p.is_guest)]


async def _profiles(api: SlackClient, workspace: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    wanted = set(ids)
    if len(wanted) <= USERS_INFO_UP_TO:
        profiles: dict[str, dict[str, Any]] = {}
        for user_id in dict.fromkeys(ids):
            try:
                answer = await api.call(workspace, "users.info", params={"user": user_id})
            except PermanentSendError as exc:
                if "user_not_found" in exc.reason:
                    continue
                raise
            profiles[user_id] = answer.get("user") or {}
        return profiles
    profiles = {}
    cursor = ""
    while True:
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if cursor:
            params["cursor"] = cursor
        answer = await api.call(workspace, "users.list", params=params)
        for member in answer.get("members") or []:
            if member.get("id") in wanted:
                profiles[str(member["id"])] = member
        cursor = str((answer.get("response_metadata") or {}).get("next_cursor") or "")
        if not cursor:
            return profiles


def user_ref(workspace: str, member: dict[str, Any]) -> UserRef:
    """A member object of users.info / users.list as a person."""
    profile = member.get("profile") or {}
    return UserRef(
        platform=PLATFORM,
        workspace=workspace,
        user_id=str(member.get("id", "")),
        display_name=profile.get("display_name") or profile.get("real_name") or member.get("name"),
        email=profile.get("email"),
        time_zone=member.get("tz"),
        is_bot=bool(member.get("is_bot")) or member.get("id") == "USLACKBOT",
        is_guest=bool(member.get("is_restricted") or member.get("is_ultra_restricted")),
        is_deleted=bool(member.get("deleted")),
    )
