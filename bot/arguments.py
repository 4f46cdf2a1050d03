"""The command line's parser class: an option taking several values also accepts the flag repeated."""

from __future__ import annotations

import argparse
from typing import Any

_SEVERAL = ("+", "*")


def _store_or_extend(**kwargs: Any) -> argparse.Action:
    # `--audience A --audience B` must not keep B alone: plain "store" drops every earlier value without a
    # word, so an option of several values extends its list on each repetition (`--audience A B` still works).
    if kwargs.get("option_strings") and kwargs.get("nargs") in _SEVERAL:
        return argparse._ExtendAction(**kwargs)
    return argparse._StoreAction(**kwargs)


class CommandParser(argparse.ArgumentParser):
    """ArgumentParser whose default action extends options of several values; subcommands inherit it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Registered as the default action (None): argument groups and subparsers (created with this class
        # by add_subparsers) share it, so no feature can add an option that forgets the habit.
        self.register("action", None, _store_or_extend)
