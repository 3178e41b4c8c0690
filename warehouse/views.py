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
    (
        "role",
        "donated, raised, pledged, disbursed, fund_size, in_kind, target, threshold or other "
        "(see amount_mention.role).",
    ),
    ("cumulative", "A running or multi-year total, a roll-up or a sum of listed amounts."),
    ("gift", "Money given to a charitable purpose, counted once (always true in the gift view)."),
    ("restates_position", "Always null here: counted amounts restate nothing."),
    ("giver_kind", "organization, region, group or person; null when the text does not say."),
    ("giver_name", "The giver's canonical name, region name, group word or person's name."),
    ("giver_organization_id", "organization.id of the giver, when an organization."),
    ("giver_region_code", "GB/T 2260 code of the giver, when a place."),
    ("recipient_kind", "organization, region, group or person; null when the text does not say."),
    ("recipient_name", "The recipient's canonical name, region name, group word or person's name."),
    ("recipient_organization_id", "organization.id of the recipient, when an organization."),
    ("recipient_region_code", "GB/T 2260 code of the recipient, when a place."),
    (
        "province_code",
        "Province the money goes to: the recipient region's, else the amount's own; none for "
        "a country abroad (amount_mention.recipient_province_code).",
    ),
    ("province", "Province name."),
    (
        "organization_id",
        "The organization its sentence names first before it (amount_mention.organization_id).",
    ),
    ("organization", "That organization's canonical name."),
    ("region_code", "Region its sentence or article links it to (see amount_mention.region_basis)."),
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
        "article's), amounts restating another of their article (headline copies, breakdown parts, "
        "per-donor shares, tranches, conversions) left out, with its provenance.",
        _AMOUNT_COLUMNS,
        "filter on amount_mention.counted; join article by primary key",
    ),
    View(
        "gift",
        "Counted gifts: money given to a charitable purpose, once per syndication cluster and once "
        "per article (no running totals, targets, thresholds, budgets or parts of another amount), "
        "with giver and recipient. Top gifts of a window: "
        "`SELECT * FROM gift WHERE published_at >= … AND published_at < … ORDER BY value_cny DESC LIMIT 10`.",
        _AMOUNT_COLUMNS,
        "ix_amount_mention_gift_published (partial: counted single gifts, by published_at)",
    ),
    View(
        "totals_by_province_month",
        "Counted gifts added up by the province they go to (the recipient region's, else the "
        "amount's own) and month.",
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
        "Counted gifts added up by their giver organization: the top donors.",
        (
            (
                "organization_id",
                "organization.id of the giver; null for gifts whose giver is not an organization.",
            ),
            ("organization", "Canonical name."),
            ("type", "Organization type."),
            ("gifts", "Number of counted gifts."),
            ("total_cny", "Their sum in CNY."),
        ),
        "ix_amount_mention_gift_organization (partial, covering: index-only scan)",
    ),
    View(
        "totals_by_role",
        "Counted amounts by role, running totals and gifts apart.",
        (
            ("role", "Role (other when nothing else fits)."),
            ("cumulative", "True for running totals."),
            ("gift", "True for gifts."),
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
