"""thresholds are not gifts

The extractor gives an amount the role ``threshold`` when it is a limit rather than money that
moved (单笔5万元以上的捐赠, 不低于2800元).  Such an amount must not add up as a gift: the gift
views and their partial indexes exclude it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 20:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_GIFT = "counted AND role IS NOT NULL AND NOT cumulative"
NEW_GIFT = "counted AND role IS NOT NULL AND role <> 'threshold' AND NOT cumulative"
GIFT_INDEXES = (
    ("ix_amount_mention_gift_province_month", ["province_code", "published_month", "value_cny"]),
    ("ix_amount_mention_gift_organization", ["organization_id", "value_cny"]),
    ("ix_amount_mention_gift_published", ["published_at", "value_cny"]),
)
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
# The views that read the gift predicate, as revision 0002 made them, with it as a parameter.
GIFT_VIEWS = {
    "gift": _AMOUNT_SELECT + "WHERE {qualified}",
    "totals_by_province_month": """
SELECT t.province_code, p.name AS province, t.month, t.gifts, t.total_cny
FROM (SELECT province_code, published_month AS month, COUNT(*) AS gifts, SUM(value_cny) AS total_cny
      FROM amount_mention WHERE {gift}
      GROUP BY province_code, published_month) t
LEFT JOIN region p ON p.code = t.province_code""",
    "totals_by_organization": """
SELECT t.organization_id, o.name AS organization, o.type, t.gifts, t.total_cny
FROM (SELECT organization_id, COUNT(*) AS gifts, SUM(value_cny) AS total_cny
      FROM amount_mention WHERE {gift}
      GROUP BY organization_id) t
LEFT JOIN organization o ON o.id = t.organization_id""",
}


def _qualified(predicate: str) -> str:
    return " ".join(
        f"am.{word}" if word in ("counted", "role", "cumulative") else word for word in predicate.split()
    )


def _use(gift: str) -> None:
    for name in GIFT_VIEWS:
        op.execute(f"DROP VIEW {name}")
    with op.batch_alter_table("amount_mention", schema=None) as batch_op:
        for index, columns in GIFT_INDEXES:
            batch_op.drop_index(index)
            batch_op.create_index(
                index, columns, unique=False, postgresql_where=sa.text(gift), sqlite_where=sa.text(gift)
            )
    for name, select in GIFT_VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {select.format(gift=gift, qualified=_qualified(gift))}")


def upgrade() -> None:
    _use(NEW_GIFT)


def downgrade() -> None:
    _use(OLD_GIFT)
