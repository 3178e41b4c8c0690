"""Value-list checks as chains of equalities; two article indexes nothing used are dropped

SQLite checks ``role IN ('donated', …)`` by building a lookup table for the list each time it
checks a row, so the six value-list checks of ``amount_mention`` cost more than the rest of its
insert (about 13 of 24 µs a row, measured by inserting a load's rows with and without them).
``role = 'donated' OR role = 'raised' OR …`` means the same, a null included, and costs next to
nothing; the tables loads write (``article``, ``amount_mention``, ``region_mention``) get it on
both engines, so the schema stays one.  ``region.level`` and ``digest_delivery.status`` keep
their IN lists: loads do not write them.

``ix_article_content_hash`` and ``ix_article_source_id`` served no query (the views, the
digest, the checks and the loader look articles up by id, URL, cluster or publication time;
sources are joined through their primary key and never deleted), and every article row paid
for them.

SQLite copies a table to change its checks: the views are dropped first and created again from
their own stored SQL, and amount_mention's partial indexes are re-created by name with their
predicates, as in 0009.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = ("organization", "region", "group", "person")
# table → (constraint name, column, allowed values, null allowed), as at 0009.
CHECKS = {
    "article": (
        ("ck_article_variant", "script_variant", ("simplified", "traditional", "mixed", "none"), False),
    ),
    "amount_mention": (
        (
            "ck_amount_mention_currency",
            "currency",
            ("CNY", "HKD", "MOP", "TWD", "USD", "EUR", "GBP", "JPY"),
            False,
        ),
        ("ck_amount_mention_qualifier", "qualifier", ("exact", "approximate", "lower_bound"), False),
        (
            "ck_amount_mention_role",
            "role",
            (
                "donated",
                "raised",
                "pledged",
                "disbursed",
                "fund_size",
                "in_kind",
                "target",
                "threshold",
                "other",
            ),
            False,
        ),
        ("ck_amount_mention_giver_kind", "giver_kind", _KINDS, True),
        ("ck_amount_mention_recipient_kind", "recipient_kind", _KINDS, True),
        ("ck_amount_mention_basis", "region_basis", ("sentence", "article"), True),
    ),
    "region_mention": (("ck_region_mention_role", "role", ("seat", "beneficiary", "mention"), False),),
}
DROPPED_INDEXES = (("ix_article_content_hash", "content_hash"), ("ix_article_source_id", "source_id"))
_GIFT = "counted AND gift"
PARTIAL_INDEXES = (  # amount_mention's, as at 0009
    (
        "ix_amount_mention_gift_province_month",
        ["recipient_province_code", "published_month", "value_cny"],
        _GIFT,
    ),
    ("ix_amount_mention_gift_organization", ["giver_organization_id", "value_cny"], _GIFT),
    ("ix_amount_mention_gift_published", ["published_at", "value_cny"], _GIFT),
    ("ix_amount_mention_counted_role", ["role", "cumulative", "gift", "value_cny"], "counted"),
)


def _in_list(column: str, values: Sequence[str], nullable: bool) -> str:
    test = f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
    return f"{column} IS NULL OR {test}" if nullable else test


def _chain(column: str, values: Sequence[str], nullable: bool) -> str:
    test = " OR ".join(f"{column} = '{v}'" for v in values)
    return f"{column} IS NULL OR {test}" if nullable else test


def _alter(chains: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    write = _chain if chains else _in_list
    views: list[tuple[str, str]] = []
    if sqlite:  # nothing may read a table while SQLite copies it
        views = [
            (name, sql)
            for name, sql in op.get_bind().exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name"
            )
        ]
        for name, _ in views:
            op.execute(f"DROP VIEW {name}")
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if sqlite and table == "amount_mention":
                for index, _, _ in PARTIAL_INDEXES:
                    batch_op.drop_index(index)
            if table == "article":
                for index, column in DROPPED_INDEXES:
                    if chains:
                        batch_op.drop_index(batch_op.f(index))
                    else:
                        batch_op.create_index(batch_op.f(index), [column], unique=False)
            for name, column, values, nullable in checks:
                batch_op.drop_constraint(batch_op.f(name), type_="check")
                batch_op.create_check_constraint(batch_op.f(name), write(column, values, nullable))
        if sqlite and table == "amount_mention":
            with op.batch_alter_table(table, schema=None) as batch_op:
                for index, columns, where in PARTIAL_INDEXES:
                    batch_op.create_index(index, columns, sqlite_where=sa.text(where))
    for _, sql in views:
        op.execute(sql)


def upgrade() -> None:
    _alter(chains=True)


def downgrade() -> None:
    _alter(chains=False)
