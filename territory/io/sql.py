"""Accounts from a SQL database through SQLAlchemy (``pip install 'territory[sql]'``).

``read_sql_accounts("sqlite:///crm.db", table="accounts")`` or ``query="SELECT ..."``
returns the same raw, all-text frame that ``read_table`` gives for a CSV, so the loader
parses both the same way. SQLAlchemy is imported lazily: ``import territory`` stays fast and
works without it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError, InputError, Problem

# dialect[+driver]://... ; a Windows path such as C:\\x.csv has one letter before the colon.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+://")


def is_database_url(source: str | Path) -> bool:
    """True when ``source`` is a SQLAlchemy URL rather than a file path."""
    return isinstance(source, str) and bool(_URL.match(source))


def safe_label(url: str) -> str:
    """The URL with any password hidden, for messages and summary.json."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a label must never fail
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def _engine(url: str) -> Any:
    try:
        import sqlalchemy
    except ImportError:
        raise ConfigError(
            "reading accounts from a database needs SQLAlchemy: pip install 'territory[sql]'"
        ) from None
    try:
        return sqlalchemy.create_engine(url)
    except sqlalchemy.exc.ArgumentError as e:
        raise InputError(
            [
                Problem(
                    safe_label(url),
                    f"not a database URL SQLAlchemy understands: {e}",
                    hint="e.g. sqlite:///crm.db or postgresql+psycopg://user@host/db",
                )
            ]
        ) from None
    except (ImportError, sqlalchemy.exc.NoSuchModuleError) as e:
        raise InputError(
            [
                Problem(
                    safe_label(url),
                    f"no database driver for this URL: {e}",
                    hint="install the driver, e.g. pip install 'territory[sql]' for PostgreSQL (psycopg)",
                )
            ]
        ) from None


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text ('' for NULL), as the CSV reader gives it."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        text = s.map(_cell)
        out[str(col)] = text.astype(object)
    return out.reset_index(drop=True)


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


def read_sql_accounts(
    url: str, *, table: str | None = None, query: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Read a table or a query's rows as an all-text frame; return it with a fingerprint.

    The fingerprint is the sha256 of the rows as CSV, so summary.json records what was read
    the way it does for a file.
    """
    label = safe_label(url)
    if bool(table) == bool(query):
        raise ConfigError(
            f"{label}: give the accounts table (--table / inputs.table) or a query "
            "(--query / inputs.query), not both or neither"
        )
    engine = _engine(url)
    import sqlalchemy

    try:
        with engine.connect() as conn:
            if table:
                names = sqlalchemy.inspect(conn).get_table_names()
                schema = None
                name = table
                if "." in table and table not in names:
                    schema, name = table.split(".", 1)
                    names = sqlalchemy.inspect(conn).get_table_names(schema=schema)
                if name not in names:
                    shown = ", ".join(sorted(names)[:20]) or "(none)"
                    raise InputError(
                        [
                            Problem(
                                label, f"no table named {table!r}", hint=f"tables in this database: {shown}"
                            )
                        ]
                    )
                # Reflecting and selecting quotes the name, so any table name is safe.
                t = sqlalchemy.Table(name, sqlalchemy.MetaData(), schema=schema, autoload_with=conn)
                df = pd.read_sql_query(sqlalchemy.select(t), conn)
            else:
                df = pd.read_sql_query(sqlalchemy.text(query or ""), conn)
    except InputError:
        raise
    except (sqlalchemy.exc.SQLAlchemyError, pd.errors.DatabaseError) as e:
        # pandas wraps the SQLAlchemy error; the driver's own message is the useful part.
        cause = e.__cause__ if isinstance(e, pd.errors.DatabaseError) and e.__cause__ else e
        detail = str(getattr(cause, "orig", None) or cause).strip().splitlines()[0]
        raise InputError(
            [
                Problem(
                    label,
                    f"cannot read the accounts from the database: {detail}",
                    hint="check the URL, the credentials and the table or query",
                )
            ]
        ) from None
    finally:
        engine.dispose()
    text = _as_text(df)
    digest = hashlib.sha256(text.to_csv(index=False, lineterminator="\n").encode("utf-8")).hexdigest()
    return text, digest
