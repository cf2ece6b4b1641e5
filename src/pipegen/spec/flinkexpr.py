"""What Flink SQL's planner refuses in a spec expression that the other engines take: checks
spec/expr.py's `check` runs where an expression reaches Flink (`scope.dialects`), each a located
R301/R302 instead of a job that validates and then fails in the planner."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from pipegen.spec import functions
from pipegen.spec.scope import ARGUMENTS, UNTRANSLATABLE, Problem, Scope

# Flink SQL's remainder takes exact numbers only ("Cannot apply '%' to arguments of type '<DOUBLE>
# % <INTEGER>'. Supported form(s): '<EXACT_NUMERIC> % <EXACT_NUMERIC>'", PyFlink 2.3); PostgreSQL's
# is computed in NUMERIC (the catalogue's template), DuckDB and MySQL take doubles.
APPROXIMATE = ("double", "float", "real")
_APPROXIMATE_CALLS = (exp.Div, exp.Sqrt, exp.Ln, exp.Exp, exp.Pow)


def exact_remainder(node: exp.Expr, entry: functions.Function, scope: Scope) -> Iterator[Problem]:
    if entry.name != "mod" or "flink" not in scope.dialects:
        return
    args, _ = functions.arguments(node, entry)
    for arg in args:
        if _approximate(arg, scope):
            yield Problem(
                ARGUMENTS,
                f"'mod' (`%`) in Flink SQL takes exact numbers (integers, decimals), and `{arg.sql()}` may be a double",
                f"cast it to a decimal first: `mod(CAST({arg.sql()} AS DECIMAL(18, 6)), ...)`",
            )
            return


def _approximate(arg: exp.Expr, scope: Scope) -> bool:
    """Whether a value may be a double: a double/float column or cast, a true division, a function
    whose result is one (`sqrt`, `ln`, `exp`, `power`), or anything computed from one."""
    if isinstance(arg, exp.Cast):
        return arg.to.this in (exp.DataType.Type.DOUBLE, exp.DataType.Type.FLOAT)
    if isinstance(arg, exp.Column):
        return (scope.base_type_of(arg.table, arg.name) or "").startswith(APPROXIMATE)
    if isinstance(arg, _APPROXIMATE_CALLS):
        return True
    return any(_approximate(child, scope) for child in arg.iter_expressions())


def constant_divisors(tree: exp.Expr, scope: Scope) -> Iterator[Problem]:
    """Flink 2.3's planner stops on a division of constants whose divisor is computed from constants
    (`131.60 / greatest(219.18, 118)`, `131.60 / (219.18 + 1)`: a ClassCastException, RexCall to
    RexLiteral, while it folds the job's constants); a number literal or a cast of one as the
    divisor plans, and so does any division with a column in it. A constant divisor that folds to
    zero is written as a NULL already (functions._guard_divisors)."""
    if "flink" not in scope.dialects:
        return
    for node in tree.find_all(exp.Div):
        divisor = node.expression.unnest()
        if isinstance(divisor, exp.Cast):
            divisor = divisor.this.unnest()
        if functions.number(divisor) is not None or any(True for _ in node.find_all(exp.Column)):
            continue
        if functions.constant_zero(node):
            continue
        yield Problem(
            UNTRANSLATABLE,
            f"`{node.sql()}` divides constants by a divisor computed from constants, which Flink's planner "
            "cannot fold (it stops the job's planning), where this expression runs",
            f"write the divisor as a number (`{node.this.sql()} / 2.5`), or compute the value once and write "
            "it as a number",
        )
        return
