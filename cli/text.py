"""Small text helpers shared by the terminal tables."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

NAME_KEEP = 20  # a rep's name is never cut shorter than this
LABEL_LIMIT = 64  # a rep column never grows wider than this (unless NAME_KEEP needs it)


# Line breaks, tabs and other control characters, and the marks that reorder the text after
# them (bidirectional overrides and isolates): in a name they would break a table row in two
# or show its numbers in another order.
_NOT_ON_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_REORDERING = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """``text`` as a table cell shows it: on one line (a line break or tab from a quoted CRM
    cell becomes a space) and in the order it is written (direction overrides removed)."""
    return _REORDERING.sub("", _NOT_ON_ONE_LINE.sub(" ", text))


def rep_label(rep_id: str, name: str, suffix: str = "", limit: int = LABEL_LIMIT) -> str:
    """'<id> <name><suffix>', the name shortened with '…' only when the label exceeds
    ``limit``, and never below ``NAME_KEEP`` characters (an 18-character Salesforce id and a
    real name fit whole); both on one line (``one_line``)."""
    rep_id, name = one_line(rep_id), one_line(name)
    name = name if name and name != rep_id else ""
    text = f"{rep_id} {name}{suffix}" if name else f"{rep_id}{suffix}"
    if len(text) <= limit or len(name) <= NAME_KEEP:
        return text
    room = max(NAME_KEEP, limit - len(rep_id) - 1 - len(suffix))
    return f"{rep_id} {name[: room - 1]}\u2026{suffix}" if room < len(name) else text


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: two for a wide character (CJK, most emoji), none for a
    combining accent or a zero-width character, one for the rest."""
    if text.isascii():
        return len(text)
    return sum(
        0
        if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf")
        else 2
        if unicodedata.east_asian_width(c) in ("W", "F")
        else 1
        for c in text
    )


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (``f"{text:<{width}}"`` counts
    characters, so a name in Chinese pushed its row's numbers out of their columns)."""
    return text + " " * max(0, width - display_width(text))


def rjust(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns (``pad``'s counterpart)."""
    return " " * max(0, width - display_width(text)) + text


def column_width(labels: Sequence[str], header: str, minimum: int = 0) -> int:
    """Width of a text column in terminal columns: the widest label or the header, at least ``minimum``."""
    return max([minimum, display_width(header), *(display_width(x) for x in labels)])
