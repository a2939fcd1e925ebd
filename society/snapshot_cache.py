"""A cache keyed on the database's state, so never stale: a result computed from the data is
reused until any transaction that may have changed data commits.

The key holds PostgreSQL's current snapshot (the transactions committed and still running):
two statements that see the same snapshot see the same data. Used by the leadership
dashboard and the secretariat's ranking and award pool pages.
"""

import hashlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

CACHE_SECONDS = 600

T = TypeVar("T")


def data_version() -> str | None:
    """Text that changes whenever a transaction that may have changed data commits: the
    PostgreSQL snapshot. None (do not cache) on other databases, and inside a transaction
    that has itself written (its own uncommitted writes do not change the snapshot)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        if connection.pg_version < 130000:  # the functions below came with PostgreSQL 13
            return None
        cursor.execute(
            "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NULL"
        )
        snapshot, clean = cursor.fetchone()
    return snapshot if clean else None


def cached(name: str, compute: Callable[[], T], *parts: Any) -> T:
    """compute(), reused while the data it reads is unchanged. `name` and `parts` tell
    apart what is computed (e.g. the call's id); the key also holds the data version,
    today's date (results that depend on the day) and the language (labels are translated
    when computed). Nothing is cached without a data version; a cache that fails only
    costs the computation. compute() must not return None (None means "not cached")."""
    version = data_version()
    if version is None:
        return compute()
    raw = repr((name, parts, get_language(), timezone.localdate().isoformat(), version))
    key = "snapshot:" + hashlib.sha256(raw.encode()).hexdigest()
    try:
        value = cache.get(key)
    except Exception:
        logger.warning("数据快照缓存不可用，直接计算", exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, CACHE_SECONDS)
        except Exception:
            logger.warning("数据快照缓存不可用，结果未缓存", exc_info=True)
    return value
