"""Copying frames the cheap way when pandas allows it."""

from __future__ import annotations

import pandas as pd


def _copy_on_write() -> bool:
    """True when pandas copies a column the moment either of two frames sharing it writes to
    it (pandas 3 always; pandas 2 with ``mode.copy_on_write`` on)."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


COPY_ON_WRITE = _copy_on_write()


def copy_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` that can be changed without changing ``df``.

    With copy-on-write the copy shares the columns until one side writes (a million accounts'
    frame is ~0.1 s and ~200 MB of fresh memory per deep copy); without, a deep copy."""
    return df.copy(deep=not COPY_ON_WRITE)
