"""The checks behind `flask --app app ledger verify`; each module lists its own.

A module (see db/modules.py) defines
- `ledger_checks`: functions returning (problems, summary) about append-only ledgers
  (recomputed balances, hash chains). The love supermarket has one.
- `number_checks`: functions returning problems about gapless document numbers. The love
  supermarket checks its receipt numbers (JZ-2026-0001 …), training its certificate serials;
  another module with numbered documents adds its own in two lines:

      def permit_numbers():
          return gapless_problems("permit", Permit, Permit.seq, Permit.year)

  and `number_checks = (permit_numbers,)` in its package.

Problems are plain English lines for the operator; an empty list means all is well.
"""

from peewee import fn


def gapless_problems(label, model, seq_field, year_field=None):
    """Problems with numbers that must run 1, 2, 3 … without a gap (per year if given).

    One aggregate query finds the years whose count, distinct count and maximum disagree;
    only for those are the numbers read to name what is missing or repeated.
    """
    year = year_field if year_field is not None else fn.MIN(0)
    query = model.select(
        year.alias("year"),
        fn.COUNT(seq_field).alias("rows"),
        fn.COUNT(fn.DISTINCT(seq_field)).alias("distinct"),
        fn.MIN(seq_field).alias("low"),
        fn.MAX(seq_field).alias("high"),
    )
    if year_field is not None:
        query = query.group_by(year_field).order_by(year_field)
    problems = []
    for row in query.dicts():
        if not row["rows"]:
            continue
        if row["low"] == 1 and row["high"] == row["rows"] == row["distinct"]:
            continue
        scope = model.select(seq_field.alias("seq"))
        if year_field is not None:
            scope = scope.where(year_field == row["year"])
        numbers = [r["seq"] for r in scope.dicts()]
        missing = sorted(set(range(1, row["high"] + 1)) - set(numbers))
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        where = f"{label} {row['year']}" if year_field is not None else label
        if missing:
            problems.append(f"{where}: missing numbers {missing[:20]}")
        if repeated:
            problems.append(f"{where}: repeated numbers {repeated[:20]}")
        if row["low"] < 1:
            problems.append(f"{where}: numbers below 1")
    return problems


def run_checks():
    """(problems, summaries) of every module's checks, ledgers first."""
    from db.modules import contributions  # imports every data module (see db/modules.py)

    problems, summaries = [], []
    for check in contributions("ledger_checks"):
        found, summary = check()
        problems.extend(found)
        summaries.append(summary)
    for check in contributions("number_checks"):
        problems.extend(check())
    return problems, summaries
