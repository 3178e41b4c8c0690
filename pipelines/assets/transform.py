"""Transform stage: raw pages → articles → extracted mentions."""

import dagster as dg

from pipelines.resources import SiteRegistryResource, StorageResource
from pipelines.staging import extract_mentions, parse_raw_pages, read_jsonl, write_jsonl


def _failure_table(failures: list) -> dg.MetadataValue:
    rows = "\n".join(f"| {f.site} | {f.url} | {f.reason} |" for f in failures[:50])
    return dg.MetadataValue.md("| site | url | reason |\n|---|---|---|\n" + rows)


@dg.asset(group_name="transform", deps=["raw_pages"], kinds={"python"})
def articles(storage: StorageResource, site_registry: SiteRegistryResource) -> dg.MaterializeResult:
    """One article per URL (newest fetch): title, publication date, main text without site
    furniture, and the same text normalized to simplified script (OpenCC).

    Pages that yield no article (no title, no main text) are skipped and listed in the
    metadata; they never stop the run.  Output: CHARITYNEWS_DATA_DIR/staging/articles.jsonl.
    """
    parsed, failures = parse_raw_pages(storage.raw_store(), site_registry.sites())
    path = storage.staging("articles.jsonl")
    write_jsonl(path, parsed)
    dated = sum(1 for a in parsed if a["published"])
    variants = {
        v: sum(1 for a in parsed if a["variant"] == v) for v in ("simplified", "traditional", "mixed")
    }
    return dg.MaterializeResult(
        metadata={
            "articles": len(parsed),
            "skipped_pages": len(failures),
            "date_rate": dg.MetadataValue.float(dated / len(parsed) if parsed else 0.0),
            "traditional_articles": variants["traditional"],
            "mixed_articles": variants["mixed"],
            "decoding_replacement_chars": sum(a["replacement_chars"] for a in parsed),
            "path": dg.MetadataValue.path(str(path)),
            **({"skipped": _failure_table(failures)} if failures else {}),
        }
    )


@dg.asset(group_name="transform", deps=[articles], kinds={"python"})
def mentions(storage: StorageResource) -> dg.MaterializeResult:
    """Money amounts, organizations and regions found in each article, each with its surface
    text, character offsets into the article text and sentence, plus a SimHash fingerprint for
    finding syndicated copies.  Output: CHARITYNEWS_DATA_DIR/staging/mentions.jsonl.
    """
    extracted, failures = extract_mentions(read_jsonl(storage.staging("articles.jsonl")))
    path = storage.staging("mentions.jsonl")
    write_jsonl(path, extracted)
    return dg.MaterializeResult(
        metadata={
            "articles": len(extracted),
            "failed_articles": len(failures),
            "amount_mentions": sum(len(a["amounts"]) for a in extracted),
            "organization_mentions": sum(len(a["organizations"]) for a in extracted),
            "region_mentions": sum(len(a["regions"]) for a in extracted),
            "path": dg.MetadataValue.path(str(path)),
            **({"failed": _failure_table(failures)} if failures else {}),
        }
    )
