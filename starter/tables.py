"""Plain-text tables for the staff commands (`seldenrijk inventory search`, `leads`, `escalations list`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def text_table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    """Columns padded to their widest cell; columns in `right` (numbers) aligned right."""
    widths = [max([len(header), *(len(row[i]) for row in rows)]) for i, header in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(cells, widths))]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def euro(amount: int | None, monthly: bool = False) -> str:
    if not amount:
        return "-"
    return f"€ {amount:,}".replace(",", ".") + (" p/m" if monthly else "")


def thousands(value: int | None) -> str:
    return "-" if value is None else f"{value:,}".replace(",", ".")


def local_time(moment: datetime | None) -> str:
    """'24-11-2026 13:05' in the dealer's time zone, as staff read dates."""
    if moment is None:
        return "-"
    return moment.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
