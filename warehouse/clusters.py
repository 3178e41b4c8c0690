"""Incremental syndication clusters: a load looks only at its own articles and their bucket mates.

Clusters are the connected components of "shares a band and is similar enough"
(warehouse/syndication.py); the cluster's id is its representative's article id.  A batch of
written articles changes them only where it touches them:

- a new article (or one whose signature or publication date changed) is compared with the
  articles stored in its band buckets (``syndication_band``, at most ``BUCKET_CAP`` each) and
  with the batch's earlier articles; each similar pair joins their clusters;
- a cluster one of whose members changed signature or date is re-examined from its members
  (it may split, or change representative);
- a merged cluster's representative is the earliest of the parts' representatives, so the
  members of an untouched part are never read, and clusters no article of the batch reaches
  are not written at all.

``plan_clusters`` reads and decides; the loader writes the plan in the order foreign keys need.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from warehouse import models as m
from warehouse.syndication import (
    BANDS,
    BUCKET_CAP,
    JOIN_SIMILARITY,
    ClusterMember,
    band_keys,
    clusters,
    representative_key,
    similarities,
)

_CHUNK = 500  # values per lookup where a batch has at most 500 (ids, URLs)
_WIDE_CHUNK = 20_000  # values per array or JSON list (one parameter: the batch's band keys in one query)


def among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN (values)`` with the values as one parameter: ``= ANY(:array)`` on PostgreSQL,
    ``IN (SELECT value FROM json_each(:json))`` on SQLite (values are integers or texts).

    An IN list of 500 is rendered and parsed as 500 parameters, which cost more than the lookup
    itself (on SQLite in SQLAlchemy's compiler); one value probes the same index (both plans
    search the column's index for each value)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    each = func.json_each(bindparam(None, json.dumps(list(values)), type_=String)).table_valued("value")
    return column.in_(select(each.c.value))


def chunks(values: Iterable[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    ordered = sorted(values)
    for i in range(0, len(ordered), size):
        yield ordered[i : i + size]


# Lookups by one list of values, as (PostgreSQL, SQLite) statements on the DBAPI connection:
# a batch's 8,000 band keys return some 100,000 rows and its mates' signatures thousands, which
# through the ORM's result rows cost more than the index probes (a third of a load at 60,000).
_BAND_MATES = (
    "SELECT key, article_id FROM syndication_band WHERE key = ANY(%b) ORDER BY article_id",
    "SELECT key, article_id FROM syndication_band WHERE key IN (SELECT value FROM json_each(?))"
    " ORDER BY article_id",
)
_SIGNED = "SELECT id, minhash, published_at, cluster_id FROM article WHERE "
_ARTICLES = (_SIGNED + "id = ANY(%b)", _SIGNED + "id IN (SELECT value FROM json_each(?))")
_MEMBERS_OF = (_SIGNED + "cluster_id = ANY(%b)", _SIGNED + "cluster_id IN (SELECT value FROM json_each(?))")


def _by_values(session: Session, statements: tuple[str, str], values: list[int]) -> list[tuple[Any, ...]]:
    """The rows of a lookup by ``values`` (integers), on the session's own connection, so it
    sees the load's uncommitted rows.  PostgreSQL takes them as one binary array (%b: psycopg's
    text form of a list is built element by element in Python), SQLite as one JSON list."""
    connection = session.connection().connection.driver_connection  # type: ignore[union-attr]
    if session.get_bind().dialect.name == "postgresql":
        return connection.cursor().execute(statements[0], [values]).fetchall()  # type: ignore[union-attr]
    return connection.execute(statements[1], (json.dumps(values),)).fetchall()  # type: ignore[union-attr]


def _published_reader(session: Session) -> Any:
    """How a raw ``article.published_at`` becomes a datetime on this engine (SQLite stores text)."""
    dialect = session.get_bind().dialect
    column_type = m.Article.__table__.c.published_at.type
    process = column_type.dialect_impl(dialect).result_processor(dialect, None)
    return process or (lambda value: value)


@dataclass(frozen=True)
class Incoming:
    """An article this batch writes."""

    article_id: int
    signature: bytes
    published_at: datetime | None
    previous_cluster: int | None  # its cluster before the batch; None for a new article
    recluster: bool  # new, or its signature or date changed: its links must be looked at again


@dataclass
class ClusterPlan:
    cluster_of: dict[int, int] = field(default_factory=dict)  # batch article → cluster id
    new_clusters: dict[int, int] = field(default_factory=dict)  # cluster id → size (rows to add)
    resized: dict[int, int] = field(default_factory=dict)  # kept cluster id → its new size
    merged: dict[int, int] = field(default_factory=dict)  # old cluster id → the one its members join
    reassigned: dict[int, int] = field(default_factory=dict)  # article outside the batch → cluster id
    dropped: set[int] = field(default_factory=set)  # cluster rows no longer used
    # articles outside the batch that became or stopped being their cluster's representative
    status_changed: set[int] = field(default_factory=set)
    # syndication_band rows to add: (article_id, band, key), integers written as they are
    bands: list[tuple[int, int, int]] = field(default_factory=list)
    compared: int = 0  # candidate pairs whose similarity was computed


@dataclass
class _Known:
    signature: bytes
    published_at: datetime | None
    cluster_id: int | None


def plan_clusters(session: Session, incoming: Sequence[Incoming]) -> ClusterPlan:
    plan = ClusterPlan()
    batch = {a.article_id: a for a in incoming}
    moving = [a for a in incoming if a.recluster]
    moving_ids = {a.article_id for a in moving}
    searching = [a for a in moving if any(a.signature)]  # an empty text joins nothing
    matrix = band_keys([a.signature for a in searching])

    # Bucket mates already stored (the batch's own old keys aside: they are replaced).
    stored: dict[int, list[int]] = defaultdict(list)
    for chunk in chunks(set(matrix.ravel().tolist()), _WIDE_CHUNK):
        found = _by_values(session, _BAND_MATES, chunk)
        for key, article_id in found:
            if article_id not in moving_ids:
                stored[key].append(article_id)
    # Most keys are in no stored bucket and no other article of the batch: such a key only
    # opens its own bucket, so its row is added at once and the walk below skips it.
    flat = matrix.ravel()
    _, first, counts = np.unique(flat, return_inverse=True, return_counts=True)
    lonely = counts[first] == 1
    if stored:
        lonely &= ~np.isin(flat, np.fromiter(stored, dtype=np.int64, count=len(stored)))
    ids = np.repeat(np.array([a.article_id for a in searching], dtype=np.int64), BANDS)
    shared = np.flatnonzero(~lonely)
    keep = np.ones(len(flat), dtype=bool)  # rows to add; a full bucket's are not
    candidates: dict[int, set[int]] = {a.article_id: set() for a in searching}
    # In the batch's order, so a bucket keeps its earliest members up to its cap.
    for row, article_id, key in zip(
        shared.tolist(), ids[shared].tolist(), flat[shared].tolist(), strict=True
    ):
        bucket = stored.get(key)
        if bucket is None:
            stored[key] = [article_id]
            continue
        candidates[article_id].update(bucket)
        if len(bucket) >= BUCKET_CAP:  # a full bucket takes no more members
            keep[row] = False
        else:
            bucket.append(article_id)
    bands = np.tile(np.arange(BANDS, dtype=np.int64), len(searching))
    plan.bands = list(zip(ids[keep].tolist(), bands[keep].tolist(), flat[keep].tolist(), strict=True))

    # Clusters whose member changed signature or date: re-examined from all their members.
    examined = {a.previous_cluster for a in moving if a.previous_cluster is not None}
    known: dict[int, _Known] = {}
    published = _published_reader(session)

    def remember(statements: tuple[str, str], values: set[int]) -> None:
        for chunk in chunks(values, _WIDE_CHUNK):
            for article_id, signature, published_at, cluster_id in _by_values(session, statements, chunk):
                known[article_id] = _Known(signature or b"", published(published_at), cluster_id)

    remember(_MEMBERS_OF, examined)
    remember(_ARTICLES, {c for mates in candidates.values() for c in mates} - set(batch) - set(known))
    for article in incoming:  # the batch's values are the new ones
        known[article.article_id] = _Known(article.signature, article.published_at, article.previous_cluster)

    examined_members = [i for i, k in known.items() if k.cluster_id in examined]
    part_of = clusters(ClusterMember(i, known[i].signature, known[i].published_at) for i in examined_members)

    def unit(article_id: int) -> tuple[str, int]:
        """The piece an article belongs to before new links: its cluster, a re-examined part, or itself."""
        if article_id in part_of:
            return ("part", part_of[article_id])
        cluster_id = known[article_id].cluster_id
        if article_id in moving_ids or cluster_id is None:
            return ("article", article_id)
        return ("cluster", cluster_id)

    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for article_id in [*batch, *examined_members]:
        find(unit(article_id))
    for article in searching:
        # A key whose article is gone (a row written by hand; deletes take keys along) is no mate.
        mates = sorted(c for c in candidates[article.article_id] if c in known)
        plan.compared += len(mates)
        scores = similarities(article.signature, [known[c].signature for c in mates])
        for mate, score in zip(mates, scores, strict=True):
            if score >= JOIN_SIMILARITY:
                ra, rb = find(unit(article.article_id)), find(unit(mate))
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)

    # Each piece's representative and size.
    part_size: dict[int, int] = defaultdict(int)
    for article_id in examined_members:
        part_size[part_of[article_id]] += 1
    existing = {piece[1] for piece in parent if piece[0] == "cluster"}
    cluster_info: dict[int, tuple[int, datetime | None]] = {}
    for chunk in chunks(existing):
        for cid, size, published in session.execute(
            select(m.SyndicationCluster.id, m.SyndicationCluster.size, m.Article.published_at)
            .outerjoin(m.Article, m.Article.id == m.SyndicationCluster.id)
            .where(among(session, m.SyndicationCluster.id, chunk))
        ):
            cluster_info[cid] = (size, published)

    def piece_facts(piece: tuple[str, int]) -> tuple[tuple[datetime, int], int]:
        kind, ident = piece
        if kind == "cluster":
            size, published = cluster_info[ident]
            return representative_key(published, ident), size
        size = part_size[ident] if kind == "part" else 1
        return representative_key(known[ident].published_at, ident), size

    groups: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
    for piece in list(parent):
        groups[find(piece)].append(piece)
    articles_of: dict[tuple[str, int], list[int]] = defaultdict(list)  # root → batch and re-examined articles
    for article_id in {*batch, *examined_members}:
        articles_of[find(unit(article_id))].append(article_id)
    for root, pieces in groups.items():
        if len(pieces) == 1 and pieces[0][0] == "cluster":
            continue  # an untouched cluster (a batch article re-written as it was)
        facts = {piece: piece_facts(piece) for piece in pieces}
        leader = min(pieces, key=lambda p: facts[p][0])
        cluster_id = facts[leader][0][1]
        if cluster_id in existing or cluster_id in examined:
            plan.resized[cluster_id] = sum(size for _, size in facts.values())
        else:
            plan.new_clusters[cluster_id] = sum(size for _, size in facts.values())
        for kind, ident in pieces:
            if kind == "cluster" and ident != cluster_id:
                plan.merged[ident] = cluster_id
                if ident not in batch:
                    plan.status_changed.add(ident)  # its amounts stop being counted
            elif kind == "article" and ident not in batch:  # an older article never clustered
                plan.reassigned[ident] = cluster_id
                plan.status_changed.add(ident)
        if cluster_id not in batch and leader != ("cluster", cluster_id):
            plan.status_changed.add(cluster_id)  # an older article becomes the representative
        for article_id in articles_of[root]:
            if article_id in batch:
                plan.cluster_of[article_id] = cluster_id
                continue
            was = known[article_id].cluster_id
            if was != cluster_id:
                plan.reassigned[article_id] = cluster_id
            if (was == article_id) != (cluster_id == article_id):
                plan.status_changed.add(article_id)
    for article in incoming:  # re-written as they were, in a cluster nothing changed
        if article.previous_cluster is not None:
            plan.cluster_of.setdefault(article.article_id, article.previous_cluster)
    plan.dropped = (set(plan.merged) | examined) - set(plan.resized) - set(plan.new_clusters)
    return plan
