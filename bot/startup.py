"""Start-up of a process: its modules loaded with the garbage collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def loading_modules() -> Iterator[None]:
    """Pause the cyclic garbage collector while the application's modules load.

    Loading them creates about a million objects (classes, models, SQL constructs), none of them garbage, and
    the collector walks them again and again as they pile up: a quarter of every command's start-up time
    (3.9 s to 2.9 s for `import bot.cli` on a slow machine). Each process starts several times in a test run.
    """
    was_collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_collecting:
            gc.enable()
