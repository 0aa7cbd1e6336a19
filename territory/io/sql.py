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


# --------------------------------------------------------------------------- the query check

#: Words that modify data or the database, or lock rows, refused anywhere in a query (outside
#: strings, comments and quoted names). A SELECT never needs them; PostgreSQL allows
#: INSERT/UPDATE/DELETE/MERGE inside WITH, and SELECT ... INTO creates a table.
WRITE_WORDS = frozenset(
    "INSERT UPDATE DELETE MERGE INTO DROP CREATE ALTER TRUNCATE ATTACH DETACH PRAGMA GRANT REVOKE "
    "COPY VACUUM REINDEX CALL EXECUTE LOCK".split()
)
#: Functions that act outside the query: files, other sessions, sequences, settings, extensions.
SIDE_EFFECT_FUNCTIONS = frozenset(
    """pg_read_file pg_read_binary_file pg_ls_dir pg_stat_file lo_import lo_export lo_unlink
    lo_create lo_put lo_from_bytea pg_terminate_backend pg_cancel_backend pg_reload_conf
    pg_rotate_logfile set_config nextval setval dblink dblink_exec dblink_connect
    pg_logical_emit_message pg_notify load_extension writefile readfile edit fts3_tokenizer
    pg_switch_wal pg_switch_xlog pg_create_restore_point pg_backup_start pg_backup_stop
    pg_start_backup pg_stop_backup pg_promote pg_wal_replay_pause pg_wal_replay_resume
    pg_log_backend_memory_contexts pg_import_system_collations""".split()
)
#: Families of such functions, by the start of their name (statistics resets, replication
#: slots and origins, adminpack's file functions, large objects, advisory locks).
SIDE_EFFECT_PREFIXES = (
    "pg_stat_reset",
    "pg_create_",
    "pg_drop_",
    "pg_replication_origin",
    "pg_file_",
    "lo_",
    "pg_advisory",
)
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def _refuse(query: str, why: str) -> ConfigError:
    shown = " ".join(query.split())
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return ConfigError(
        f"--query {shown!r}: {why}. The query must be one SELECT (or WITH ... SELECT) statement; "
        "the database is only ever read"
    )


def _tokens(query: str, dialect: str) -> list[tuple[str, str]]:
    """(kind, text) tokens outside comments: word, string, name (quoted), punct.

    Strings ('...' with '' inside, E'...' with backslash escapes, PostgreSQL $tag$...$tag$)
    and quoted names ("...", `...`, SQLite's [...]) are single tokens, so a ';' or a keyword
    inside them is not code. An unterminated one, or a comment inside a block comment (SQLite
    and PostgreSQL disagree on where it ends), is refused.
    """
    out: list[tuple[str, str]] = []
    i, n = 0, len(query)

    def closing(start: int, quote: str, backslash: bool) -> int:
        j = start
        while j < n:
            c = query[j]
            if backslash and c == "\\":
                j += 2
                continue
            if c == quote:
                if j + 1 < n and query[j + 1] == quote:
                    j += 2
                    continue
                return j + 1
            j += 1
        raise _refuse(query, f"a {'string' if quote == chr(39) else 'quoted name'} is never closed")

    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif query.startswith("--", i):
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
        elif query.startswith("/*", i):
            end = query.find("*/", i + 2)
            if end < 0:
                raise _refuse(query, "a /* comment is never closed")
            if "/*" in query[i + 2 : end]:
                raise _refuse(query, "a comment inside a comment")
            i = end + 2
        elif c in "eE" and dialect == "postgresql" and query.startswith("'", i + 1):
            j = closing(i + 2, "'", backslash=True)
            out.append(("string", query[i:j]))
            i = j
        elif c == "'":
            j = closing(i + 1, "'", backslash=False)
            out.append(("string", query[i:j]))
            i = j
        elif c in '"`' or (c == "[" and dialect == "sqlite"):
            j = closing(i + 1, "]" if c == "[" else c, backslash=False)
            out.append(("name", query[i:j]))
            i = j
        elif c == "$" and dialect == "postgresql" and (m := _DOLLAR.match(query, i)):
            end = query.find(m.group(0), m.end())
            if end < 0:
                raise _refuse(query, f"a {m.group(0)} string is never closed")
            out.append(("string", query[i : end + len(m.group(0))]))
            i = end + len(m.group(0))
        elif m := _WORD.match(query, i):
            out.append(("word", m.group(0)))
            i = m.end()
        else:
            out.append(("punct", c))
            i += 1
    return out


def check_select(query: str, dialect: str = "") -> None:
    """Refuse anything but one read-only SELECT (or WITH ... SELECT); ``ConfigError`` says why.

    This is the first of two locks: the connection itself is read-only as well (see
    ``readonly_engine``), so a query that slipped past this check still could not write.
    """
    tokens = _tokens(query, dialect)
    statements: list[list[tuple[str, str]]] = [[]]
    for tok in tokens:
        if tok == ("punct", ";"):
            statements.append([])
        else:
            statements[-1].append(tok)
    statements = [s for s in statements if s]
    if not statements:
        raise _refuse(query, "it is empty")
    if len(statements) > 1:
        raise _refuse(query, f"it holds {len(statements)} statements")
    (stmt,) = statements
    first = next((t for t in stmt if t != ("punct", "(")), ("", ""))
    if first[0] != "word" or first[1].upper() not in ("SELECT", "WITH"):
        raise _refuse(query, f"it starts with {first[1]!r}, not SELECT or WITH")
    for k, (kind, text) in enumerate(stmt):
        called = k + 1 < len(stmt) and stmt[k + 1] == ("punct", "(")
        if kind == "name" and called:  # "pg_reload_conf"(): a quoted name calls the function too
            kind, text = "word", text[1:-1]
        if kind != "word":
            continue
        word = text.upper()
        if word in WRITE_WORDS:
            raise _refuse(query, f"it contains {word}")
        if word == "FOR" and k + 1 < len(stmt) and stmt[k + 1][1].upper() in ("SHARE", "KEY", "NO"):
            raise _refuse(query, "it locks rows (FOR SHARE)")
        if not called:
            continue
        if text.lower().startswith("pg_advisory"):
            raise _refuse(query, f"it calls {text}(), which takes a lock")
        if text.lower() in SIDE_EFFECT_FUNCTIONS or text.lower().startswith(SIDE_EFFECT_PREFIXES):
            raise _refuse(query, f"it calls {text}(), which acts outside the query")


# --------------------------------------------------------------------------- read-only connections

# What a read-only SQLite connection may do (sqlite3 authorizer actions); everything else,
# ATTACH, PRAGMA writes and every kind of write included, is denied by the engine itself.
_SQLITE_TABLE_PRAGMAS = frozenset(  # PRAGMA name(table): describe a table
    "table_info table_xinfo index_list index_info index_xinfo foreign_key_list".split()
)
_SQLITE_QUERY_PRAGMAS = frozenset(  # PRAGMA name, no value: read a setting (SQLAlchemy does)
    "read_uncommitted database_list collation_list table_list encoding user_version schema_version".split()
)


def _sqlite_authorizer(
    action: int, arg1: str | None, arg2: str | None, _db: str | None, _src: str | None
) -> int:
    import sqlite3

    if action in (
        sqlite3.SQLITE_SELECT,
        sqlite3.SQLITE_READ,
        sqlite3.SQLITE_RECURSIVE,
        sqlite3.SQLITE_TRANSACTION,
    ):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if (arg2 or "").lower() in SIDE_EFFECT_FUNCTIONS else sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_PRAGMA:
        name = (arg1 or "").lower()
        if name in _SQLITE_TABLE_PRAGMAS or (name in _SQLITE_QUERY_PRAGMAS and arg2 is None):
            return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def _sqlite_path(url: Any, label: str) -> Path:
    """The database file of a sqlite:/// URL; it must exist (a read never creates one)."""
    if url.query:
        raise ConfigError(
            f"{label}: a SQLite URL here takes no options (?...); write sqlite:///path/to/crm.db"
        )
    db = url.database or ""
    if db in ("", ":memory:") or db.startswith("file:"):
        raise ConfigError(f"{label}: give the SQLite database file, e.g. sqlite:///crm.db")
    path = Path(db)
    if not path.is_file():
        why = "is a folder" if path.is_dir() else "does not exist"
        raise InputError(
            [
                Problem(
                    label,
                    f"no SQLite database at {db!r}: the path {why}",
                    hint="check the path (sqlite:///relative/path.db, sqlite:////absolute/path.db); "
                    "territory never creates a database",
                )
            ]
        )
    return path.resolve()


def readonly_engine(url: str) -> Any:
    """A SQLAlchemy engine whose connections cannot write.

    SQLite: the file is opened with ``mode=ro`` (so it is never created), ``query_only`` is
    on and an authorizer denies everything but reading (ATTACH, PRAGMA writes, writes).
    PostgreSQL: every transaction is read-only (``default_transaction_read_only``), and
    ``read_sql_accounts`` also starts its transaction with ``SET TRANSACTION READ ONLY``.
    Other databases get the query check only: connect them with a read-only user.
    """
    try:
        import sqlalchemy
        from sqlalchemy.engine import make_url
    except ImportError:
        raise ConfigError(
            "reading accounts from a database needs SQLAlchemy: pip install 'territory[sql]'"
        ) from None
    label = safe_label(url)
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            import sqlite3
            from urllib.parse import quote

            path = _sqlite_path(parsed, label)

            def connect() -> sqlite3.Connection:
                conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, check_same_thread=False)
                conn.execute("PRAGMA query_only = ON")
                conn.set_authorizer(_sqlite_authorizer)
                return conn

            return sqlalchemy.create_engine("sqlite://", creator=connect)
        if parsed.get_backend_name() == "postgresql":
            return sqlalchemy.create_engine(
                parsed, connect_args={"options": "-c default_transaction_read_only=on"}
            )
        return sqlalchemy.create_engine(parsed)
    except sqlalchemy.exc.ArgumentError as e:
        raise InputError(
            [
                Problem(
                    label,
                    f"not a database URL SQLAlchemy understands: {e}",
                    hint="e.g. sqlite:///crm.db or postgresql+psycopg://user@host/db",
                )
            ]
        ) from None
    except (ImportError, sqlalchemy.exc.NoSuchModuleError) as e:
        raise InputError(
            [
                Problem(
                    label,
                    f"no database driver for this URL: {e}",
                    hint="install the driver, e.g. pip install 'territory[sql]' for PostgreSQL (psycopg)",
                )
            ]
        ) from None


def _as_text(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Every cell as text ('' for NULL), as the CSV reader gives it.

    A BLOB that is not UTF-8 text is refused, as a binary Parquet column is: decoded with
    replacement characters it would reach the plan's files as "\ufffdPNG\ufffd".
    """
    out = pd.DataFrame(index=df.index)
    problems = []
    for col in df.columns:
        s = df[col]
        binary = s.map(lambda v: isinstance(v, (bytes, bytearray, memoryview)) and not _is_utf8(v))
        if binary.any():
            i = int(binary.to_numpy().argmax())
            problems.append(
                Problem(
                    label,
                    f"column holds binary data, which has no text form ({int(binary.sum()):,} value(s), "
                    f"the first in result row {i + 1})",
                    column=str(col),
                    hint="leave the column out of the query (select the columns the plan needs)",
                )
            )
            continue
        text = s.map(_cell)
        out[str(col)] = text.astype(object)
    if problems:
        raise InputError(problems)
    return out.reset_index(drop=True)


def _is_utf8(v: bytes | bytearray | memoryview) -> bool:
    try:
        bytes(v).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode("utf-8")  # (checked: text stored as a BLOB)
    return str(v)


def _table_select(conn: Any, table: str, label: str) -> Any:
    """``SELECT * FROM "table"`` for a table the database has, with the name quoted."""
    import sqlalchemy

    inspector = sqlalchemy.inspect(conn)
    names = inspector.get_table_names()
    schema, name = None, table
    if "." in table and table not in names:
        schema, name = table.split(".", 1)
        names = inspector.get_table_names(schema=schema)
    if name not in names:
        shown = ", ".join(sorted(names)[:20]) or "(none)"
        raise InputError(
            [Problem(label, f"no table named {table!r}", hint=f"tables in this database: {shown}")]
        )
    return sqlalchemy.select(sqlalchemy.text("*")).select_from(sqlalchemy.table(name, schema=schema))


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
    engine = readonly_engine(url)
    import sqlalchemy

    if query:
        check_select(query, engine.dialect.name)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            # The query goes to the driver as written (no ':name' parameters); a table is
            # selected with its name quoted by the dialect.
            sql: Any = _table_select(conn, table, label) if table else (query or "")
            if isinstance(sql, str) and engine.dialect.paramstyle in ("format", "pyformat"):
                sql = sql.replace("%", "%%")  # psycopg reads a lone % as a placeholder
            df = pd.read_sql_query(sql, conn)
            conn.rollback()  # nothing to keep: the transaction only ever read
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
    text = _as_text(df, label)
    digest = hashlib.sha256(text.to_csv(index=False, lineterminator="\n").encode("utf-8")).hexdigest()
    return text, digest
