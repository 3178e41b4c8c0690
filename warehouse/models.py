"""Warehouse schema (SQLAlchemy 2.x).

Every table and column carries a ``doc`` string: ``python -m warehouse.dictionary`` turns them
into the data dictionary in docs/warehouse.md (a test keeps the two in step).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from transforms.currency import CURRENCIES

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def one_of(column: str, values: tuple[str, ...] | list[str], *, nullable: bool = False) -> str:
    """A CHECK that ``column`` holds one of ``values`` (or is null), as a chain of equalities.

    Not ``column IN (…)``: SQLite builds a lookup table for an IN list each time it checks a row,
    which made the checks of the tables loads write about half of an amount row's insert cost
    (migration 0010).  The chain means the same on both engines, a null included."""
    test = " OR ".join(f"{column} = '{value}'" for value in values)
    return f"{column} IS NULL OR {test}" if nullable else test


_CURRENCY_CHECK = one_of("currency", CURRENCIES)
Money = Numeric(20, 2)
JsonType = JSON().with_variant(JSONB(), "postgresql")

# The amounts the researcher views add up: one copy per syndication cluster (counted), and of
# those the gifts the extractor read (gift: a giving role, not a running total, restating no
# other amount of the article).  Partial indexes repeat this predicate verbatim so both planners
# can match it.
COUNTED_GIFT = "counted AND gift"
ROLES = ("donated", "raised", "pledged", "disbursed", "fund_size", "in_kind", "target", "threshold", "other")
PARTY_KINDS = ("organization", "region", "group", "person")
_ROLE_CHECK = one_of("role", ROLES)
SCRIPT_VARIANTS = ("simplified", "traditional", "mixed", "none")
QUALIFIERS = ("exact", "approximate", "lower_bound")
REGION_BASES = ("sentence", "article")
REGION_ROLES = ("seat", "beneficiary", "mention")


def _kind_check(side: str) -> str:
    return one_of(f"{side}_kind", PARTY_KINDS, nullable=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """One row per crawled site (from the site registry)."""

    __tablename__ = "source"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Surrogate key.")
    name: Mapped[str] = mapped_column(String(64), unique=True, doc="Registry name of the site (stable key).")
    title: Mapped[str] = mapped_column(String(200), doc="The site's own name, as shown to readers.")
    homepage: Mapped[str] = mapped_column(String(500), doc="Home page URL.")
    locale: Mapped[str] = mapped_column(
        String(16), doc="Where the site publishes: mainland, hk, mo or tw (decides what a plain 元 means)."
    )


class Region(Base):
    """GB/T 2260 administrative divisions (reference table, filled from transforms/data/regions.tsv)."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(6), primary_key=True, doc="Six-digit GB/T 2260 code.")
    name: Mapped[str] = mapped_column(String(64), doc="Full official name, e.g. 湘西土家族苗族自治州.")
    short_names: Mapped[str] = mapped_column(
        String(200), default="", doc="Short forms the extractor recognises, separated by |."
    )
    level: Mapped[str] = mapped_column(String(16), doc="province, city (prefecture level) or county.")
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("region.code"), index=True, doc="The division one level up; null for provinces."
    )
    province_code: Mapped[str | None] = mapped_column(
        ForeignKey("region.code"),
        index=True,
        doc="The province-level division containing this one (itself for a province).",
    )
    __table_args__ = (CheckConstraint("level IN ('province', 'city', 'county')", name="level"),)


class SyndicationCluster(Base):
    """Articles that are copies of one report; amounts count once per cluster.

    Updated by every load for the articles it writes (warehouse/clusters.py), from MinHash
    signatures and their stored band keys.  The cluster's id is its representative's article id,
    so loading the same articles again, or in another order, gives the same rows.
    """

    __tablename__ = "syndication_cluster"
    id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False, doc="Equal to representative_article_id."
    )
    representative_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("article.id", use_alter=True, ondelete="SET NULL"),
        doc="The earliest-published copy (lowest id on a tie): the one whose amounts are counted.",
    )
    size: Mapped[int] = mapped_column(Integer, default=1, doc="Number of articles in the cluster.")
    __table_args__ = (CheckConstraint("size >= 1", name="size_positive"),)


class Article(Base):
    """One published article (the newest fetch of its URL)."""

    __tablename__ = "article"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Surrogate key.")
    url: Mapped[str] = mapped_column(String(1000), unique=True, doc="Article URL as crawled (unique).")
    # No index on source_id or content_hash: no query filters on them (migration 0010).
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), doc="The site that published it.")
    title: Mapped[str] = mapped_column(Text, doc="Headline as published.")
    published_at: Mapped[datetime | None] = mapped_column(
        DateTime, index=True, doc="Publication time read from the page (site-local time); null if none."
    )
    fetched_at: Mapped[datetime] = mapped_column(DateTime, doc="When the page was fetched (UTC).")
    script_variant: Mapped[str] = mapped_column(
        String(16), doc="simplified, traditional, mixed or none (no Han text)."
    )
    encoding: Mapped[str] = mapped_column(String(32), doc="Character encoding the page was decoded with.")
    original_text: Mapped[str] = mapped_column(
        Text, doc="Main text as published; every mention's offsets point into it."
    )
    simplified_text: Mapped[str] = mapped_column(
        Text, doc="Normalized simplified-script text (OpenCC), used for syndication."
    )
    content_hash: Mapped[str] = mapped_column(
        String(64), doc="SHA-256 of the simplified text without punctuation (exact copies)."
    )
    fingerprint: Mapped[int] = mapped_column(
        BigInteger, doc="64-bit SimHash of the simplified text (kept for compatibility)."
    )
    minhash: Mapped[bytes | None] = mapped_column(
        LargeBinary,
        doc="MinHash signature (64 × uint32) of the simplified text's 4-grams (migration 0008 "
        "computed it for rows loaded before schema 0002).",
    )
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("syndication_cluster.id", ondelete="SET NULL"),
        index=True,
        doc="Its syndication cluster; an article with no copies is a cluster of one.",
    )
    source_line: Mapped[str | None] = mapped_column(
        String(200), doc="Declared origin line (来源：…) when the page shows one."
    )
    extractor_version: Mapped[str] = mapped_column(
        String(32), doc="Version of the extractor that produced its mentions."
    )
    load_digest: Mapped[str | None] = mapped_column(
        String(64),
        doc="Digest of the staging record last loaded; an identical record is not written again "
        "(2: and a BLAKE2b of the record's pickle; 64 hex digits, a SHA-256 of its JSON, from "
        "loads before that format).",
    )
    __table_args__ = (CheckConstraint(one_of("script_variant", SCRIPT_VARIANTS), name="variant"),)
    source: Mapped[Source] = relationship()


class SyndicationBand(Base):
    """The LSH band keys of an article's MinHash signature: articles sharing a key are candidate
    copies.  A new article is compared only with the articles of its buckets; a bucket holds at
    most 200 articles (BUCKET_CAP in warehouse/syndication.py: the earliest loaded), so a band
    shared by thousands of articles (boilerplate) costs a bounded number of comparisons.
    """

    __tablename__ = "syndication_band"
    # No foreign key: checking 16 rows an article cost a seventh of a first load's server work,
    # and only the loader writes here, right after the article.  Deleting an article deletes
    # its keys by a trigger on ``article`` (migration 0011).
    article_id: Mapped[int] = mapped_column(
        primary_key=True, autoincrement=False, doc="The article (its keys go when it is deleted)."
    )
    band: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, doc="Band number (0–15) of the signature."
    )
    key: Mapped[int] = mapped_column(
        BigInteger,
        doc="The band's four MinHash values folded into one signed 64-bit key (band number included).",
    )
    # A bucket is read by key for its articles: with the article in the index the lookup needs
    # no visit to the table's row (migration 0012).
    __table_args__ = (Index("ix_syndication_band_key", "key", "article_id"),)


class Organization(Base):
    """An organization named in the news, by its canonical simplified full name."""

    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Surrogate key.")
    name: Mapped[str] = mapped_column(
        String(200), unique=True, doc="Canonical simplified full name (short forms expanded)."
    )
    type: Mapped[str] = mapped_column(
        String(32), doc="Kind of body as the extractor classifies it (foundation, government, company, …)."
    )
    seat_region_code: Mapped[str | None] = mapped_column(
        ForeignKey("region.code"), doc="Region of its seat when known; not filled by the loader yet."
    )


class OrganizationAlias(Base):
    """Other written forms of an organization seen in articles (short forms, traditional script)."""

    __tablename__ = "organization_alias"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Surrogate key.")
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), doc="The organization."
    )
    alias: Mapped[str] = mapped_column(String(200), doc="The form as written in an article.")
    __table_args__ = (UniqueConstraint("organization_id", "alias", name="uq_organization_alias_pair"),)


class _Provenance:
    """Where a mention was read: article, surface text, offsets into original_text, sentence."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Surrogate key.")
    surface: Mapped[str] = mapped_column(String(300), doc="The text as written (original script).")
    start: Mapped[int] = mapped_column(Integer, doc="Start offset in article.original_text (characters).")
    end: Mapped[int] = mapped_column(Integer, doc="End offset (exclusive) in article.original_text.")
    sentence: Mapped[str] = mapped_column(Text, doc="The sentence it was read in (original script).")
    extractor_version: Mapped[str] = mapped_column(String(32), doc="Extractor version that produced it.")


class AmountMention(_Provenance, Base):
    """A money amount read in an article, with its provenance."""

    __tablename__ = "amount_mention"
    # No index of its own: uq_amount_mention_article_position leads with article_id.
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), doc="The article.")
    position: Mapped[int] = mapped_column(Integer, doc="Order of the amount within the article (0, 1, …).")
    value: Mapped[Decimal] = mapped_column(Money, doc="The amount in its own currency (low end of a range).")
    currency: Mapped[str] = mapped_column(String(3), doc="ISO 4217 code.")
    value_cny: Mapped[Decimal | None] = mapped_column(
        Money, doc="value in CNY at the fixed reference rates of transforms/currency.py."
    )
    qualifier: Mapped[str] = mapped_column(
        String(16), doc="exact, approximate (约/近) or lower_bound (超/逾/余/以上)."
    )
    high: Mapped[Decimal | None] = mapped_column(Money, doc="Upper end of a range; null otherwise.")
    role: Mapped[str] = mapped_column(
        String(32),
        doc="What the money is: donated, raised, pledged, disbursed (paid out to beneficiaries or "
        "projects), fund_size, in_kind, target (a goal), threshold (a limit or bracket) or other "
        "(not philanthropy: budgets, revenue, prices, fees, comparisons).",
    )
    cumulative: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        doc="A running or multi-year total, a roll-up of many gifts or a sum of amounts listed "
        "beside it; not a gift (the gifts inside it are).",
    )
    conversion_of_position: Mapped[int | None] = mapped_column(
        Integer, doc="position of the amount this one restates in another currency (约合…); else null."
    )
    restates_position: Mapped[int | None] = mapped_column(
        Integer,
        doc="position (same article) of the amount this one repeats or is part of: a headline or "
        "caption copy, a 其中/包括 part, a per-donor share of a stated total, a tranche of a "
        "pledge, a currency conversion; else null.  Not counted.",
    )
    gift: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        doc="Money given to a charitable purpose, to count once: a giving role, not cumulative, "
        "restating nothing (the gift view adds counted gifts).",
    )
    details: Mapped[dict | None] = mapped_column(JsonType, doc="Reserved for extractor details; unused.")
    giver_kind: Mapped[str | None] = mapped_column(
        String(16),
        doc="Who gives or pays it: organization, region, group (市民, 企业…) or person; null when the "
        "text does not say.",
    )
    giver_name: Mapped[str | None] = mapped_column(
        String(200), doc="Canonical organization name, region name, group word or person's name."
    )
    giver_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id"), doc="organization.id when giver_kind is organization."
    )
    giver_region_code: Mapped[str | None] = mapped_column(
        String(6), doc="GB/T 2260 code when giver_kind is region (checked by the loader, no FK)."
    )
    recipient_kind: Mapped[str | None] = mapped_column(
        String(16),
        doc="Who receives it: organization, region, group (困难群众, 学生…) or person; null when the "
        "text does not say.",
    )
    recipient_name: Mapped[str | None] = mapped_column(
        String(200), doc="Canonical organization name, region name, group word or person's name."
    )
    recipient_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id"), doc="organization.id when recipient_kind is organization."
    )
    recipient_region_code: Mapped[str | None] = mapped_column(
        String(6), doc="GB/T 2260 code when recipient_kind is region (checked by the loader, no FK)."
    )
    recipient_province_code: Mapped[str | None] = mapped_column(
        String(6),
        doc="Province the money goes to: the recipient region's province when the recipient is a "
        "place in China, null when it is a country abroad, else province_code.  The province "
        "totals and the digest's filter use it (checked by the loader, no FK).",
    )
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id"),
        doc="The organization the sentence links to the amount: the first one named before it in "
        "the same sentence; null if none.",
    )
    region_code: Mapped[str | None] = mapped_column(
        String(6),
        doc="The region the amount serves: a beneficiary region in its sentence, else a region "
        "mentioned there, else the article's main province, beneficiaries counting twice (see "
        "region_basis; checked by the loader, no FK).",
    )
    region_basis: Mapped[str | None] = mapped_column(
        String(16), doc="sentence or article: where region_code was read; null when no region."
    )
    province_code: Mapped[str | None] = mapped_column(
        String(6), doc="Province-level division of region_code (checked by the loader, no FK)."
    )
    published_at: Mapped[datetime | None] = mapped_column(
        DateTime, doc="Copy of article.published_at, so the views read one table."
    )
    published_month: Mapped[str | None] = mapped_column(String(7), doc="published_at as YYYY-MM.")
    counted: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        server_default=false(),
        doc="True when the views add this amount: it is in its cluster's representative article, "
        "restates no other amount of it (restates_position is null), and has a CNY value.",
    )
    __table_args__ = (
        CheckConstraint(_CURRENCY_CHECK, name="currency"),
        CheckConstraint("value >= 0", name="value_non_negative"),
        CheckConstraint("value_cny IS NULL OR value_cny >= 0", name="value_cny_non_negative"),
        CheckConstraint("high IS NULL OR high >= value", name="range"),
        CheckConstraint(one_of("qualifier", QUALIFIERS), name="qualifier"),
        CheckConstraint(_ROLE_CHECK, name="role"),
        CheckConstraint(_kind_check("giver"), name="giver_kind"),
        CheckConstraint(_kind_check("recipient"), name="recipient_kind"),
        CheckConstraint(one_of("region_basis", REGION_BASES, nullable=True), name="basis"),
        CheckConstraint('"end" >= start AND start >= 0', name="offsets"),
        UniqueConstraint("article_id", "position", name="uq_amount_mention_article_position"),
    )


class OrganizationMention(_Provenance, Base):
    """An organization named in an article, with its provenance."""

    __tablename__ = "organization_mention"
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True, doc="The article."
    )
    # No index of its own: ix_organization_mention_first_seen leads with organization_id.
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id"), doc="The organization (canonical)."
    )
    expanded_from_context: Mapped[bool] = mapped_column(
        Boolean,
        default=False,
        doc="A short form (市慈善会) expanded from the article's own region context.",
    )
    published_at: Mapped[datetime | None] = mapped_column(
        DateTime, doc="Copy of article.published_at (for first-seen questions)."
    )
    __table_args__ = (CheckConstraint('"end" >= start AND start >= 0', name="offsets"),)


class RegionMention(_Provenance, Base):
    """A GB/T 2260 region named in an article, with its provenance and role."""

    __tablename__ = "region_mention"
    article_id: Mapped[int] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True, doc="The article."
    )
    region_code: Mapped[str] = mapped_column(
        String(6), index=True, doc="The region (a region.code, checked by the loader, no FK)."
    )
    role: Mapped[str] = mapped_column(
        String(16),
        doc="seat (inside an organization's name), beneficiary (served by the aid) or mention.",
    )
    __table_args__ = (
        CheckConstraint(one_of("role", REGION_ROLES), name="role"),
        CheckConstraint('"end" >= start AND start >= 0', name="offsets"),
    )


# Indexes behind the researcher views (docs/warehouse.md says which view uses which).
_GIFT = text(COUNTED_GIFT)
Index(
    "ix_amount_mention_gift_province_month",
    AmountMention.recipient_province_code,
    AmountMention.published_month,
    AmountMention.value_cny,
    postgresql_where=_GIFT,
    sqlite_where=_GIFT,
)
Index(
    "ix_amount_mention_gift_organization",
    AmountMention.giver_organization_id,
    AmountMention.value_cny,
    postgresql_where=_GIFT,
    sqlite_where=_GIFT,
)
Index(
    "ix_amount_mention_gift_published",
    AmountMention.published_at,
    AmountMention.value_cny,
    postgresql_where=_GIFT,
    sqlite_where=_GIFT,
)
Index(
    "ix_amount_mention_counted_role",
    AmountMention.role,
    AmountMention.cumulative,
    AmountMention.gift,
    AmountMention.value_cny,
    postgresql_where=text("counted"),
    sqlite_where=text("counted"),
)
Index(
    "ix_organization_mention_first_seen",
    OrganizationMention.organization_id,
    OrganizationMention.published_at,
)


class Subscriber(Base):
    """A reader of the weekly digest, with what they want to see."""

    __tablename__ = "subscriber"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Surrogate key.")
    email: Mapped[str] = mapped_column(
        String(254), unique=True, doc="Delivery address, validated on entry; the domain in lower case."
    )
    name: Mapped[str] = mapped_column(
        String(100), default="", doc="Name shown in the greeting and the To header (no line breaks)."
    )
    provinces: Mapped[list | None] = mapped_column(
        JsonType,
        doc="Province-level GB/T 2260 codes the reader follows (gifts and totals are restricted "
        "to them); null or empty for all.",
    )
    organization_types: Mapped[list | None] = mapped_column(
        JsonType, doc="Organization types (organization.type) of the gifts shown; null or empty for all."
    )
    min_amount_cny: Mapped[Decimal | None] = mapped_column(
        Money, doc="Smallest gift shown, in CNY; null for no minimum."
    )
    active: Mapped[bool] = mapped_column(
        Boolean, default=True, doc="False once unsubscribed: no further digests are sent."
    )
    unsubscribe_token: Mapped[str] = mapped_column(
        String(64), unique=True, doc="Secret random token in the unsubscribe link of every digest."
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, doc="When the subscription was added (UTC).")
    unsubscribed_at: Mapped[datetime | None] = mapped_column(
        DateTime, doc="When it was deactivated (UTC); null while active."
    )
    __table_args__ = (CheckConstraint("min_amount_cny IS NULL OR min_amount_cny >= 0", name="min_amount"),)


class DigestDelivery(Base):
    """The delivery log: one row per (week, subscriber), so each digest is sent once.

    A run claims the row (status pending, committed) before talking to SMTP and marks it sent
    after the server accepted the message; docs/digest.md explains what a re-run does with each
    status.
    """

    __tablename__ = "digest_delivery"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, doc="Surrogate key.")
    iso_week: Mapped[str] = mapped_column(String(8), doc="ISO week of the digest, e.g. 2026-W47.")
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscriber.id", ondelete="CASCADE"), index=True, doc="The subscriber."
    )
    status: Mapped[str] = mapped_column(
        String(16),
        doc="pending (claimed, SMTP outcome not yet recorded), sent (accepted by the SMTP server) "
        "or failed (refused or unreachable; retried by the next run).",
    )
    message_id: Mapped[str] = mapped_column(
        String(200), doc="Message-ID header, derived from (week, subscriber): the same on every attempt."
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, doc="Runs that tried to send it.")
    error: Mapped[str | None] = mapped_column(Text, doc="Last failure, when status is failed.")
    claimed_at: Mapped[datetime] = mapped_column(DateTime, doc="When a run last claimed it (UTC).")
    sent_at: Mapped[datetime | None] = mapped_column(
        DateTime, doc="When the SMTP server accepted it (UTC); null until sent."
    )
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        UniqueConstraint("iso_week", "subscriber_id", name="uq_digest_delivery_week_subscriber"),
    )
