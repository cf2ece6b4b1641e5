"""Runs inside the batch judge env: SQLAlchemy (with the env's driver) writes and reads one table.

Usage: python sql_roundtrip.py SQLALCHEMY_URL
Prints the driver in use and the rows read back, as JSON.
"""

from __future__ import annotations

import json
import sys

import sqlalchemy as sa


def main(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table judge_roundtrip (id integer primary key, name varchar(20))"))
        conn.execute(sa.text("insert into judge_roundtrip values (1, 'ada'), (2, 'grace')"))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select id, name from judge_roundtrip order by id")).fetchall()
    print(json.dumps({"driver": engine.dialect.driver, "rows": [list(r) for r in rows]}))


if __name__ == "__main__":
    main(sys.argv[1])
