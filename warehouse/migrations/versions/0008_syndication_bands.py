"""LSH band keys stored and indexed: syndication clusters are updated incrementally

A load used to re-cluster the whole warehouse from every article's signature.  Each article's
16 band keys now live in ``syndication_band`` (indexed by key), so a new article is compared
only with the articles sharing one of its bands.  The keys of the articles already loaded are
computed here (their signatures too, for rows loaded before signatures existed); buckets keep
their earliest ``BUCKET_CAP`` articles, as loads do.  Clusters are left as they are.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02 20:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 2000


def upgrade() -> None:
    # The signature code is imported, not copied: its seeds are fixed, so keys computed here are
    # the ones every later load computes.
    from warehouse.syndication import BANDS, BUCKET_CAP, band_keys, minhash

    op.create_table(
        "syndication_band",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_syndication_band_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "band", name=op.f("pk_syndication_band")),
    )
    bind = op.get_bind()
    article = sa.table(
        "article",
        sa.column("id", sa.Integer),
        sa.column("minhash", sa.LargeBinary),
        sa.column("simplified_text"),
    )
    band = sa.table("syndication_band", sa.column("article_id"), sa.column("band"), sa.column("key"))
    missing = bind.execute(sa.select(article.c.id).where(article.c.minhash.is_(None))).scalars().all()
    for start in range(0, len(missing), _CHUNK):
        ids = missing[start : start + _CHUNK]
        texts = bind.execute(sa.select(article.c.id, article.c.simplified_text).where(article.c.id.in_(ids)))
        bind.execute(
            article.update()
            .where(article.c.id == sa.bindparam("b_id"))
            .values(minhash=sa.bindparam("b_sig")),
            [{"b_id": i, "b_sig": minhash(text or "")} for i, text in texts],
        )
    last = 0
    while True:  # in id order, chunk by chunk: memory stays flat on a large warehouse
        chunk = bind.execute(
            sa.select(article.c.id, article.c.minhash)
            .where(article.c.id > last, article.c.minhash.is_not(None))
            .order_by(article.c.id)
            .limit(_CHUNK)
        ).all()
        if not chunk:
            break
        last = chunk[-1].id
        kept = [(i, bytes(sig)) for i, sig in chunk if any(bytes(sig))]  # an empty text joins nothing
        keys = band_keys([sig for _, sig in kept])
        rows = [
            {"article_id": i, "band": b, "key": int(keys[n, b])}
            for n, (i, _) in enumerate(kept)
            for b in range(BANDS)
        ]
        if rows:
            bind.execute(band.insert(), rows)
    # A bucket keeps its earliest BUCKET_CAP articles, as a load would have left it.
    op.execute(
        "DELETE FROM syndication_band WHERE EXISTS (SELECT 1 FROM (SELECT article_id, band, "
        "ROW_NUMBER() OVER (PARTITION BY key ORDER BY article_id) AS n FROM syndication_band) ranked "
        "WHERE ranked.article_id = syndication_band.article_id AND ranked.band = syndication_band.band "
        f"AND ranked.n > {BUCKET_CAP})"
    )
    op.create_index(op.f("ix_syndication_band_key"), "syndication_band", ["key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_syndication_band_key"), table_name="syndication_band")
    op.drop_table("syndication_band")
