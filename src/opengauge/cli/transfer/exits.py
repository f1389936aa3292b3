"""How a transfer run ends: its exit status and the command that resumes it."""

from __future__ import annotations

import shlex
import sys

EXIT_REFUSED = 1
EXIT_FATAL = 2
EXIT_INTERRUPTED = 130


def resume_command(option: str, value: int) -> str:
    """This command again, with ``option value`` in place of any it had."""
    kept: list[str] = []
    skipping = False
    for arg in sys.argv[1:]:
        if skipping:
            skipping = False
            continue
        if arg == option:
            skipping = True
            continue
        if arg.startswith(option + "="):
            continue
        kept.append(arg)
    return shlex.join(["opengauge", *kept, option, str(value)])
