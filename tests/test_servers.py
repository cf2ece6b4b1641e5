"""Throwaway PostgreSQL and MariaDB servers: each accepts queries over 127.0.0.1 through its
own client, is configured for CDC, and is stopped by its own PID with its directory removed."""

from __future__ import annotations

import dataclasses
import os

import pytest

from tests.servers import FLAVORS, DatabaseServer, running_server, unavailable_reason


def test_postgres_server_answers_queries_and_has_logical_wal(postgres_server: DatabaseServer) -> None:
    postgres_server.query("create table accepts (id integer primary key, name text)")
    postgres_server.query("insert into accepts values (1, 'ada'), (2, 'grace')")
    assert postgres_server.query("select id, name from accepts order by id") == "1\tada\n2\tgrace"
    assert postgres_server.query("show wal_level") == "logical"
    assert postgres_server.query("select inet_server_port()") == str(postgres_server.port)
    assert postgres_server.url == f"postgresql+psycopg2://postgres@127.0.0.1:{postgres_server.port}/pipegen"


def test_mariadb_server_answers_queries_and_logs_rows(mariadb_server: DatabaseServer) -> None:
    mariadb_server.query("create table accepts (id integer primary key, name varchar(10))")
    mariadb_server.query("insert into accepts values (1, 'ada'), (2, 'grace')")
    assert mariadb_server.query("select id, name from accepts order by id") == "1\tada\n2\tgrace"
    assert mariadb_server.query("select @@binlog_format, @@log_bin") == "ROW\t1"
    assert mariadb_server.query("select @@port") == str(mariadb_server.port)
    assert mariadb_server.url == f"mysql+pymysql://pipegen:pipegen@127.0.0.1:{mariadb_server.port}/pipegen"


def test_a_bad_query_raises_with_the_servers_message(postgres_server: DatabaseServer) -> None:
    with pytest.raises(RuntimeError, match="no_such_table"):
        postgres_server.query("select * from no_such_table")


@pytest.mark.parametrize("kind", sorted(FLAVORS))
def test_a_server_is_stopped_by_its_own_pid_and_its_directory_removed(kind: str) -> None:
    reason = unavailable_reason(FLAVORS[kind])
    if reason:
        pytest.skip(reason)
    with running_server(kind) as server:
        assert server.query("select 1") == "1"
        os.kill(server.pid, 0)  # alive while in use
        assert server.base_dir.is_dir()
    with pytest.raises(ProcessLookupError):
        os.kill(server.pid, 0)
    assert not server.base_dir.exists()


@pytest.mark.parametrize("kind", sorted(FLAVORS))
def test_missing_binaries_give_a_skip_reason_naming_the_debian_package(kind: str) -> None:
    absent = dataclasses.replace(FLAVORS[kind], find=lambda: None)
    reason = unavailable_reason(absent)
    assert reason is not None
    assert f"install Debian's {FLAVORS[kind].package}" in reason
    assert "apt-get" in reason
