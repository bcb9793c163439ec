"""Stage progress bar on stderr (tqdm), shown only when asked or when stderr is a TTY."""

from __future__ import annotations

import sys
from collections.abc import Callable


def make_progress(
    progress: bool | None, total: int, desc: str
) -> tuple[Callable[[str], None] | None, Callable[[], None]]:
    """(tick(label), close()) — tick is None when no bar is shown."""
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False)

    def tick(label: str) -> None:
        bar.set_postfix_str(label)
        bar.update(1)

    return tick, bar.close
