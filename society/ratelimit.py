"""Per-client limits for the public forms, counted in the cache, without keeping addresses."""

import hashlib

from django.conf import settings
from django.core.cache import cache


def client_hash(request) -> str:
    """Who is posting, without keeping their address: sha256 of the secret key and the IP."""
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(f"{settings.SECRET_KEY}{address}".encode()).hexdigest()


def rate_exceeded(scope: str, client: str, *, limit: int, window: int) -> bool:
    """Count this attempt; True once the client has made more than `limit` within `window`
    seconds. Every attempt counts, whatever it holds."""
    key = f"{scope}:{client}"
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > limit
