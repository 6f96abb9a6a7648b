"""Login throttling that slows guessing down without ever locking the owner out for long.

A lock-out ("5 failures → refused for 5 minutes") hands the lock to whoever guesses: behind a
reverse proxy every user shares one address, so anyone could keep the operator out at will.
Instead each failed login only makes the *next* attempt wait a little, doubling per failure:

- per client key: ``base · 2^(n-1)`` seconds after the n-th failure, at most ``max_delay``;
- for everyone together: once more than ``global_free`` failures happened recently, every
  unknown browser waits ``global_base · 2^k``, at most ``global_max_delay``;
- a browser that logged in before carries a signed *device* cookie: its attempts are paced by
  its own failures only, so nobody else's guesses can slow its owner down at all.

Failures are forgotten after ``forget_after`` quiet seconds, and at most ``max_keys`` keys are
remembered (least recently failed dropped first), so memory is bounded whatever the traffic.
Nothing is stored before a password was actually checked.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Clock = Callable[[], float]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
GLOBAL = "*"


@dataclass
class _Failures:
    count: int
    last: float
    until: float  # no attempt of this key is checked before this instant


@dataclass(frozen=True)
class ThrottlePolicy:
    base_delay: float = 0.5
    max_delay: float = 5.0
    global_free: int = 20
    global_base: float = 0.25
    global_max_delay: float = 2.0
    forget_after: float = 900.0
    max_keys: int = 10_000


class LoginThrottle:
    """Seconds to wait before the next login attempt of a client may be checked."""

    def __init__(self, policy: ThrottlePolicy | None = None, clock: Clock = time.monotonic) -> None:
        self.policy = policy or ThrottlePolicy()
        self._clock = clock
        self._keys: OrderedDict[str, _Failures] = OrderedDict()

    def wait(self, key: str, *, known_device: bool = False) -> float:
        """0 when an attempt from ``key`` may be checked now, else the seconds left."""
        now = self._clock()
        waits = [self._left(key, now)]
        if not known_device:
            waits.append(self._left(GLOBAL, now))
        return max(waits)

    def failed(self, key: str, *, known_device: bool = False) -> None:
        p = self.policy
        self._fail(key, lambda n: p.base_delay * 2 ** (n - 1), p.max_delay)
        if not known_device:
            free = p.global_free
            self._fail(GLOBAL, lambda n: p.global_base * 2 ** (n - free - 1), p.global_max_delay)

    def succeeded(self, key: str) -> None:
        self._keys.pop(key, None)

    def __len__(self) -> int:
        return len(self._keys)

    def _left(self, key: str, now: float) -> float:
        entry = self._keys.get(key)
        if entry is None:
            return 0.0
        if now - entry.last > self.policy.forget_after:
            del self._keys[key]
            return 0.0
        return max(0.0, entry.until - now)

    def _fail(self, key: str, delay: Callable[[int], float], most: float) -> None:
        now = self._clock()
        entry = self._keys.pop(key, None)
        if entry is None or now - entry.last > self.policy.forget_after:
            entry = _Failures(0, now, now)
        entry.count += 1
        entry.last = now
        free = self.policy.global_free if key == GLOBAL else 0
        pause = 0.0 if entry.count <= free else min(most, delay(entry.count))
        entry.until = now + pause
        self._keys[key] = entry  # most recently failed last
        while len(self._keys) > self.policy.max_keys:
            self._keys.popitem(last=False)


class DeviceTokens:
    """Signed tokens that mark a browser which logged in before (no server-side storage).

    ``v1.<id>.<expires>.<mac>`` with an HMAC key made at start: a restart forgets every
    device, which only means the next login is paced like a stranger's.
    """

    def __init__(self, ttl: float, clock: Clock = time.time) -> None:
        self.ttl = ttl
        self._clock = clock
        self._key = secrets.token_bytes(32)

    def issue(self) -> str:
        body = f"v1.{secrets.token_urlsafe(16)}.{int(self._clock() + self.ttl)}"
        return f"{body}.{self._mac(body)}"

    def device_id(self, token: str) -> str | None:
        """The device's id when ``token`` is genuine and unexpired, else None."""
        body, _, mac = token.rpartition(".")
        parts = body.split(".")
        if len(parts) != 3 or parts[0] != "v1" or not parts[2].isdigit():
            return None
        if not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            return None
        return parts[1] if int(parts[2]) > self._clock() else None

    def _mac(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]


def client_address(peer: str | None, forwarded_for: str, trusted: Sequence[Network]) -> str:
    """The client's address: the peer, or — when the peer is a trusted proxy — the nearest
    address in ``X-Forwarded-For`` that is not a trusted proxy itself.

    IPv6 clients are keyed by their /64 (one host usually owns the whole prefix).
    """
    address = _ip(peer)
    if address is None:
        return "unknown"
    if _trusted(address, trusted):
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            candidate = _ip(hop)
            if candidate is None:
                break
            address = candidate
            if not _trusted(candidate, trusted):
                break
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: Sequence[Network]
) -> bool:
    return any(address.version == net.version and address in net for net in nets)
