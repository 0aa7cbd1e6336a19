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
from territory.io.sql import is_database_url, safe_label

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
