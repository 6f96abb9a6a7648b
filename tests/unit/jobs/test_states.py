from __future__ import annotations

import pytest

from jobs.states import (
    OPEN,
    TRANSITIONS,
    DscoStatus,
    OrderStatus,
    initial_status,
    refreshed_status,
    status_of,
)

S = OrderStatus


@pytest.mark.parametrize(
    ("dsco", "expected"),
    [
        ("created", S.PULLED),
        ("shipment_pending", S.PULLED),  # acknowledged, but it still has to reach Lingxing
        ("shipped", S.DONE),
        ("completed", S.DONE),
        ("cancelled", S.CANCELLED),
        ("", S.PULLED),
        ("SHIPPED", S.PULLED),  # statuses are exact: anything unknown starts at the beginning
        ("weird", S.PULLED),
    ],
)
def test_initial_status(dsco: str, expected: OrderStatus) -> None:
    assert initial_status(dsco) == expected


def test_refresh_only_cancels_open_orders_or_completes_unpushed_ones() -> None:
    for current in OrderStatus:
        for dsco in [*DscoStatus, "weird"]:
            moved = refreshed_status(current, dsco)
            if moved != current:
                assert (current, moved) in TRANSITIONS, (current, dsco)
    assert refreshed_status(S.SHIPPED, "cancelled") == S.CANCELLED
    assert refreshed_status(S.DONE, "cancelled") == S.DONE  # invoiced: a human decides
    assert refreshed_status(S.PULLED, "completed") == S.DONE
    assert refreshed_status(S.PUSHED, "shipped") == S.PUSHED  # in Lingxing: the pipeline goes on


def test_every_move_goes_forward_or_to_cancelled() -> None:
    for before, after in TRANSITIONS:
        assert after > before
        assert after == S.CANCELLED or before not in {S.DONE, S.CANCELLED}
    assert {before for before, after in TRANSITIONS if after == S.CANCELLED} == OPEN


def test_unknown_dsco_statuses_read_as_created() -> None:
    assert status_of("shipment_pending") is DscoStatus.SHIPMENT_PENDING
    assert status_of("nonsense") is DscoStatus.CREATED
