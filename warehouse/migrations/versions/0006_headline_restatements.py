"""a headline's amount restating its body's is not counted

A report's headline usually repeats its main gift (华衍集团承诺捐赠5亿元 …) and the body says
it again with more context.  Counting both doubled the article's total, so the headline's
mention now points at the body's (``headline_of_position``) and is not counted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 22:50:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_WHITE = " \n\r\t"


def _trim(function: str, column: str) -> str:
    """``column`` without white space (line breaks too) at one end or both, as str.strip()."""
    if op.get_bind().dialect.name == "postgresql":
        return f"{function}({column}, E' \\n\\r\\t')"
    return f"{function}({column}, char(32, 10, 13, 9))"


def upgrade() -> None:
    op.add_column("amount_mention", sa.Column("headline_of_position", sa.Integer(), nullable=True))
    # A headline amount: its sentence is the title, and it stands within the title at the start of
    # the text (after any white space); it restates the first body amount of the same value.
    lead = f"(length(a.original_text) - length({_trim('ltrim', 'a.original_text')}))"
    in_headline = (
        "EXISTS (SELECT 1 FROM article a WHERE a.id = amount_mention.article_id"
        f" AND amount_mention.sentence = {_trim('trim', 'a.title')}"
        f" AND amount_mention.start < {lead} + length({_trim('trim', 'a.title')}))"
    )
    body = (
        "SELECT MIN(b.position) FROM amount_mention b JOIN article a ON a.id = b.article_id"
        " WHERE b.article_id = amount_mention.article_id AND b.value = amount_mention.value"
        " AND b.currency = amount_mention.currency"
        f" AND NOT (b.sentence = {_trim('trim', 'a.title')}"
        f" AND b.start < {lead} + length({_trim('trim', 'a.title')}))"
    )
    op.execute(f"UPDATE amount_mention SET headline_of_position = ({body}) WHERE {in_headline}")
    op.execute("UPDATE amount_mention SET counted = FALSE WHERE headline_of_position IS NOT NULL")
    # The body's amount, now the counted one, takes the headline's giver when it has none.
    restated_by = (
        "FROM amount_mention h WHERE h.article_id = amount_mention.article_id"
        " AND h.headline_of_position = amount_mention.position AND h.organization_id IS NOT NULL"
    )
    op.execute(
        f"UPDATE amount_mention SET organization_id = (SELECT h.organization_id {restated_by}"
        f" ORDER BY h.position LIMIT 1) WHERE organization_id IS NULL AND EXISTS (SELECT 1 {restated_by})"
    )


def downgrade() -> None:
    # Counted again as before 0006: not a currency restatement, convertible, representative.
    op.execute(
        "UPDATE amount_mention SET counted = (conversion_of_position IS NULL AND value_cny IS NOT NULL"
        " AND article_id IN (SELECT a.id FROM article a JOIN syndication_cluster sc"
        " ON sc.id = a.cluster_id WHERE sc.representative_article_id = a.id))"
        " WHERE headline_of_position IS NOT NULL"
    )
    # Not a batch (table copy) on SQLite: the views that read amount_mention would break it.
    op.drop_column("amount_mention", "headline_of_position")
