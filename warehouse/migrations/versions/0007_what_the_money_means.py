"""what the money means: roles, gifts, restatements, giver and recipient

Each amount mention now says what it is (``role``, never null: the full set of the extraction
contract, ``other`` when nothing fits), whether it repeats or is part of another amount of the
same article (``restates_position``: a headline, a breakdown's part, a per-donor share, a tranche,
a currency conversion), whether it is a gift to count once (``gift``), and who gives it to whom
(``giver_*`` / ``recipient_*``: an organization id, a region code, or a group word or person's
name, with the kind).  ``headline_of_position`` is subsumed by ``restates_position``.  The views
count gifts once per syndication cluster: ``gift`` is ``counted AND gift``, provinces follow the
recipient (``recipient_province_code``), organizations the giver.

Rows loaded before are backfilled as far as their columns allow (role null → other; restates from
the headline and conversion links; gift from the old rule; the sentence's organization as giver;
the served region as recipient); re-extraction with extractor 0.3.0 replaces them with what the
meaning rules read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 21:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES = ("donated", "raised", "pledged", "disbursed", "fund_size", "in_kind", "target", "threshold", "other")
GIVING = ("donated", "raised", "pledged", "disbursed", "fund_size", "in_kind")
KINDS = ("organization", "region", "group", "person")

OLD_GIFT = "counted AND role IS NOT NULL AND role <> 'threshold' AND NOT cumulative"
NEW_GIFT = "counted AND gift"
_ROLE_CHECK = "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")"


def _kind_check(side: str) -> str:
    return f"{side}_kind IS NULL OR {side}_kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")"


_OLD_SELECT = """
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
# The gift's giver and recipient beside the old columns; provinces follow the recipient.
_NEW_SELECT = """
SELECT am.id AS amount_mention_id, am.article_id, a.cluster_id, sc.size AS copies,
       am.published_at, am.published_month, am.value, am.currency, am.value_cny, am.qualifier,
       am.high, am.role, am.cumulative, am.gift, am.restates_position,
       am.giver_kind, am.giver_name, am.giver_organization_id, am.giver_region_code,
       am.recipient_kind, am.recipient_name, am.recipient_organization_id, am.recipient_region_code,
       am.recipient_province_code AS province_code, p.name AS province,
       am.organization_id, o.name AS organization, am.region_code,
       am.surface, am.sentence, a.url, a.title, am.extractor_version
FROM amount_mention am
JOIN article a ON a.id = am.article_id
LEFT JOIN syndication_cluster sc ON sc.id = a.cluster_id
LEFT JOIN organization o ON o.id = am.organization_id
LEFT JOIN region p ON p.code = am.recipient_province_code
"""
OLD_VIEWS = {
    "counted_amount": _OLD_SELECT + "WHERE am.counted",
    "gift": _OLD_SELECT
    + "WHERE am.counted AND am.role IS NOT NULL AND am.role <> 'threshold' AND NOT am.cumulative",
    "totals_by_province_month": f"""
SELECT t.province_code, p.name AS province, t.month, t.gifts, t.total_cny
FROM (SELECT province_code, published_month AS month, COUNT(*) AS gifts, SUM(value_cny) AS total_cny
      FROM amount_mention WHERE {OLD_GIFT}
      GROUP BY province_code, published_month) t
LEFT JOIN region p ON p.code = t.province_code""",
    "totals_by_organization": f"""
SELECT t.organization_id, o.name AS organization, o.type, t.gifts, t.total_cny
FROM (SELECT organization_id, COUNT(*) AS gifts, SUM(value_cny) AS total_cny
      FROM amount_mention WHERE {OLD_GIFT}
      GROUP BY organization_id) t
LEFT JOIN organization o ON o.id = t.organization_id""",
    "totals_by_role": """
SELECT role, cumulative, COUNT(*) AS amounts, SUM(value_cny) AS total_cny
FROM amount_mention WHERE counted
GROUP BY role, cumulative""",
}
NEW_VIEWS = {
    "counted_amount": _NEW_SELECT + "WHERE am.counted",
    "gift": _NEW_SELECT + "WHERE am.counted AND am.gift",
    "totals_by_province_month": f"""
SELECT t.province_code, p.name AS province, t.month, t.gifts, t.total_cny
FROM (SELECT recipient_province_code AS province_code, published_month AS month, COUNT(*) AS gifts,
             SUM(value_cny) AS total_cny
      FROM amount_mention WHERE {NEW_GIFT}
      GROUP BY recipient_province_code, published_month) t
LEFT JOIN region p ON p.code = t.province_code""",
    "totals_by_organization": f"""
SELECT t.organization_id, o.name AS organization, o.type, t.gifts, t.total_cny
FROM (SELECT giver_organization_id AS organization_id, COUNT(*) AS gifts, SUM(value_cny) AS total_cny
      FROM amount_mention WHERE {NEW_GIFT}
      GROUP BY giver_organization_id) t
LEFT JOIN organization o ON o.id = t.organization_id""",
    "totals_by_role": """
SELECT role, cumulative, gift, COUNT(*) AS amounts, SUM(value_cny) AS total_cny
FROM amount_mention WHERE counted
GROUP BY role, cumulative, gift""",
}
OLD_INDEXES = (
    ("ix_amount_mention_gift_province_month", ["province_code", "published_month", "value_cny"], OLD_GIFT),
    ("ix_amount_mention_gift_organization", ["organization_id", "value_cny"], OLD_GIFT),
    ("ix_amount_mention_gift_published", ["published_at", "value_cny"], OLD_GIFT),
    ("ix_amount_mention_counted_role", ["role", "cumulative", "value_cny"], "counted"),
)
NEW_INDEXES = (
    (
        "ix_amount_mention_gift_province_month",
        ["recipient_province_code", "published_month", "value_cny"],
        NEW_GIFT,
    ),
    ("ix_amount_mention_gift_organization", ["giver_organization_id", "value_cny"], NEW_GIFT),
    ("ix_amount_mention_gift_published", ["published_at", "value_cny"], NEW_GIFT),
    ("ix_amount_mention_counted_role", ["role", "cumulative", "gift", "value_cny"], "counted"),
)
_PARTY_COLUMNS = ("kind", "name", "organization_id", "region_code")


def _drop_views() -> None:
    for name in NEW_VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")


def _create_views(views: dict[str, str]) -> None:
    for name, select in views.items():
        op.execute(f"CREATE VIEW {name} AS {select}")


def _party_columns(side: str) -> list[sa.Column]:
    return [
        sa.Column(f"{side}_kind", sa.String(16), nullable=True),
        sa.Column(f"{side}_name", sa.String(200), nullable=True),
        sa.Column(
            f"{side}_organization_id",
            sa.Integer(),
            sa.ForeignKey(
                "organization.id", name=op.f(f"fk_amount_mention_{side}_organization_id_organization")
            ),
            nullable=True,
        ),
        sa.Column(
            f"{side}_region_code",
            sa.String(6),
            sa.ForeignKey("region.code", name=op.f(f"fk_amount_mention_{side}_region_code_region")),
            nullable=True,
        ),
    ]


def upgrade() -> None:
    _drop_views()  # SQLite copies the table to add constraints: nothing may read it meanwhile
    op.execute("UPDATE amount_mention SET role = 'other' WHERE role IS NULL")
    with op.batch_alter_table("amount_mention", schema=None) as batch_op:
        for index, _, _ in OLD_INDEXES:
            batch_op.drop_index(index)
        batch_op.add_column(sa.Column("gift", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("restates_position", sa.Integer(), nullable=True))
        for side in ("giver", "recipient"):
            for column in _party_columns(side):
                batch_op.add_column(column)
        batch_op.add_column(
            sa.Column(
                "recipient_province_code",
                sa.String(6),
                sa.ForeignKey("region.code", name=op.f("fk_amount_mention_recipient_province_code_region")),
                nullable=True,
            )
        )
        batch_op.alter_column("role", existing_type=sa.String(32), nullable=False)
        batch_op.create_check_constraint(batch_op.f("ck_amount_mention_role"), _ROLE_CHECK)
        for side in ("giver", "recipient"):
            batch_op.create_check_constraint(batch_op.f(f"ck_amount_mention_{side}_kind"), _kind_check(side))
    # Backfill what the old columns say: headline and conversion links are restatements; the old
    # gift rule, restating nothing, is the gift; the sentence's organization gives; the served
    # region (its province) receives.  Re-extraction replaces all of it.
    op.execute(
        "UPDATE amount_mention SET restates_position = COALESCE(headline_of_position, conversion_of_position)"
    )
    giving = ", ".join(f"'{r}'" for r in GIVING)
    op.execute(
        f"UPDATE amount_mention SET gift = (role IN ({giving}) AND NOT cumulative"
        " AND restates_position IS NULL)"
    )
    op.execute(
        "UPDATE amount_mention SET giver_kind = 'organization', giver_organization_id = organization_id,"
        " giver_name = (SELECT o.name FROM organization o WHERE o.id = amount_mention.organization_id)"
        " WHERE organization_id IS NOT NULL"
    )
    op.execute(
        "UPDATE amount_mention SET recipient_kind = 'region', recipient_region_code = region_code,"
        " recipient_name = (SELECT r.name FROM region r WHERE r.code = amount_mention.region_code)"
        " WHERE region_code IS NOT NULL"
    )
    op.execute("UPDATE amount_mention SET recipient_province_code = province_code")
    with op.batch_alter_table("amount_mention", schema=None) as batch_op:
        batch_op.drop_column("headline_of_position")
        for index, columns, where in NEW_INDEXES:
            batch_op.create_index(
                index, columns, unique=False, postgresql_where=sa.text(where), sqlite_where=sa.text(where)
            )
    _create_views(NEW_VIEWS)


def downgrade() -> None:
    _drop_views()
    with op.batch_alter_table("amount_mention", schema=None) as batch_op:
        for index, _, _ in NEW_INDEXES:
            batch_op.drop_index(index)
        batch_op.add_column(sa.Column("headline_of_position", sa.Integer(), nullable=True))
    # A headline's copy was the only restatement 0006 kept apart; the others count again.
    op.execute(
        "UPDATE amount_mention SET headline_of_position = restates_position"
        " WHERE restates_position IS NOT NULL AND conversion_of_position IS NULL"
        " AND restates_position > position"
    )
    op.execute(
        "UPDATE amount_mention SET counted = FALSE WHERE headline_of_position IS NOT NULL"
        " OR conversion_of_position IS NOT NULL"
    )
    op.execute(
        "UPDATE amount_mention SET counted = (value_cny IS NOT NULL"
        " AND article_id IN (SELECT a.id FROM article a JOIN syndication_cluster sc"
        " ON sc.id = a.cluster_id WHERE sc.representative_article_id = a.id))"
        " WHERE headline_of_position IS NULL AND conversion_of_position IS NULL"
    )
    with op.batch_alter_table("amount_mention", schema=None) as batch_op:
        for name in ("role", "giver_kind", "recipient_kind"):
            batch_op.drop_constraint(batch_op.f(f"ck_amount_mention_{name}"), type_="check")
        batch_op.alter_column("role", existing_type=sa.String(32), nullable=True)
        batch_op.drop_column("recipient_province_code")
        for side in ("giver", "recipient"):
            for suffix in reversed(_PARTY_COLUMNS):
                batch_op.drop_column(f"{side}_{suffix}")
        batch_op.drop_column("restates_position")
        batch_op.drop_column("gift")
        for index, columns, where in OLD_INDEXES:
            batch_op.create_index(
                index, columns, unique=False, postgresql_where=sa.text(where), sqlite_where=sa.text(where)
            )
    _create_views(OLD_VIEWS)
