"""Login pacing (daemon/admin/throttle.py): slows guessing, never keeps the owner out for long,
bounded memory; and which address a request comes from behind trusted proxies."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pytest

from daemon.admin.throttle import (
    DeviceTokens,
    LoginThrottle,
    ThrottlePolicy,
    client_address,
)


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def test_each_failure_doubles_the_wait_up_to_the_cap() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    waits = []
    for _ in range(8):
        throttle.failed("address:10.0.0.1")
        waits.append(throttle.wait("address:10.0.0.1"))
    assert waits == [0.5, 1, 2, 4, 5, 5, 5, 5]
    assert throttle.wait("address:10.0.0.2") == 0  # another address is not slowed
    throttle.succeeded("address:10.0.0.1")
    assert throttle.wait("address:10.0.0.1") == 0


def test_a_thousand_wrong_passwords_from_many_addresses() -> None:
    """The attack is paced, the owner's browser is never slowed, a stranger waits seconds at
    most, and memory stays bounded."""
    clock = Clock()
    policy = ThrottlePolicy(max_keys=100)
    throttle = LoginThrottle(policy, clock=clock)
    owner = "device:owner"
    checked = refused = 0
    worst_stranger_wait = 0.0
    for i in range(1000):
        key = f"address:10.{i % 250}.{i // 250}.7"
        if throttle.wait(key) > 0:
            refused += 1
        else:
            checked += 1
            throttle.failed(key)
        assert throttle.wait(owner, known_device=True) == 0
        worst_stranger_wait = max(worst_stranger_wait, throttle.wait("address:192.0.2.1"))
        assert len(throttle) <= policy.max_keys + 1  # + the global entry
        clock.now += 0.05  # 20 guesses a second
    assert worst_stranger_wait <= policy.global_max_delay
    assert refused > 0  # pacing bit: not every guess was checked
    assert checked <= 100 + 50 / policy.global_base  # far below 1000
    clock.now += policy.global_max_delay
    assert throttle.wait("address:192.0.2.1") == 0


def test_failures_are_forgotten_after_a_quiet_while() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(6):
        throttle.failed("address:10.0.0.1")
    clock.now += ThrottlePolicy().forget_after + 1
    assert throttle.wait("address:10.0.0.1") == 0
    assert len(throttle) == 0  # asking did not add anything, and the stale key went
    throttle.failed("address:10.0.0.1")
    assert throttle.wait("address:10.0.0.1") == 0.5  # counting starts afresh


def test_device_tokens_are_signed_and_expire() -> None:
    clock = Clock()
    tokens = DeviceTokens(ttl=100, clock=clock)
    token = tokens.issue()
    device = tokens.device_id(token)
    assert device is not None
    assert device in token
    assert tokens.device_id(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert tokens.device_id("v1.x.99999999999.abc") is None
    assert DeviceTokens(ttl=100, clock=clock).device_id(token) is None  # another key
    clock.now += 101
    assert tokens.device_id(token) is None


NETS = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not a trusted proxy: header ignored
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.3", "198.51.100.1"),  # spoofed left end
        ("10.0.0.2", "", "10.0.0.2"),
        ("10.0.0.2", "10.0.0.9", "10.0.0.9"),
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),
        ("2001:db8::1", "", "2001:db8::/64"),
        (None, "", "unknown"),
    ],
)
def test_client_address(peer: str | None, forwarded: str, expected: str) -> None:
    assert client_address(peer, forwarded, NETS) == expected
