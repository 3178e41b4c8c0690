"""The researcher views: what each one answers and what its columns mean.

The SQL lives in the migrations (a view is schema, and a migration must keep creating what it
created when it was written); this module documents the views for the data dictionary, and
tests/test_warehouse_views.py checks that the migrated database has exactly these columns.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    name: str
    doc: str
    columns: tuple[tuple[str, str], ...]
    indexes: str  # which indexes answer it quickly

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]


_AMOUNT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("amount_mention_id", "amount_mention.id: the mention, with its sentence and offsets."),
    ("article_id", "The article it was read in (its cluster's representative)."),
    ("cluster_id", "Its syndication cluster."),
    ("copies", "Articles in the cluster: how many sites carried the report."),
    ("published_at", "Publication time of the article."),
    ("published_month", "YYYY-MM of published_at."),
    ("value", "Amount in its own currency."),
    ("currency", "ISO 4217 code."),
    ("value_cny", "Amount in CNY (fixed reference rates)."),
    ("qualifier", "exact, approximate or lower_bound."),
    ("high", "Upper end of a range, else null."),
    ("role", "donated, raised, pledged, disbursed, fund_size, in_kind, threshold (a limit), or null."),
    ("cumulative", "A running total (restates earlier gifts)."),
    ("organization_id", "Linked organization (first named before it in its sentence), else null."),
    ("organization", "That organization's canonical name."),
    ("region_code", "Region the amount serves (see amount_mention.region_basis)."),
    ("province_code", "Province of region_code."),
    ("province", "Province name."),
    ("surface", "The amount as written."),
    ("sentence", "The sentence it was read in."),
    ("url", "Article URL."),
    ("title", "Article headline."),
    ("extractor_version", "Extractor version that read it."),
)

VIEWS: tuple[View, ...] = (
    View(
        "counted_amount",
        "Every amount the warehouse counts: one copy per syndication cluster (the representative "
        "article's), restatements in another currency and headlines restating the body left out, "
        "with its provenance.",
        _AMOUNT_COLUMNS,
        "filter on amount_mention.counted; join article by primary key",
    ),
    View(
        "gift",
        "Counted single gifts (a role, not a threshold, not a running total): counted_amount minus "
        "cumulative totals, thresholds and amounts whose role is unclear. Top gifts of a window: "
        "`SELECT * FROM gift WHERE published_at >= … AND published_at < … ORDER BY value_cny DESC LIMIT 10`.",
        _AMOUNT_COLUMNS,
        "ix_amount_mention_gift_published (partial: counted single gifts, by published_at)",
    ),
    View(
        "totals_by_province_month",
        "Counted single gifts added up by province (of the region each amount serves) and month.",
        (
            ("province_code", "Province-level GB/T 2260 code; null when no region is known."),
            ("province", "Province name."),
            ("month", "YYYY-MM of publication."),
            ("gifts", "Number of counted gifts."),
            ("total_cny", "Their sum in CNY."),
        ),
        "ix_amount_mention_gift_province_month (partial, covering: index-only scan)",
    ),
    View(
        "totals_by_organization",
        "Counted single gifts added up by the organization their sentence links them to.",
        (
            ("organization_id", "organization.id; null for gifts with no linked organization."),
            ("organization", "Canonical name."),
            ("type", "Organization type."),
            ("gifts", "Number of counted gifts."),
            ("total_cny", "Their sum in CNY."),
        ),
        "ix_amount_mention_gift_organization (partial, covering: index-only scan)",
    ),
    View(
        "totals_by_role",
        "Counted amounts by role, running totals apart from single gifts.",
        (
            ("role", "Role, or null when unclear."),
            ("cumulative", "True for running totals."),
            ("amounts", "Number of counted amounts."),
            ("total_cny", "Their sum in CNY."),
        ),
        "ix_amount_mention_counted_role (partial, covering: index-only scan)",
    ),
    View(
        "organization_first_seen",
        "When each organization was first named in a dated article. Newly seen organizations of a "
        "window: `SELECT * FROM organization_first_seen WHERE first_seen_at >= … AND first_seen_at < …`.",
        (
            ("organization_id", "organization.id."),
            ("organization", "Canonical name."),
            ("type", "Organization type."),
            ("first_seen_at", "Earliest publication time of an article naming it."),
        ),
        "ix_organization_mention_first_seen (one index probe per organization)",
    ),
)
