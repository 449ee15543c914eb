"""What the benches' printed tables share: the machine the figures were taken on, and a header
row with its rule. (Their servers and browsers are the tests' own: tests/live_server.py and
tests/ui/conftest.py.)"""

from __future__ import annotations

import os

import psutil


def machine() -> str:
    """The cores and the load the figures were taken under: on a busy box every figure is slower."""
    load = os.getloadavg()
    return f"{psutil.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} (1 / 5 min)"


def print_header(header: str) -> None:
    """A table's column titles and the rule under them."""
    print(header)
    print("-" * len(header))
