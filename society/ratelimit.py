"""Per-client limits for the public forms, counted in the cache, without keeping addresses."""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

from .login_throttle import client_ip

logger = logging.getLogger(__name__)


def client_hash(request) -> str:
    """Who is posting, without keeping their address: sha256 of the secret key and the IP
    (the client's, also behind trusted proxies: the one address the login throttle uses)."""
    address = client_ip(request)
    return hashlib.sha256(f"{settings.SECRET_KEY}{address}".encode()).hexdigest()


def rate_exceeded(scope: str, client: str, *, limit: int, window: int) -> bool:
    """Count this attempt; True once the client has made more than `limit` within `window`
    seconds. Every attempt counts, whatever it holds.

    When the cache cannot be reached (Redis down) the attempt is let through and logged: the
    forms behind this limit are how the public objects and signs up, so an outage of the
    cache should not shut them."""
    key = f"{scope}:{client}"
    try:
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # the window ended between add and incr
            cache.set(key, 1, window)
            count = 1
    except Exception:  # any cache backend's connection error
        logger.exception("rate limit %s not counted: the cache is unreachable", scope)
        return False
    return count > limit
