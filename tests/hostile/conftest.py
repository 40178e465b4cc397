"""Reports how many requests the hostile walk sent, so CI shows it ran and how much it covered."""

from __future__ import annotations

SENT: dict[str, int] = {}


def pytest_terminal_summary(terminalreporter):
    for backend, count in sorted(SENT.items()):
        terminalreporter.write_line(f"consult: hostile walk sent {count} requests on {backend}")
