"""The one careful reader for the JSON and TOML files territory reads.

ICP files, plan.toml and settings files, scenario files, ``--set`` values and a plan folder's
``summary.json`` and ``icp.json`` all come through here, so each is refused the same way, with
a message naming the file, when it is

- not a regular file (a folder, a FIFO, ``/dev/zero``: checked before opening, so nothing
  blocks or reads forever);
- larger than its limit (checked before reading, and again while reading);
- not UTF-8 text, or holds NUL bytes;
- nested deeper than ``MAX_DEPTH`` levels (``[[[[...]]]]``, or a dotted key ``a.b.c...``),
  which would otherwise exhaust the stack or, for TOML dotted keys, memory;
- not valid JSON/TOML (with the line and column).

Every refusal raises ``UnreadableFile`` (a ``ValueError``); ``read_toml_setting`` turns it
into the ``ConfigError`` the settings readers raise.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10 fallback
    import tomli as tomllib

from ..errors import ConfigError

MAX_DEPTH = 32
TOML_MAX_BYTES = 4 << 20  # an ICP file or plan.toml is a few kB; 4 MB is generous
JSON_MAX_BYTES = 256 << 20  # summary.json: about 1.5 kB per rep


class UnreadableFile(ValueError):
    """A file refused by the safe reader; ``str()`` is "<file>: <what is wrong>"."""

    def __init__(self, file: str, message: str, hint: str | None = None):
        self.file = file
        self.message = message
        self.hint = hint
        super().__init__(f"{file}: {message}" + (f"; {hint}" if hint else ""))


def _a(what: str) -> str:
    return ("an " if what[:1].lower() in "aeio" else "a ") + what


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MB" if n >= 1 << 20 else f"{n:,} bytes"


def read_limited(path: str | Path, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file no larger than ``max_bytes``.

    ``FileNotFoundError`` and ``IsADirectoryError`` pass through (callers word them);
    everything else that is wrong raises ``UnreadableFile``.
    """
    label = str(path)
    try:
        st = os.stat(path)  # follows symlinks
    except (FileNotFoundError, NotADirectoryError):
        raise FileNotFoundError(2, "No such file or directory", label) from None
    except OSError as e:  # a loop of links, a name too long, no permission on a folder
        raise UnreadableFile(label, f"cannot be opened: {e.strerror or e}", "check the path") from None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(21, "Is a directory", label)
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableFile(
            label,
            f"is not a regular file (a device, a pipe or a socket), so the {what} cannot be read",
            f"give the path of {_a(what)} saved on disk",
        )
    if st.st_size > max_bytes:
        raise UnreadableFile(
            label,
            f"is {_mb(st.st_size)}, more than {_a(what)} can be ({_mb(max_bytes)})",
            "is it the right file?",
        )
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except PermissionError:
        raise UnreadableFile(label, "cannot be read: permission denied") from None
    except OSError as e:
        raise UnreadableFile(label, f"cannot be read: {e.strerror or e}") from None
    if len(data) > max_bytes:  # it grew while we looked
        raise UnreadableFile(
            label, f"is more than {_a(what)} can be ({_mb(max_bytes)})", "is it the right file?"
        )
    return data


def decode_text(data: bytes, label: str) -> str:
    """UTF-8 text (a leading byte-order mark is dropped); NUL bytes and other encodings refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise UnreadableFile(label, f"contains NUL bytes (binary data) on line {line}", "is it a text file?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise UnreadableFile(
            label,
            f"is not UTF-8 text (byte 0x{data[e.start]:02x} on line {line})",
            "save it as UTF-8",
        ) from None


# --------------------------------------------------------------------------- nesting

# Strings and comments (skipped as a whole), then the characters that open or close a level,
# end a dotted key, or chain one.
_TOML_TOKENS = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:\\.|[^"\\\n])*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}.=,\n]'
)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _too_deep(label: str, line: int) -> UnreadableFile:
    return UnreadableFile(
        label,
        f"is nested more than {MAX_DEPTH} levels deep (line {line})",
        "a settings file needs a few levels at most; is it the right file?",
    )


def check_toml_depth(text: str, label: str) -> None:
    """Refuse arrays/tables nested, or dotted keys chained, deeper than ``MAX_DEPTH``."""
    depth = chain = 0
    for m in _TOML_TOKENS.finditer(text):
        tok = m.group()
        if tok in "[{":
            depth += 1
            chain = 0
            if depth > MAX_DEPTH:
                raise _too_deep(label, _line_of(text, m.start()))
        elif tok in "]}":
            depth -= 1
            chain = 0
        elif tok == ".":
            chain += 1
            if chain >= MAX_DEPTH:
                raise _too_deep(label, _line_of(text, m.start()))
        elif tok in "=,\n":
            chain = 0


def check_depth(obj: Any, label: str) -> None:
    """Refuse a parsed object nested deeper than ``MAX_DEPTH`` (iteratively: no recursion)."""
    stack = [(obj, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if d > MAX_DEPTH:
            raise UnreadableFile(
                label, f"is nested more than {MAX_DEPTH} levels deep", "is it the right file?"
            )
        stack.extend((c, d + 1) for c in children)


# --------------------------------------------------------------------------- readers


def loads_toml(text: str, label: str) -> dict[str, Any]:
    """Parse TOML text with the nesting checks; errors name ``label``."""
    check_toml_depth(text, label)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UnreadableFile(label, f"not valid TOML: {e}") from None
    except RecursionError:
        raise _too_deep(label, 1) from None
    check_depth(data, label)
    return data


def loads_json(text: str, label: str) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise UnreadableFile(label, f"not valid JSON: {e}") from None
    except RecursionError:
        raise UnreadableFile(
            label, f"is nested more than {MAX_DEPTH} levels deep", "is it the right file?"
        ) from None
    check_depth(data, label)
    return data


def read_toml(
    path: str | Path, *, max_bytes: int = TOML_MAX_BYTES, what: str = "settings file"
) -> dict[str, Any]:
    """A TOML file as a dict; see the module docstring for what is refused."""
    label = str(path)
    return loads_toml(decode_text(read_limited(path, max_bytes, what), label), label)


def read_json(path: str | Path, *, max_bytes: int = JSON_MAX_BYTES, what: str = "JSON file") -> Any:
    """A JSON file, parsed; see the module docstring for what is refused."""
    label = str(path)
    return loads_json(decode_text(read_limited(path, max_bytes, what), label), label)


def read_toml_setting(path: str | Path, what: str) -> dict[str, Any]:
    """``read_toml`` for settings-like files: every problem is a ``ConfigError`` naming the file.

    :param what: the kind of file in messages, e.g. "ICP file" ("icp.toml: ICP file not found").
    """
    try:
        return read_toml(path, what=what)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; name the {what} (a .toml file)") from None
    except UnreadableFile as e:
        raise ConfigError(str(e)) from None
