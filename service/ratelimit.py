"""Per-key rate limit: a sliding one-minute window kept in memory.

The window is per worker process (not shared): with N workers a key can make up to N × the limit per minute in
the worst case. That is the documented trade-off for not needing Redis; set the limit accordingly.
"""
from __future__ import annotations

import math
import threading
import time
from collections import deque

from service.errors import ApiError

WINDOW_SECONDS = 60.0


class RateLimiter:
    def __init__(self, per_minute: int, window: float = WINDOW_SECONDS):
        self.per_minute = per_minute
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one request for `key`; raise 429 with Retry-After when over the limit."""
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.per_minute:
                retry = max(1, math.ceil(hits[0] + self.window - now))
                raise ApiError(429, "rate_limited", f"More than {self.per_minute} requests per minute; retry in "
                               f"{retry} s.", headers={"Retry-After": str(retry)})
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle keys so memory stays bounded
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                    del self._hits[k]
