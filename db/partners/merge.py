"""Merging a duplicate enterprise into the record kept, and undoing a merge.

Every foreign key to `Enterprise` in every module is found by looking at the models
(`enterprise_references()`), so a module that lands later is covered without a change here.
A merge moves each such row from the duplicate (`loser`) to the record kept (`survivor`) in
one transaction under the write lock of both rows, and stores the ids it moved in an
`EnterpriseMerge` row; undoing moves exactly those rows back (those still on the survivor).

The duplicate's own row stays, marked `merged_into`: its name keeps pointing at the survivor
(`find_or_create_enterprise` follows the mark, so a typed old spelling finds the survivor),
and a row that cannot move stays with it — a uniqueness rule (one donor record per
enterprise, one party-organisation record per enterprise and year, one details row) or an
append-only table. Such rows are listed as `kept`; the profile and reports of the survivor
count them (`family_ids`).
"""

import json
import operator
from contextlib import contextmanager
from functools import reduce

from peewee import SQL, ForeignKeyField, IntegrityError, InternalError, Value, fn

from db import audit, database, write_lock
from db.accounts import Enterprise
from db.base import utcnow
from db.partners.models import DistinctPair, EnterpriseMerge, PartnerProfile
from db.partners.rules import PARTNER_STATUSES, PartnerError

# Tables whose references to enterprises describe merges themselves: never moved.
NOT_MOVED = frozenset({EnterpriseMerge._meta.table_name, DistinctPair._meta.table_name})
CHUNK = 500


def _models():
    """Every model class of the application (all data modules imported)."""
    import db.modules  # noqa: F401  (registers every module's models)
    from db.base import BaseModel

    found, stack = [], [BaseModel]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


def enterprise_references():
    """{"table.column": (model, field)} of every foreign key to Enterprise in the app (models
    whose table the database does not hold are left out)."""
    references = {}
    tables = set(database.get_tables())
    for model in _models():
        table = model._meta.table_name
        if table in NOT_MOVED or table not in tables or model._meta.primary_key is None:
            continue
        for field in model._meta.sorted_fields:
            if isinstance(field, ForeignKeyField) and field.rel_model is Enterprise:
                references.setdefault(f"{table}.{field.column_name}", (model, field))
    return dict(sorted(references.items()))


def _chunks(ids):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


@contextmanager
def _lock_pair(first_id, second_id):
    """The write lock of both rows, lower id first, so two merges never deadlock (on SQLite
    the first takes the database's write lock and the second is a savepoint inside it)."""
    low, high = sorted((first_id, second_id))
    try:
        with write_lock(Enterprise, low), write_lock(Enterprise, high):
            yield
    except Enterprise.DoesNotExist as exc:
        raise PartnerError("unknown_enterprise") from exc


def _move(model, field, ids, target_id):
    """Point the rows `ids` of `model` at `target_id`; (moved ids, kept ids)."""
    pk = model._meta.primary_key
    moved, kept = [], []
    for chunk in _chunks(ids):
        try:
            with database.atomic():  # a savepoint: a refused batch leaves the rest intact
                model.update({field: target_id}).where(pk.in_(chunk)).execute()
            moved.extend(chunk)
            continue
        except (IntegrityError, InternalError):
            pass
        for row_id in chunk:  # one at a time: move what may move
            try:
                with database.atomic():
                    model.update({field: target_id}).where(pk == row_id).execute()
                moved.append(row_id)
            except (IntegrityError, InternalError):
                kept.append(row_id)
    return moved, kept


def reference_counts(ids):
    """{enterprise id: {"table.column": rows}} of the rows pointing at each of `ids`: what a
    merge would move or keep. Two queries (the tables, then one UNION ALL of counts)."""
    counts = {enterprise_id: {} for enterprise_id in ids}
    parts = [
        model.select(
            Value(key).alias("reference"), field.alias("owner"), fn.COUNT(SQL("*")).alias("rows")
        )
        .where(field.in_(list(ids)))
        .group_by(field)
        for key, (model, field) in enterprise_references().items()
    ]
    if parts:
        for reference, owner, rows in reduce(operator.add, parts).tuples():
            counts[owner][reference] = rows
    return counts


def merge(survivor_id, loser_id, actor=None):
    """Merge the enterprise `loser_id` into `survivor_id`; return the EnterpriseMerge.

    Refuses (PartnerError) the same enterprise twice, an unknown one, a duplicate already
    merged (a second merge of the same pair at the same moment waits for the first under the
    lock, then finds it merged), and a survivor that was itself merged away."""
    if survivor_id == loser_id:
        raise PartnerError("same_enterprise")
    with _lock_pair(survivor_id, loser_id):
        survivor = Enterprise.get_or_none(Enterprise.id == survivor_id)
        loser = Enterprise.get_or_none(Enterprise.id == loser_id)
        if survivor is None or loser is None:
            raise PartnerError("unknown_enterprise")
        if loser.merged_into_id:
            raise PartnerError("already_merged")
        if survivor.merged_into_id:
            raise PartnerError("survivor_merged")
        moved, kept = {}, {}
        for key, (model, field) in enterprise_references().items():
            pk = model._meta.primary_key
            ids = [row[0] for row in model.select(pk).where(field == loser.id).tuples()]
            if not ids:
                continue
            done, left = _move(model, field, sorted(ids), survivor.id)
            if done:
                moved[key] = done
            if left:
                kept[key] = left
        changes = {"loser_is_partner": loser.is_partner, "survivor_is_partner": survivor.is_partner}
        if loser.credit_code and not survivor.credit_code:
            changes["credit_code"] = loser.credit_code
            Enterprise.update(credit_code=None).where(Enterprise.id == loser.id).execute()
            survivor.credit_code = loser.credit_code
        # The partner flag follows the details the survivor now has (its own, or the
        # duplicate's moved to it); without details, either record's flag.
        profile = PartnerProfile.get_or_none(PartnerProfile.enterprise == survivor.id)
        if profile is not None:
            survivor.is_partner = profile.status in PARTNER_STATUSES
        else:
            survivor.is_partner = survivor.is_partner or loser.is_partner
        Enterprise.update(credit_code=survivor.credit_code, is_partner=survivor.is_partner).where(
            Enterprise.id == survivor.id
        ).execute()
        Enterprise.update(merged_into=survivor.id, is_partner=False).where(
            Enterprise.id == loser.id
        ).execute()
        record = EnterpriseMerge.create(
            survivor=survivor,
            loser=loser,
            moved=json.dumps(moved, sort_keys=True),
            kept=json.dumps(kept, sort_keys=True),
            changes=json.dumps(changes, sort_keys=True, ensure_ascii=False),
            actor=actor or audit._current_actor(),
        )
        total = sum(len(ids) for ids in moved.values())
        audit.record(
            "partners.merge",
            record,
            f"#{loser.id} {loser.name} → #{survivor.id} {survivor.name}: moved {total} rows "
            + ", ".join(f"{k}={len(v)}" for k, v in moved.items())
            + (f"; kept {sum(len(v) for v in kept.values())}" if kept else ""),
            actor=actor,
        )
        return record


def undo_merge(merge_id, actor=None):
    """Undo a merge: the rows it moved go back to the duplicate (those still on the record
    kept), its credit code and partner flag are restored and its mark removed.

    Refused when the merge was undone already, or when the record kept has since been merged
    into another (undo that later merge first)."""
    record = EnterpriseMerge.get_or_none(EnterpriseMerge.id == merge_id)
    if record is None:
        raise PartnerError("unknown_merge")
    with _lock_pair(record.survivor_id, record.loser_id):
        record = EnterpriseMerge.get_by_id(merge_id)
        if record.undone_at is not None:
            raise PartnerError("already_undone")
        survivor = Enterprise.get_by_id(record.survivor_id)
        loser = Enterprise.get_by_id(record.loser_id)
        if survivor.merged_into_id:
            raise PartnerError("undo_later_merge_first")
        if loser.merged_into_id != survivor.id:
            raise PartnerError("already_undone")
        references = enterprise_references()
        returned = 0
        for key, ids in json.loads(record.moved).items():
            if key not in references:
                continue  # a module removed since: nothing of it to return
            model, field = references[key]
            pk = model._meta.primary_key
            for chunk in _chunks(ids):
                returned += (
                    model.update({field: loser.id})
                    .where(pk.in_(chunk), field == survivor.id)
                    .execute()
                )
        changes = json.loads(record.changes or "{}")
        code = changes.get("credit_code")
        if code and survivor.credit_code == code:
            Enterprise.update(credit_code=None).where(Enterprise.id == survivor.id).execute()
        else:
            code = loser.credit_code
        Enterprise.update(is_partner=changes.get("survivor_is_partner", survivor.is_partner)).where(
            Enterprise.id == survivor.id
        ).execute()
        Enterprise.update(
            merged_into=None,
            credit_code=code,
            is_partner=changes.get("loser_is_partner", False),
        ).where(Enterprise.id == loser.id).execute()
        EnterpriseMerge.update(undone_at=utcnow(), undone_by=actor or audit._current_actor()).where(
            EnterpriseMerge.id == record.id
        ).execute()
        audit.record(
            "partners.merge_undo",
            record,
            f"#{loser.id} {loser.name} separated from #{survivor.id} {survivor.name}: "
            f"returned {returned} rows",
            actor=actor,
        )
        return EnterpriseMerge.get_by_id(record.id)


def family_ids(enterprise_id):
    """The enterprise's id and those of the duplicates merged into it (their kept rows
    belong to its history)."""
    merged = Enterprise.select(Enterprise.id).where(Enterprise.merged_into == enterprise_id)
    return [enterprise_id, *(row[0] for row in merged.tuples())]


def merge_problems():
    """Half-done or stray merges, as lines for the operator (empty: all is well).

    For every merge not undone: the duplicate carries the mark, and none of the rows the
    merge moved points at the duplicate again. A row that points at a merged duplicate and is
    not one the merge kept was written by a request racing the merge; it is listed too."""
    problems = []
    references = enterprise_references()
    active = list(EnterpriseMerge.select().where(EnterpriseMerge.undone_at.is_null()))
    kept_by_loser = {}
    for record in active:
        loser = Enterprise.get_or_none(Enterprise.id == record.loser_id)
        if loser is None or loser.merged_into_id is None:
            problems.append(f"merge #{record.id}: enterprise #{record.loser_id} is not marked")
        for key, ids in json.loads(record.moved).items():
            if key not in references:
                continue
            model, field = references[key]
            back = (
                model.select()
                .where(model._meta.primary_key.in_(ids[:CHUNK]), field == record.loser_id)
                .count()
            )
            if back:
                problems.append(f"merge #{record.id}: {back} rows of {key} still on the duplicate")
        for key, ids in json.loads(record.kept or "{}").items():
            kept_by_loser.setdefault((record.loser_id, key), set()).update(ids)
    merged = [
        row[0]
        for row in Enterprise.select(Enterprise.id)
        .where(Enterprise.merged_into.is_null(False))
        .tuples()
    ]
    if merged:
        for key, (model, field) in references.items():
            if model is Enterprise:
                continue
            pk = model._meta.primary_key
            for row_id, owner in model.select(pk, field).where(field.in_(merged)).tuples():
                if row_id not in kept_by_loser.get((owner, key), ()):
                    problems.append(
                        f"{key} #{row_id} points at merged enterprise #{owner} (written during "
                        "a merge): undo that merge and merge again"
                    )
    return problems
