"""provenance links, syndication signatures, researcher views

Amount mentions gain the organization and region their sentence links them to, a copy of the
article's date and a ``counted`` flag (one copy per syndication cluster), so the researcher
views read one table through partial covering indexes.  Articles gain a MinHash signature and
the digest of the record last loaded.  Existing rows are backfilled where the data allows; the
links fill in when an article is next loaded.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 18:58:25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OFFSETS = '"end" >= start AND start >= 0'
GIFT = "counted AND role IS NOT NULL AND NOT cumulative"

_AMOUNT_SELECT = """
SELECT am.id AS amount_mention_id, am.article_id, a.cluster_id, sc.size AS copies,
       am.published_at, am.published_month, am.value, am.currency, am.value_cny, am.qualifier,
       am.high, am.role, am.cumulative, am.organization_id, o.name AS organization,
       am.region_code, am.province_code, p.name AS province, am.surface, am.sentence,
       a.url, a.title, am.extractor_version
FROM amount_mention am
JOIN article a ON a.id = am.article_id
LEFT JOIN syndication_cluster sc ON sc.id = a.cluster_id
LEFT JOIN organization o ON o.id = am.organization_id
LEFT JOIN region p ON p.code = am.province_code
"""

# Each view aggregates amount_mention alone first (through its partial index), then joins the
# small reference tables: the join touches one row per group, not one per amount.
VIEWS = {
    "counted_amount": _AMOUNT_SELECT + "WHERE am.counted",
    "gift": _AMOUNT_SELECT + "WHERE am.counted AND am.role IS NOT NULL AND NOT am.cumulative",
    "totals_by_province_month": f"""
SELECT t.province_code, p.name AS province, t.month, t.gifts, t.total_cny
FROM (SELECT province_code, published_month AS month, COUNT(*) AS gifts, SUM(value_cny) AS total_cny
      FROM amount_mention WHERE {GIFT}
      GROUP BY province_code, published_month) t
LEFT JOIN region p ON p.code = t.province_code""",
    "totals_by_organization": f"""
SELECT t.organization_id, o.name AS organization, o.type, t.gifts, t.total_cny
FROM (SELECT organization_id, COUNT(*) AS gifts, SUM(value_cny) AS total_cny
      FROM amount_mention WHERE {GIFT}
      GROUP BY organization_id) t
LEFT JOIN organization o ON o.id = t.organization_id""",
    "totals_by_role": """
SELECT role, cumulative, COUNT(*) AS amounts, SUM(value_cny) AS total_cny
FROM amount_mention WHERE counted
GROUP BY role, cumulative""",
    "organization_first_seen": """
SELECT f.organization_id, o.name AS organization, o.type, f.first_seen_at
FROM (SELECT o2.id AS organization_id,
             (SELECT MIN(om.published_at) FROM organization_mention om
              WHERE om.organization_id = o2.id AND om.published_at IS NOT NULL) AS first_seen_at
      FROM organization o2) f
JOIN organization o ON o.id = f.organization_id
WHERE f.first_seen_at IS NOT NULL""",
}


def _month(column: str) -> str:
    if op.get_bind().dialect.name == "sqlite":
        return f"strftime('%Y-%m', {column})"
    return f"to_char({column}, 'YYYY-MM')"


def upgrade() -> None:
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.add_column(sa.Column("province_code", sa.String(length=6), nullable=True))
        batch_op.create_index(batch_op.f("ix_region_province_code"), ["province_code"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_region_province_code_region"), "region", ["province_code"], ["code"]
        )

    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minhash", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("load_digest", sa.String(length=64), nullable=True))

    with op.batch_alter_table("syndication_cluster", schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_syndication_cluster_size_positive"), "size >= 1")

    with op.batch_alter_table("amount_mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("region_code", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("region_basis", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("province_code", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("published_month", sa.String(length=7), nullable=True))
        batch_op.add_column(sa.Column("counted", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_amount_mention_organization_id_organization"),
            "organization",
            ["organization_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_amount_mention_region_code_region"), "region", ["region_code"], ["code"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_amount_mention_province_code_region"), "region", ["province_code"], ["code"]
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_amount_mention_value_cny_non_negative"), "value_cny IS NULL OR value_cny >= 0"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_amount_mention_basis"),
            "region_basis IS NULL OR region_basis IN ('sentence', 'article')",
        )
        batch_op.create_check_constraint(batch_op.f("ck_amount_mention_offsets"), OFFSETS)
        for name, columns, where in (
            (
                "ix_amount_mention_gift_province_month",
                ["province_code", "published_month", "value_cny"],
                GIFT,
            ),
            ("ix_amount_mention_gift_organization", ["organization_id", "value_cny"], GIFT),
            ("ix_amount_mention_gift_published", ["published_at", "value_cny"], GIFT),
            ("ix_amount_mention_counted_role", ["role", "cumulative", "value_cny"], "counted"),
        ):
            batch_op.create_index(
                name, columns, unique=False, postgresql_where=sa.text(where), sqlite_where=sa.text(where)
            )

    with op.batch_alter_table("organization_mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_organization_mention_offsets"), '"end" >= start AND start >= 0'
        )
        batch_op.create_index(
            "ix_organization_mention_first_seen", ["organization_id", "published_at"], unique=False
        )

    with op.batch_alter_table("region_mention", schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_region_mention_offsets"), OFFSETS)

    _backfill()
    for name, select in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {select}")


def _backfill() -> None:
    """What existing rows already determine: provinces, dates, which amounts are counted."""
    bind = op.get_bind()
    parents = dict(bind.execute(sa.text("SELECT code, parent_code FROM region")).all())
    for code in parents:
        top = code
        while parents.get(top):
            top = parents[top]
        bind.execute(sa.text("UPDATE region SET province_code = :p WHERE code = :c"), {"p": top, "c": code})
    article_date = "(SELECT a.published_at FROM article a WHERE a.id = {table}.article_id)"
    for table in ("amount_mention", "organization_mention"):
        op.execute(f"UPDATE {table} SET published_at = {article_date.format(table=table)}")
    op.execute(f"UPDATE amount_mention SET published_month = {_month('published_at')}")
    # Counted: not a restatement, convertible, and in its cluster's representative article.
    op.execute(
        "UPDATE amount_mention SET counted = (conversion_of_position IS NULL AND value_cny IS NOT NULL"
        " AND article_id IN (SELECT a.id FROM article a JOIN syndication_cluster sc"
        " ON sc.id = a.cluster_id WHERE sc.representative_article_id = a.id))"
    )


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW {name}")

    with op.batch_alter_table("region_mention", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_region_mention_offsets"), type_="check")

    with op.batch_alter_table("organization_mention", schema=None) as batch_op:
        batch_op.drop_index("ix_organization_mention_first_seen")
        batch_op.drop_constraint(batch_op.f("ck_organization_mention_offsets"), type_="check")
        batch_op.drop_column("published_at")

    with op.batch_alter_table("amount_mention", schema=None) as batch_op:
        for name in (
            "ix_amount_mention_counted_role",
            "ix_amount_mention_gift_published",
            "ix_amount_mention_gift_organization",
            "ix_amount_mention_gift_province_month",
        ):
            batch_op.drop_index(name)
        batch_op.drop_constraint(batch_op.f("ck_amount_mention_offsets"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_amount_mention_basis"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_amount_mention_value_cny_non_negative"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_amount_mention_province_code_region"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_amount_mention_region_code_region"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_amount_mention_organization_id_organization"), type_="foreignkey"
        )
        for column in (
            "counted",
            "published_month",
            "published_at",
            "province_code",
            "region_basis",
            "region_code",
            "organization_id",
        ):
            batch_op.drop_column(column)

    with op.batch_alter_table("syndication_cluster", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_syndication_cluster_size_positive"), type_="check")

    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("load_digest")
        batch_op.drop_column("minhash")

    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_region_province_code_region"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_region_province_code"))
        batch_op.drop_column("province_code")
