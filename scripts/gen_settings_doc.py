"""Regenerate docs/settings.md from the settings table (territory.config.describe_settings).

python scripts/gen_settings_doc.py            # rewrite docs/settings.md
python scripts/gen_settings_doc.py --check    # exit 1 if it is out of date (tests do this)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "settings.md"

INTRO = """# Settings

Every setting of a plan, generated from `territory/config.py` by `scripts/gen_settings_doc.py`
(do not edit by hand; a test checks this file is current).

Settings come from the defaults, then a TOML file (`--config plan.toml`, or the file given to
`territory run`), then `--set key=value` flags, in that order. A dotted key `section.name` is
written in TOML as `name = value` under `[section]`. Unknown keys and values of the wrong type
are errors that name the key and the file. In the file given to `territory run`, paths are
relative to the file's folder.

Every number has an allowed range (the "allowed" column), checked the same way in a TOML
file, in `--set` and in the command-line flags that set it (`--time-limit`, `--gap`,
`--threads`, `--sweep-moves`); a value outside it is refused with the range in the message.
NaN and infinity are never accepted, nor a non-zero value smaller than 0.000001 (write 0).
A **share** is a fraction of a whole: write `0.05` or `"5%"`. A plain number of 1 or more is
refused as a share (`tier_band = 5` would be ±500 %; the message asks "did you mean 5%?"), so
100 % is written `"100%"`.
"""


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from territory.config import describe_settings

    lines = [INTRO]
    section = None
    for key, default, help_text, allowed in describe_settings():
        head = key.split(".")[0] if "." in key else ""
        if head != section:
            section = head
            lines.append(f"\n## [{head}]\n" if head else "\n## Top level\n")
            lines.append("| setting | default | allowed | what it does |")
            lines.append("|---|---|---|---|")
        cell = help_text.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{key}` | `{default}` | {allowed} | {cell} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is out of date; run python scripts/gen_settings_doc.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
