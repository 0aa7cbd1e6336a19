"""Accounts from a SQL database: SQLite always, PostgreSQL when its server binaries are installed.

The PostgreSQL test starts a throwaway cluster in a temporary folder, listening on
127.0.0.1 and a private unix socket on a free port, and stops it afterwards. initdb refuses to
run as root, so as root the cluster belongs to the ``postgres`` user (Debian's package creates
it). CI installs the server with ``apt-get install -y postgresql``.
"""

from __future__ import annotations

import csv
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import territory
from territory.errors import ConfigError, InputError
from territory.io.sql import check_select, is_database_url, readonly_engine, safe_label

from scenario_data import write_inputs

sqlalchemy = pytest.importorskip("sqlalchemy", reason="SQL sources need: pip install 'territory[sql]'")
pd = pytest.importorskip("pandas")

from territory_cli.main import cli  # noqa: E402


def typed_accounts(csv_path: Path) -> pd.DataFrame:
    """The accounts as a database holds them: integers, floats and NULLs, not text."""
    df = pd.read_csv(csv_path, dtype={"account_id": str, "owner_id": str, "parent_id": str})
    df["parent_id"] = df["parent_id"].where(df["parent_id"].notna(), None)
    df["potential"] = df["potential"].astype(float)
    return df


@pytest.fixture
def sqlite_db(tmp_path: Path) -> tuple[str, Path, Path]:
    a, r = write_inputs(tmp_path / "in")
    db = tmp_path / "crm.db"
    url = f"sqlite:///{db}"
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        typed_accounts(a).to_sql("accounts", conn, index=False)
        typed_accounts(a).rename(columns={"account_id": "Id", "name": "Name"}).to_sql(
            "sf_account", conn, index=False
        )
    engine.dispose()
    return url, a, r


def assignments_of(inp: territory.pipeline.PlanInput) -> dict[str, str]:
    return territory.solve_input(inp).assignment()


def test_is_database_url() -> None:
    assert is_database_url("sqlite:///crm.db") and is_database_url("postgresql+psycopg://u@h/db")
    assert not is_database_url("accounts.csv") and not is_database_url("C:\\data\\accounts.csv")
    assert (
        safe_label("postgresql+psycopg://ana:s3cret@db.example.com/crm")
        == "postgresql+psycopg://ana:***@db.example.com/crm"
    )


def test_sqlite_table_plans_like_the_csv(sqlite_db: tuple[str, Path, Path]) -> None:
    url, a, r = sqlite_db
    cfg = territory.PlanConfig()
    from_db = territory.load_input(url, r, cfg, table="accounts")
    assert from_db.inputs[0].path == url and len(from_db.inputs[0].sha256) == 64
    assert assignments_of(from_db) == assignments_of(territory.load_input(a, r, cfg))


def test_sqlite_query_and_preset(sqlite_db: tuple[str, Path, Path]) -> None:
    url, a, r = sqlite_db
    inp = territory.load_input(
        url,
        r,
        territory.PlanConfig(),
        query="SELECT * FROM sf_account WHERE potential >= 0 ORDER BY Id",
        account_columns={"Id": "account_id", "Name": "name"},
    )
    assert len(inp.accounts) == 48 and inp.accounts["account_id"].iloc[0] == "A001"


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"table": "acounts"}, InputError, "no table named 'acounts'"),
        ({"query": "SELECT nope FROM accounts"}, InputError, "cannot read the accounts from the database: "),
        ({}, ConfigError, "give the accounts table (--table / inputs.table) or a query"),
        ({"table": "accounts", "query": "SELECT 1"}, ConfigError, "not both or neither"),
    ],
)
def test_sqlite_errors(
    sqlite_db: tuple[str, Path, Path], kwargs: dict[str, str], error: type, message: str
) -> None:
    url, _, r = sqlite_db
    with pytest.raises(error) as e:
        territory.load_input(url, r, territory.PlanConfig(), **kwargs)
    assert message in str(e.value)
    if kwargs.get("table") == "acounts":
        assert "hint: tables in this database: accounts, sf_account" in str(e.value)


def test_table_with_a_file_is_an_error(tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path)
    with pytest.raises(ConfigError) as e:
        territory.load_input(a, r, territory.PlanConfig(), table="accounts")
    assert "--table/--query need a database URL such as sqlite:///crm.db" in str(e.value)


def test_plan_command_reads_a_table(sqlite_db: tuple[str, Path, Path], tmp_path: Path) -> None:
    url, _, r = sqlite_db
    result = CliRunner().invoke(
        cli, ["plan", url, str(r), "--table", "accounts", "--out", str(tmp_path / "o"), "-q"]
    )
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader((tmp_path / "o" / "assignments.csv").open()))) == 48


# --------------------------------------------------------------------------- PostgreSQL


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed; "
            "CI installs them with apt-get install -y postgresql"
        )
    pytest.importorskip("psycopg", reason="the PostgreSQL driver: pip install 'territory[sql]'")
    root = os.geteuid() == 0
    prefix: list[str] = []
    if root:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to own the test cluster")
        prefix = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="territory-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if root:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, env=env, timeout=60)

    try:
        run(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "territory",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        run(
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-t",
            "30",
            "-l",
            str(base / "log"),
            "-o",
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
    except subprocess.CalledProcessError as e:
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start a PostgreSQL test cluster: {e.stderr.decode(errors='replace')}")
    try:
        yield f"postgresql+psycopg://territory@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            env=env,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_postgresql_table_and_query(postgres_url: str, tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path / "in")
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as conn:
        typed_accounts(a).to_sql("accounts", conn, index=False, if_exists="replace")
    engine.dispose()
    cfg = territory.PlanConfig()
    expected = assignments_of(territory.load_input(a, r, cfg))
    assert assignments_of(territory.load_input(postgres_url, r, cfg, table="accounts")) == expected
    inp = territory.load_input(postgres_url, r, cfg, query="SELECT * FROM accounts WHERE tier IN (1, 2, 3)")
    assert assignments_of(inp) == expected
    with pytest.raises(InputError) as e:
        territory.load_input(postgres_url, r, cfg, table="acounts")
    assert "no table named 'acounts'" in str(e.value)


# --------------------------------------------------------------------------- read-only (issue 13)


TAIL = ". The query must be one SELECT (or WITH ... SELECT) statement; the database is only ever read"

ACCEPTED = [
    "SELECT * FROM accounts",
    "select * from accounts;",
    "  (SELECT account_id FROM accounts)  ;  ",
    "WITH t1 AS (SELECT * FROM accounts WHERE tier = 1) SELECT * FROM t1",
    "SELECT 'DROP TABLE accounts; --' AS note, * FROM accounts",
    "SELECT \"update\", replace(name, 'a', 'b') FROM accounts",
    "SELECT * FROM accounts -- ; DROP TABLE accounts",
    "SELECT /* ; DELETE FROM accounts */ * FROM accounts",
    "SELECT 'it''s; DELETE' FROM accounts",
    "SELECT substring(name FROM 1 FOR 3) FROM accounts",
]

REFUSED = [
    ("DROP TABLE accounts", "it starts with 'DROP', not SELECT or WITH"),
    ("SELECT * FROM accounts; DROP TABLE accounts", "it holds 2 statements"),
    ("SELECT ';'; DROP TABLE accounts", "it holds 2 statements"),
    ("SELECT 1 --\n; DROP TABLE accounts", "it holds 2 statements"),
    ("SELECT 1 /* x */; /* y */ VACUUM", "it holds 2 statements"),
    ("WITH x AS (DELETE FROM accounts RETURNING *) SELECT * FROM x", "it contains DELETE"),
    ("WITH x AS (UPDATE accounts SET tier = 1 RETURNING *) SELECT 1", "it contains UPDATE"),
    ("WITH x AS (INSERT INTO accounts DEFAULT VALUES RETURNING *) SELECT 1", "it contains INSERT"),
    ("SELECT * INTO stolen FROM accounts", "it contains INTO"),
    ("SELECT * FROM accounts FOR UPDATE", "it contains UPDATE"),
    ("SELECT * FROM accounts FOR SHARE", "it locks rows (FOR SHARE)"),
    ("ATTACH DATABASE 'evil.db' AS evil", "it starts with 'ATTACH', not SELECT or WITH"),
    ("PRAGMA user_version = 5", "it starts with 'PRAGMA', not SELECT or WITH"),
    ("INSERT INTO accounts (account_id) VALUES ('X')", "it starts with 'INSERT', not SELECT or WITH"),
    ("SELECT load_extension('/tmp/evil')", "it calls load_extension(), which acts outside the query"),
    ("SELECT pg_read_file('/etc/passwd')", "it calls pg_read_file(), which acts outside the query"),
    ("SELECT nextval('seq')", "it calls nextval(), which acts outside the query"),
    ("SELECT pg_advisory_lock(1)", "it calls pg_advisory_lock(), which takes a lock"),
    # A quoted name calls the function as well (these ran on PostgreSQL: a read-only
    # transaction does not stop them).
    ('SELECT "pg_reload_conf"()', "it calls pg_reload_conf(), which acts outside the query"),
    ('SELECT "pg_advisory_lock"(1)', "it calls pg_advisory_lock(), which takes a lock"),
    ("SELECT \"set_config\"('a.b', 'c', false)", "it calls set_config(), which acts outside the query"),
    ("SELECT pg_switch_wal()", "it calls pg_switch_wal(), which acts outside the query"),
    ("SELECT pg_catalog.pg_stat_reset()", "it calls pg_stat_reset(), which acts outside the query"),
    (
        "SELECT pg_create_restore_point('x')",
        "it calls pg_create_restore_point(), which acts outside the query",
    ),
    ("SELECT lo_creat(-1)", "it calls lo_creat(), which acts outside the query"),
    ("SELECT 'never closed", "a string is never closed"),
    ('SELECT "never closed', "a quoted name is never closed"),
    ("SELECT 1 /* never closed", "a /* comment is never closed"),
    ("/* a /* b */ ; DROP TABLE accounts; /* */ SELECT 1", "a comment inside a comment"),
    ("", "it is empty"),
    ("  -- only a comment\n ;", "it is empty"),
]


@pytest.mark.parametrize("query", ACCEPTED)
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_check_select_accepts_one_select(query: str, dialect: str) -> None:
    check_select(query, dialect)


@pytest.mark.parametrize("query, why", REFUSED, ids=[q[:30] or "empty" for q, _ in REFUSED])
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_check_select_refuses_everything_else(query: str, why: str, dialect: str) -> None:
    with pytest.raises(ConfigError) as e:
        check_select(query, dialect)
    shown = " ".join(query.split())
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    assert str(e.value) == f"--query {shown!r}: {why}{TAIL}"


def test_postgresql_strings_that_hide_semicolons() -> None:
    check_select("SELECT $tag$; DROP TABLE accounts; $tag$, E'\\'; DELETE' FROM accounts", "postgresql")
    with pytest.raises(ConfigError, match="it holds 2 statements"):
        check_select("SELECT $tag$ x $tag$; DROP TABLE accounts", "postgresql")
    with pytest.raises(ConfigError, match=r"a \$q\$ string is never closed"):
        check_select("SELECT $q$; DROP TABLE accounts", "postgresql")


def _fingerprint(db: Path) -> tuple[bytes, list[str]]:
    """The database file's bytes and the folder's listing: both must not change."""
    return db.read_bytes(), sorted(p.name for p in db.parent.iterdir())


def test_sqlite_hostile_queries_leave_the_database_unchanged(sqlite_db: tuple[str, Path, Path]) -> None:
    url, _, r = sqlite_db
    db = Path(url.removeprefix("sqlite:///"))
    before = _fingerprint(db)
    for query, why in REFUSED:
        if query:
            with pytest.raises(ConfigError, match=re.escape(why)):
                territory.load_input(url, r, territory.PlanConfig(), query=query)
    assert _fingerprint(db) == before
    inp = territory.load_input(url, r, territory.PlanConfig(), table="accounts")
    assert len(inp.accounts) == 48


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE accounts",
        "DELETE FROM accounts",
        "INSERT INTO accounts (account_id) VALUES ('X')",
        "CREATE TABLE t (x)",
        "CREATE TEMP TABLE t (x)",
        "ATTACH DATABASE '{dir}/evil.db' AS evil",
        "PRAGMA user_version = 5",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA read_uncommitted = 1",
        "VACUUM",
        "SELECT load_extension('/nope')",
        "UPDATE accounts SET tier = 1",
    ],
)
def test_sqlite_connection_itself_is_read_only(sqlite_db: tuple[str, Path, Path], statement: str) -> None:
    """Past the query check, the engine still refuses every write (mode=ro, query_only, authorizer)."""
    url, _, _ = sqlite_db
    db = Path(url.removeprefix("sqlite:///"))
    before = _fingerprint(db)
    engine = readonly_engine(url)
    try:
        with engine.connect() as conn, pytest.raises(sqlalchemy.exc.DatabaseError):
            conn.exec_driver_sql(statement.format(dir=db.parent))
            conn.commit()
    finally:
        engine.dispose()
    assert _fingerprint(db) == before


def test_missing_sqlite_file_is_an_error_and_never_created(tmp_path: Path) -> None:
    _, r = write_inputs(tmp_path / "in")
    before = sorted(p.name for p in tmp_path.iterdir())
    for url in (f"sqlite:///{tmp_path}/nope.db", f"sqlite:///{tmp_path}/sub/nope.db"):
        with pytest.raises(InputError) as e:
            territory.load_input(url, r, territory.PlanConfig(), table="accounts")
        (p,) = e.value.problems
        assert p.message.startswith("no SQLite database at ") and p.message.endswith(
            ": the path does not exist"
        )
        assert "territory never creates a database" in (p.hint or "")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    with pytest.raises(ConfigError, match="a SQLite URL here takes no options"):
        territory.load_input(
            f"sqlite:///{tmp_path}/x.db?mode=rwc&uri=true", r, territory.PlanConfig(), table="t"
        )
    with pytest.raises(ConfigError, match="give the SQLite database file"):
        territory.load_input("sqlite://", r, territory.PlanConfig(), table="t")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_plan_drop_table_query_exits_2_and_changes_nothing(
    sqlite_db: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, _, r = sqlite_db
    db = Path(url.removeprefix("sqlite:///"))
    before = _fingerprint(db)
    out = tmp_path / "o"
    result = CliRunner().invoke(
        cli, ["plan", url, str(r), "--query", "DROP TABLE accounts", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert result.output == (
        "Error: --query 'DROP TABLE accounts': it starts with 'DROP', not SELECT or WITH" + TAIL + "\n"
    )
    assert _fingerprint(db) == before and not out.exists()


def test_postgresql_is_read_only(postgres_url: str, tmp_path: Path) -> None:
    a, r = write_inputs(tmp_path / "in")
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as conn:
        typed_accounts(a).to_sql("accounts", conn, index=False, if_exists="replace")
    cfg = territory.PlanConfig()

    def state() -> tuple[int, list[str]]:
        with engine.connect() as conn:
            n = conn.exec_driver_sql("SELECT count(*) FROM accounts").scalar_one()
            tables = conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            ).scalars()
            return int(n), list(tables)

    before = state()
    assert before == (48, ["accounts"])
    for query, why in REFUSED:
        if query:
            with pytest.raises(ConfigError, match=re.escape(why)):
                territory.load_input(postgres_url, r, cfg, query=query)
    # Past the query check, the connection refuses writes on its own.
    ro = readonly_engine(postgres_url)
    try:
        for statement in (
            "DROP TABLE accounts",
            "WITH x AS (DELETE FROM accounts RETURNING *) SELECT count(*) FROM x",
            "SELECT * INTO stolen FROM accounts",
            "CREATE TABLE t (x int)",
        ):
            with (
                ro.connect() as conn,
                pytest.raises(sqlalchemy.exc.DatabaseError, match="read-only transaction"),
            ):
                conn.exec_driver_sql(statement)
                conn.commit()
    finally:
        ro.dispose()
    assert state() == before
    engine.dispose()


def test_queries_reach_the_driver_as_written(sqlite_db: tuple[str, Path, Path], postgres_url: str) -> None:
    """'%', '?' and ':name' inside strings are text, not parameters, on SQLite and PostgreSQL."""
    url, a, r = sqlite_db
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as conn:
        typed_accounts(a).to_sql("accounts", conn, index=False, if_exists="replace")
    engine.dispose()
    query = "SELECT * FROM accounts WHERE name LIKE '%' OR name = 'what? :x'"
    for source in (url, postgres_url):
        inp = territory.load_input(source, r, territory.PlanConfig(), query=query)
        assert len(inp.accounts) == 48, source


def test_binary_blobs_are_refused_and_text_blobs_read(sqlite_db: tuple[str, Path, Path]) -> None:
    """A BLOB column that is not text is refused (it reached assignments.csv as '\ufffdPNG');
    text stored as a BLOB reads as text."""
    import sqlite3

    url, a, r = sqlite_db
    db = url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        conn.execute("ALTER TABLE accounts ADD COLUMN logo BLOB")
        conn.execute("ALTER TABLE accounts ADD COLUMN note BLOB")
        conn.execute("UPDATE accounts SET logo = ?, note = ?", (b"\x89PNG\xff", "caf\u00e9".encode()))
    with pytest.raises(InputError) as e:
        territory.load_input(url, r, territory.PlanConfig(), table="accounts")
    assert str(e.value) == (
        f"{url}:\n  - column 'logo': column holds binary data, which has no text form (48 value(s), the "
        "first in result row 1)\n      hint: leave the column out of the query (select the columns the "
        "plan needs)\n1 problem found in the input."
    )
    cols = ", ".join(c for c in typed_accounts(a).columns)
    inp = territory.load_input(url, r, territory.PlanConfig(), query=f"SELECT {cols}, note FROM accounts")
    assert set(inp.accounts["note"]) == {"caf\u00e9"}
