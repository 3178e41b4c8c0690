"""Digest stage: the weekly digest for subscribers."""

import dagster as dg
from sqlalchemy.orm import Session

from pipelines.digest.render import format_amount, render_digest, write_digest
from pipelines.partitions import digest_weeks, iso_week_of
from pipelines.resources import StorageResource, WarehouseResource
from warehouse.queries import latest_iso_week, week_digest


@dg.asset(group_name="digest", deps=["warehouse_tables"], kinds={"html"}, partitions_def=digest_weeks)
def weekly_digest(
    context: dg.AssetExecutionContext, storage: StorageResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """One week's digest in Chinese (partition: the week's Monday, Asia/Shanghai), as HTML
    (inline CSS, readable on a phone) and plain text: notable gifts counted once per
    syndication cluster, totals by province, and organizations seen for the first time.
    Files: CHARITYNEWS_DATA_DIR/digest/.
    """
    engine = warehouse.migrated_engine()
    with Session(engine) as session:
        # A partition is the week starting on its Monday; unpartitioned calls take the latest.
        week = iso_week_of(context.partition_key) if context.has_partition_key else latest_iso_week(session)
        if week is None:
            raise dg.Failure("the warehouse has no dated articles: nothing to digest")
        digest = week_digest(session, week)
    engine.dispose()
    rendered = render_digest(digest)
    html_path, text_path = write_digest(rendered, storage.digest_dir(), week)
    top = "\n".join(
        f"| {format_amount(g.value, g.currency)} | {g.organization or ''} | {g.province or ''} "
        f"| {g.article_title} |"
        for g in digest.gifts[:5]
    )
    return dg.MaterializeResult(
        metadata={
            "iso_week": week,
            "articles": digest.articles,
            "notable_gifts": len(digest.gifts),
            "new_organizations": len(digest.new_organizations),
            "html": dg.MetadataValue.path(str(html_path)),
            "text": dg.MetadataValue.path(str(text_path)),
            "top_gifts": dg.MetadataValue.md(
                "| amount | organization | province | article |\n|---|---|---|---|\n" + top
            ),
        }
    )
