"""drop indexes that others already cover

Every index slows a bulk load (make bench measured the amount_mention COPY as its slowest
step).  ix_amount_mention_article_id is covered by uq_amount_mention_article_position and
ix_organization_mention_organization_id by ix_organization_mention_first_seen (both lead with
the same column); ix_amount_mention_value_cny served no view once the partial gift indexes
exist (largest gifts of a window use ix_amount_mention_gift_published).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 19:20:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("amount_mention", schema=None) as batch_op:
        batch_op.drop_index("ix_amount_mention_article_id")
        batch_op.drop_index("ix_amount_mention_value_cny")
    with op.batch_alter_table("organization_mention", schema=None) as batch_op:
        batch_op.drop_index("ix_organization_mention_organization_id")


def downgrade() -> None:
    with op.batch_alter_table("organization_mention", schema=None) as batch_op:
        batch_op.create_index("ix_organization_mention_organization_id", ["organization_id"], unique=False)
    with op.batch_alter_table("amount_mention", schema=None) as batch_op:
        batch_op.create_index("ix_amount_mention_value_cny", ["value_cny"], unique=False)
        batch_op.create_index("ix_amount_mention_article_id", ["article_id"], unique=False)
