"""Digest stage: the weekly digest for subscribers."""

from typing import Any

import dagster as dg
from sqlalchemy.orm import Session

from pipelines.digest.delivery import EmptyWeek, send_week, write_previews
from pipelines.mail import MailResource
from pipelines.partitions import describe_week, digest_week_of, digest_weeks
from pipelines.resources import StorageResource, WarehouseResource
from pipelines.settings import public_url
from warehouse.queries import latest_iso_week


def digest_week(context: dg.AssetExecutionContext, session: Session) -> str:
    """The partition's week (its Monday, China time, or an ISO week) or, unpartitioned, the latest
    week with articles."""
    if context.has_partition_key:
        return digest_week_of(context.partition_key)
    week = latest_iso_week(session)
    if week is None:
        raise dg.Failure("the warehouse has no dated articles: nothing to digest")
    return week


@dg.asset(
    group_name="digest",
    # A week's digest reads the whole warehouse, which every site partition loads into.
    deps=[dg.AssetDep("warehouse_tables", partition_mapping=dg.AllPartitionMapping())],
    kinds={"html", "email"},
    partitions_def=digest_weeks,
)
def weekly_digest(
    context: dg.AssetExecutionContext,
    storage: StorageResource,
    warehouse: WarehouseResource,
    mail: MailResource,
) -> dg.MaterializeResult:
    """One week's digest in simplified Chinese (partition: the week's Monday, Asia/Shanghai; the
    materialization's "week" shows it beside the ISO week, 2026-W47 · 2026-11-16 – 2026-11-22),
    for every active subscriber with their filters:
    notable gifts counted once per syndication cluster (giver → receiver, region, source link),
    totals by province against the previous week with a chart, top organizations, organizations
    seen for the first time, article and source counts, and the sources whose fetches failed.

    Previews (HTML and text, the general one as digest-{week}.html/.txt and one per subscriber)
    are written to CHARITYNEWS_DATA_DIR/digest.  Mail goes out only when CHARITYNEWS_SMTP_HOST is
    set; the delivery log sends each subscriber one email per week however often this runs, so
    re-materializing after a failure sends only what is missing.
    """
    engine = warehouse.migrated_engine()
    try:
        with Session(engine) as session:
            week = digest_week(context, session)
        paths = write_previews(
            engine,
            week,
            storage.digest_dir(),
            storage.raw_store(),
            sender=mail.from_address(),
            public_url=public_url(),
        )
        general_html = storage.digest_dir() / f"digest-{week}.html"
        general_text = storage.digest_dir() / f"digest-{week}.txt"
        metadata: dict[str, Any] = {
            "iso_week": week,
            "week": describe_week(week),  # both the ISO week and the partition key (its Monday)
            "html": dg.MetadataValue.path(str(general_html)),
            "text": dg.MetadataValue.path(str(general_text)),
            "preview_files": len(paths),
        }
        if mail.enabled:
            try:
                report = send_week(engine, week, mail, raw_store=storage.raw_store(), public_url=public_url())
            except EmptyWeek as exc:  # a week without articles is never mailed to subscribers
                context.log.warning(str(exc))
                metadata["sending"] = f"refused: {exc}"
                return dg.MaterializeResult(metadata=metadata)
            metadata.update(
                subscribers=report.subscribers,
                sent=report.sent,
                skipped=report.skipped,
                failed=report.failed,
            )
            if report.errors:
                metadata["failures"] = dg.MetadataValue.md("\n".join(f"- {e}" for e in report.errors[:50]))
                context.log.warning("%d digest(s) not delivered; a re-run retries them", report.failed)
        else:
            context.log.info("CHARITYNEWS_SMTP_HOST is not set: previews written, nothing sent")
            metadata["sending"] = "off (CHARITYNEWS_SMTP_HOST not set)"
    finally:
        engine.dispose()
    return dg.MaterializeResult(metadata=metadata)
