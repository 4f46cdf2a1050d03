"""Every option of several values takes them after one flag and as the flag repeated (CONTRACT: `--audience`)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from bot.cli import build_parser


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def _value(action: argparse.Action, n: int) -> str:
    if action.choices:
        return str(list(action.choices)[n % len(list(action.choices))])
    return str(n + 1)  # a whole number parses as int, Path and str alike


def _required(parser: argparse.ArgumentParser, skip: argparse.Action) -> list[str]:
    argv: list[str] = []
    for action in parser._actions:
        if action is skip or isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        if not action.option_strings:
            argv += [_value(action, 0)] * (1 if action.nargs in (None, "+") else 0)
        elif action.required:
            argv += [action.option_strings[0], _value(action, 0)]
    return argv


def _several_value_options() -> list[tuple[tuple[str, ...], argparse.ArgumentParser, argparse.Action]]:
    found = []
    for path, parser in _commands(build_parser()):
        if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
            continue
        for action in parser._actions:
            if action.option_strings and action.nargs in ("+", "*"):
                found.append((path, parser, action))
    return found


def test_the_walk_finds_the_audience_of_pulse_create() -> None:
    options = {(path, action.option_strings[0]) for path, _p, action in _several_value_options()}
    assert (("pulse", "create"), "--audience") in options


def test_every_option_of_several_values_accepts_the_flag_repeated() -> None:
    parser = build_parser()
    for path, command, action in _several_value_options():
        flag = action.option_strings[0]
        rest = _required(command, action)
        one_flag = parser.parse_args([*path, *rest, flag, _value(action, 0), _value(action, 1)])
        repeated = parser.parse_args([*path, *rest, flag, _value(action, 0), flag, _value(action, 1)])
        values = getattr(one_flag, action.dest)
        assert len(values) == 2, (path, flag)
        assert getattr(repeated, action.dest) == values, f"{' '.join(path)} {flag} keeps only its last value"


def test_six_repeated_audience_flags_keep_all_six_people() -> None:
    people = [f"slack:U{n}" for n in range(1, 7)]
    argv = ["pulse", "create", "--question", "enps"]
    for person in people:
        argv += ["--audience", person]
    assert build_parser().parse_args(argv).audience == people
