"""Band keys leave with their article by a trigger, not a foreign key checked on every insert

Each article has 16 rows in ``syndication_band``, written by the load right after the article
itself, and PostgreSQL checked each against ``article`` one at a time: about 0.5 of the 3.7
CPU seconds a first load of 10,000 articles cost the server (``python -m bench.loader``).  The
key table is the clustering's index of signatures, kept only by the loader, so the check guarded
against nothing the loader could do.  What it did give, that deleting an article takes its band
keys with it (a stale key would hold a place in its bucket and name an article that is gone),
is kept by an AFTER DELETE trigger on ``article``: on PostgreSQL one per statement, deleting the
keys of all the statement's articles at once (a transition table); on SQLite one per row.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:45:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_syndication_band_article_id_article"
_TRIGGER = "article_deleted_drops_band_keys"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # Keys of articles deleted while the foreign key was off (none, as loads run) go first.
    op.execute("DELETE FROM syndication_band WHERE article_id NOT IN (SELECT id FROM article)")
    with op.batch_alter_table("syndication_band", schema=None) as batch_op:
        batch_op.drop_constraint(_FK, type_="foreignkey")
    if postgres:
        op.execute(
            f"CREATE FUNCTION {_TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "DELETE FROM syndication_band USING gone WHERE syndication_band.article_id = gone.id; "
            "RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {_TRIGGER} AFTER DELETE ON article REFERENCING OLD TABLE AS gone "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_TRIGGER}()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {_TRIGGER} AFTER DELETE ON article FOR EACH ROW BEGIN "
            "DELETE FROM syndication_band WHERE article_id = OLD.id; END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(f"DROP TRIGGER {_TRIGGER}" + (" ON article" if postgres else ""))
    if postgres:
        op.execute(f"DROP FUNCTION {_TRIGGER}()")
    with op.batch_alter_table("syndication_band", schema=None) as batch_op:
        batch_op.create_foreign_key(_FK, "article", ["article_id"], ["id"], ondelete="CASCADE")
