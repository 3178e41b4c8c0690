"""Warehouse schema (SQLAlchemy 2.x).  docs/warehouse.md describes it for researchers."""

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
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
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
_CURRENCY_CHECK = "currency IN (" + ", ".join(f"'{c}'" for c in CURRENCIES) + ")"
Money = Numeric(20, 2)
JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """One row per crawled site."""

    __tablename__ = "source"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    homepage: Mapped[str] = mapped_column(String(500))
    locale: Mapped[str] = mapped_column(String(16))


class Region(Base):
    """GB/T 2260 reference table (transforms/data/regions.tsv)."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    short_names: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    __table_args__ = (CheckConstraint("level IN ('province', 'city', 'county')", name="level"),)


class SyndicationCluster(Base):
    """Articles that are copies of one report; amounts count once per cluster."""

    __tablename__ = "syndication_cluster"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    representative_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("article.id", use_alter=True, ondelete="SET NULL")
    )
    size: Mapped[int] = mapped_column(Integer, default=1)


class Article(Base):
    __tablename__ = "article"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)
    script_variant: Mapped[str] = mapped_column(String(16))
    encoding: Mapped[str] = mapped_column(String(32))
    original_text: Mapped[str] = mapped_column(Text)
    simplified_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    fingerprint: Mapped[int] = mapped_column(BigInteger)
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("syndication_cluster.id", ondelete="SET NULL"), index=True
    )
    source_line: Mapped[str | None] = mapped_column(String(200))
    extractor_version: Mapped[str] = mapped_column(String(32))
    __table_args__ = (
        CheckConstraint("script_variant IN ('simplified', 'traditional', 'mixed', 'none')", name="variant"),
    )
    source: Mapped[Source] = relationship()


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # canonical simplified full name
    type: Mapped[str] = mapped_column(String(32))
    seat_region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))


class OrganizationAlias(Base):
    __tablename__ = "organization_alias"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(200))
    __table_args__ = (UniqueConstraint("organization_id", "alias", name="uq_organization_alias_pair"),)


class _Provenance:
    """Where a mention was read: article, surface text, offsets into original_text, sentence."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    surface: Mapped[str] = mapped_column(String(300))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    sentence: Mapped[str] = mapped_column(Text)
    extractor_version: Mapped[str] = mapped_column(String(32))


class AmountMention(_Provenance, Base):
    __tablename__ = "amount_mention"
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order within the article
    value: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    value_cny: Mapped[Decimal | None] = mapped_column(Money)
    qualifier: Mapped[str] = mapped_column(String(16))
    high: Mapped[Decimal | None] = mapped_column(Money)
    role: Mapped[str | None] = mapped_column(String(32))
    cumulative: Mapped[bool] = mapped_column(Boolean, default=False)
    conversion_of_position: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict | None] = mapped_column(JsonType)
    __table_args__ = (
        CheckConstraint(_CURRENCY_CHECK, name="currency"),
        CheckConstraint("value >= 0", name="value_non_negative"),
        CheckConstraint("high IS NULL OR high >= value", name="range"),
        CheckConstraint("qualifier IN ('exact', 'approximate', 'lower_bound')", name="qualifier"),
        UniqueConstraint("article_id", "position", name="uq_amount_mention_article_position"),
    )


class OrganizationMention(_Provenance, Base):
    __tablename__ = "organization_mention"
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    expanded_from_context: Mapped[bool] = mapped_column(Boolean, default=False)


class RegionMention(_Provenance, Base):
    __tablename__ = "region_mention"
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    __table_args__ = (CheckConstraint("role IN ('seat', 'beneficiary', 'mention')", name="role"),)


Index("ix_amount_mention_value_cny", AmountMention.value_cny)
