"""Sensors: tell the operator when a run fails; notice sites added to the registry."""

import os
from email.message import EmailMessage

import dagster as dg

from pipelines.assets.crawl import site_host
from pipelines.jobs import crawl_job
from pipelines.mail import MailError, MailResource
from pipelines.partitions import HOST_RUN_TAG, SITE_DIMENSION, crawl_days, site_day_key, sites
from pipelines.resources import SiteRegistryResource

OPERATOR_EMAIL_ENV = "CHARITYNEWS_OPERATOR_EMAIL"
UI_URL_ENV = "CHARITYNEWS_DAGSTER_URL"  # e.g. http://dagster.internal:3000, for links in mails


def failure_message(context: dg.RunFailureSensorContext, to: str) -> EmailMessage:
    """The notice: which run of which job, which steps failed and with what error."""
    run = context.dagster_run
    failed_steps = context.get_step_failure_events()
    lines = [f"Run {run.run_id} of job {run.job_name} failed."]
    if "dagster/partition" in run.tags:
        lines.append(f"Partition: {run.tags['dagster/partition']}")
    lines += [f"Run failure: {context.failure_event.message or '(no message)'}", ""]
    for event in failed_steps:
        error = event.step_failure_data.error
        lines += [
            f"Step {event.step_key} failed:",
            f"  {error.cls_name}: {error.message.strip()}" if error else "  (no error recorded)",
            "",
        ]
    if not failed_steps:
        lines.append("No step failed: the run failed before or between steps (see the run's log).")
    if base := os.environ.get(UI_URL_ENV):
        lines.append(f"Run log: {base.rstrip('/')}/runs/{run.run_id}")
    message = EmailMessage()
    steps = ", ".join(e.step_key or "?" for e in failed_steps) or "run"
    message["Subject"] = f"[charity-news] {run.job_name} failed ({steps})"
    message["To"] = to
    message.set_content("\n".join(lines))
    return message


@dg.run_failure_sensor(
    name="email_operator_on_failure",
    description=(
        "Emails the operator (CHARITYNEWS_OPERATOR_EMAIL) when a run fails: the run, its job, "
        "each failed step and its error.  Sent through the same SMTP resource as the digest; "
        "without an operator address it only logs."
    ),
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
)
def email_operator_on_failure(context: dg.RunFailureSensorContext, mail: MailResource) -> None:
    to = os.environ.get(OPERATOR_EMAIL_ENV, "").strip()
    run = context.dagster_run
    if not to:
        context.log.warning(f"run {run.run_id} failed; {OPERATOR_EMAIL_ENV} is not set, so no email is sent")
        return
    try:
        mail.send(failure_message(context, to))
    except MailError as exc:
        # Raising makes the sensor tick fail, which the UI shows; the next tick does not resend.
        raise dg.Failure(f"could not email {to} about failed run {run.run_id}: {exc}") from exc
    context.log.info(f"emailed {to} about failed run {run.run_id}")


@dg.sensor(
    job=crawl_job,
    name="site_registry_sensor",
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Every 5 minutes: reads the site registry; a site not yet known becomes a `site` "
        "partition and its first crawl is launched.  Sites removed from the registry keep their "
        "partition (and history); their runs fail with a clear message if launched."
    ),
)
def site_registry_sensor(
    context: dg.SensorEvaluationContext, site_registry: SiteRegistryResource
) -> dg.SensorResult | dg.SkipReason:
    registered = site_registry.sites()
    known = set(context.instance.get_dynamic_partitions(SITE_DIMENSION))
    new = [site for site in registered if site.name not in known]
    if not new:
        return dg.SkipReason(f"no new site in {site_registry.registry_path()} ({len(known)} known)")
    day = crawl_days.get_last_partition_key()
    # One run per new site fetches its whole archive: the crawler follows every list page and
    # sitemap, so earlier day partitions would find nothing more to fetch.
    return dg.SensorResult(
        dynamic_partitions_requests=[sites.build_add_request([site.name for site in new])],
        run_requests=[
            dg.RunRequest(
                run_key=f"first-crawl|{site.name}",
                partition_key=site_day_key(day, site.name),
                tags={HOST_RUN_TAG: site_host(site)},
            )
            for site in new
            if day is not None
        ],
    )


ALL_SENSORS = [email_operator_on_failure, site_registry_sensor]
