"""What the orchestrators' cron parser refuses in an expression the spec's syntax check (types.check_cron)
lets through. Airflow 3's timetables and Prefect 3's CronSchedule both parse with croniter: it rejects a value
out of its field's range, a step of 0 and a month or weekday name in another field, and where no month the
expression names has the day of the month it names (`0 0 30 2 *`), it finds no next run, so the scheduler
fails at run time (Airflow runs such an expression on the days of the week it also names, `0 0 30 2 1`;
Prefect does not). R508 reports each as a located error (spec/rules/runs.py); the agreement with both
orchestrators is a judge test (tests/families/test_environment_schedules.py)."""

from __future__ import annotations

from typing import NamedTuple

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# the most days each month has (February: 29, which croniter schedules in leap years)
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class CronField(NamedTuple):
    what: str
    low: int
    high: int
    names: dict[str, int]


FIELDS = (
    CronField("minute", 0, 59, {}),
    CronField("hour", 0, 23, {}),
    CronField("day of the month", 1, 31, {}),
    CronField("month", 1, 12, {n: i + 1 for i, n in enumerate(MONTH_NAMES)}),
    CronField("day of the week", 0, 7, {n: i for i, n in enumerate(WEEKDAY_NAMES)}),  # 0 and 7: Sunday
)
RANGES = "minute 0-59, hour 0-23, day of the month 1-31, month 1-12 or jan-dec, day of the week 0-7 or sun-sat"


class CronProblem(NamedTuple):
    what: str  # what the orchestrators refuse, in words
    hint: str


def cron_problem(text: str, or_weekdays: bool = False) -> CronProblem | None:
    """Why the orchestrators cannot schedule `text` (a five-field cron the syntax check passed), else None.
    Presets (`@daily`) and other shapes are the syntax check's. `or_weekdays`: the orchestrator runs an
    expression whose day of the month no named month has on its days of the week where it names some
    (Airflow does; Prefect's croniter finds no next run)."""
    fields = text.split()
    if len(fields) != len(FIELDS):
        return None
    values: list[set[int]] = []
    for value, field in zip(fields, FIELDS, strict=True):
        found = field_values(value, field)
        if isinstance(found, CronProblem):
            return found
        values.append(found)
    if fields[2] == "*" or (or_weekdays and fields[4] != "*"):
        return None
    longest = max(MONTH_DAYS[m - 1] for m in values[3])
    if min(values[2]) > longest:
        months = ", ".join(MONTH_NAMES[m - 1] for m in sorted(values[3]))
        return CronProblem(
            f"no month it names ({months}) has day {min(values[2])}, so it never runs",
            f"name days every one of those months has (at most {longest}), or other months",
        )
    return None


def field_values(value: str, field: CronField) -> set[int] | CronProblem:
    """The values one field selects (its comma-separated items), or what is wrong with it."""
    out: set[int] = set()
    for item in value.split(","):
        found = _item_values(item, field)
        if isinstance(found, CronProblem):
            return found
        out |= found
    return out


def _item_values(item: str, field: CronField) -> set[int] | CronProblem:
    span, _, step_text = item.partition("/")
    step = int(step_text) if step_text else 1
    if step == 0:
        return CronProblem(f"the {field.what} has a step of 0 (`{item}`)", "write a step of 1 or more")
    if span == "*":
        return set(range(field.low, field.high + 1, step))
    ends: list[int] = []
    for end in span.split("-"):
        number = _number(end, field)
        if isinstance(number, CronProblem):
            return number
        ends.append(number)
    first, last = ends[0], ends[-1]
    if step_text and len(ends) == 1:
        last = field.high  # `5/15`: from 5 to the field's end
    if first <= last:
        return set(range(first, last + 1, step))
    # a range that wraps (`22-2`): croniter runs it to the field's end and on from its start
    return set(range(first, field.high + 1, step)) | set(range(field.low, last + 1, step))


def _number(text: str, field: CronField) -> int | CronProblem:
    if not text.isdigit():
        if text.lower() in field.names:
            return field.names[text.lower()]
        where = next((f.what for f in FIELDS if text.lower() in f.names), None)
        return CronProblem(
            f"`{text}` is not a {field.what}" + (f" (it names a {where})" if where else ""),
            f"write each field within its range: {RANGES}",
        )
    number = int(text)
    if not field.low <= number <= field.high:
        return CronProblem(
            f"{field.what} {number} is out of its range {field.low}-{field.high}",
            f"write each field within its range: {RANGES}",
        )
    return number
