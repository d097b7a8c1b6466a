"""In-process limit on failed logins, per account and client address (sliding window).

A single-process app (the default: one uvicorn worker) sees every attempt; behind several workers
each keeps its own count, which still bounds guessing to workers × limit per window.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoginRateLimiter:
    """Refuses further attempts once ``max_failures`` failed within ``window_seconds``.

    Two keys are checked: (account, address), and the address alone with a larger budget, so
    trying many accounts from one address is slowed down too.
    """

    max_failures: int = 5
    max_failures_per_address: int = 30
    window_seconds: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        horizon = self.clock() - self.window_seconds
        queue = self._failures.setdefault(key, deque())
        while queue and queue[0] <= horizon:
            queue.popleft()
        return queue

    def retry_after(self, account: str, address: str) -> float:
        """Seconds until another attempt is allowed; 0 when one is allowed now."""
        with self._lock:
            waits = []
            for key, limit in (
                ((account, address), self.max_failures),
                (("", address), self.max_failures_per_address),
            ):
                queue = self._recent(key)
                if len(queue) >= limit:
                    waits.append(queue[0] + self.window_seconds - self.clock())
            return max(waits, default=0.0)

    def failed(self, account: str, address: str) -> None:
        """Record a failed attempt."""
        with self._lock:
            moment = self.clock()
            self._recent((account, address)).append(moment)
            self._recent(("", address)).append(moment)

    def succeeded(self, account: str, address: str) -> None:
        """A successful login clears the account's count from that address."""
        with self._lock:
            self._failures.pop((account, address), None)
