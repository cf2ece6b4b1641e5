"""Runs inside the `spark` judge environment for tests/families/test_dbt_silver_registration.py: each
statement through Spark's own SQL parser (the session's, as spark.sql parses it; raises
ParseException on a syntax error), and what the plans say: a CreateTable's IF NOT EXISTS, the name's
parts, provider and location (unescaped), a CreateNamespace's IF NOT EXISTS and name. Prints them as
JSON on the last line.

Usage: python spark_parse_driver.py STATEMENTS_JSON"""

from __future__ import annotations

import json
import sys


def main(argv: list[str] | None = None, shared=None) -> None:  # type: ignore[no-untyped-def]
    """`shared`: the Spark judge server's session (tests/judges/spark_server.py), else one of its own."""
    from pyspark.sql import SparkSession

    statements = json.loads((sys.argv[1:] if argv is None else argv)[0])
    spark = shared or SparkSession.builder.master("local[1]").appName("pipegen-register-judge").getOrCreate()
    parser = spark._jsparkSession.sessionState().sqlParser()
    plans = []
    for sql in statements:
        plan = parser.parsePlan(sql)  # raises ParseException on a syntax error
        if plan.nodeName() == "CreateTable":  # IF NOT EXISTS, the name's parts, provider, location (unescaped)
            spec = plan.tableSpec()
            plans.append([plan.nodeName(), plan.ignoreIfExists(), plan.name().nameParts().mkString("."),
                          spec.provider().get(), spec.location().get()])  # fmt: skip
        else:
            plans.append([plan.nodeName(), plan.ifNotExists(), plan.name().multipartIdentifier().mkString(".")])
    if shared is None:
        spark.stop()
    print(json.dumps(plans))


if __name__ == "__main__":
    main()
