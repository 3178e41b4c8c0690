"""Region codes on the mention tables are checked by the loader, not by foreign keys

PostgreSQL checks every foreign key of every inserted row with a trigger, and SQLite with a
lookup; ``amount_mention`` carried five references to ``region`` and ``region_mention`` one,
most of a mention row's checks.  The loader only writes codes it has read from ``region``
(a region mention with another code is rejected, a giver's or recipient's unknown code is
stored as null), and ``region`` is a reference table that loads only add to, so those checks
could never fail.  The references to articles (ON DELETE CASCADE) and organizations stay:
those rows change.  docs/warehouse.md lists what is enforced where.

SQLite copies the table to drop a foreign key, so the views over it are dropped first and
created again afterwards from their own stored SQL; the partial indexes are re-created by name
with their predicates (a copy would not keep them reliably).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 06:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column) of the references dropped; the constraint names follow the naming convention.
DROPPED = (
    ("amount_mention", "giver_region_code"),
    ("amount_mention", "recipient_region_code"),
    ("amount_mention", "recipient_province_code"),
    ("amount_mention", "region_code"),
    ("amount_mention", "province_code"),
    ("region_mention", "region_code"),
)
_GIFT = "counted AND gift"
PARTIAL_INDEXES = (  # amount_mention's, as at 0008
    (
        "ix_amount_mention_gift_province_month",
        ["recipient_province_code", "published_month", "value_cny"],
        _GIFT,
    ),
    ("ix_amount_mention_gift_organization", ["giver_organization_id", "value_cny"], _GIFT),
    ("ix_amount_mention_gift_published", ["published_at", "value_cny"], _GIFT),
    ("ix_amount_mention_counted_role", ["role", "cumulative", "gift", "value_cny"], "counted"),
)


def _name(table: str, column: str) -> str:
    return f"fk_{table}_{column}_region"


def _alter(add: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
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
    for table in ("amount_mention", "region_mention"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            if sqlite and table == "amount_mention":
                for index, _, _ in PARTIAL_INDEXES:
                    batch_op.drop_index(index)
            for _, column in (d for d in DROPPED if d[0] == table):
                if add:
                    batch_op.create_foreign_key(_name(table, column), "region", [column], ["code"])
                else:
                    batch_op.drop_constraint(_name(table, column), type_="foreignkey")
        if sqlite and table == "amount_mention":
            with op.batch_alter_table(table, schema=None) as batch_op:
                for index, columns, where in PARTIAL_INDEXES:
                    batch_op.create_index(index, columns, sqlite_where=sa.text(where))
    for _, sql in views:
        op.execute(sql)


def upgrade() -> None:
    _alter(add=False)


def downgrade() -> None:
    # A code written meanwhile that is not in region would make this fail: the loader writes none.
    _alter(add=True)
