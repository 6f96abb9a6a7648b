"""``GET /api/v1/inventory/diff``: one UTC day, newest row per key BEFORE filtering, paging."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.openapi.conftest import AUTH, DAY, Api, row, seed

H = 3600


def keys(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["dsco_warehouse_id"], r["dsco_warehouse_sku"]) for r in body["rows"]]


async def test_newest_row_per_key_is_taken_before_diff_only(api: Api) -> None:
    ids = await seed(
        api.vendors,
        row(DAY - 60, "WH-A", "S1", dsco=1, lx=9),  # the day before: another day
        row(DAY + 10 * H, "WH-A", "S1", dsco=5, lx=10),  # diff 5 …
        row(DAY + 11 * H, "WH-A", "S1", dsco=10, lx=10),  # … superseded by diff 0
        row(DAY + 10 * H, "WH-A", "S2", dsco=0, lx=3),  # diff 3, newest
        row(DAY + 9 * H, "WH-B", "S1", dsco=4, lx=4),  # diff 0 …
        row(DAY + 11 * H, "WH-B", "S1", dsco=6, lx=4),  # … superseded by diff -2
        row(DAY + 86400, "WH-A", "S2", dsco=0, lx=0),  # the next day
    )

    status, everything = await api.diff(date="2024-05-01")
    assert status == 200
    assert everything["total"] == 3
    assert keys(everything) == [("WH-A", "S1"), ("WH-A", "S2"), ("WH-B", "S1")]
    assert [r["id"] for r in everything["rows"]] == [ids[2], ids[3], ids[5]]
    assert [r["diff"] for r in everything["rows"]] == [0, 3, -2]

    status, diffs = await api.diff(date="2024-05-01", diff_only="true")
    assert status == 200
    # The old diff 5 of WH-A/S1 must not come back: its newest row says 0.
    assert keys(diffs) == [("WH-A", "S2"), ("WH-B", "S1")]
    assert diffs["total"] == 2
    first = diffs["rows"][0]
    assert first == {
        "id": ids[3],
        "sync_time": DAY + 10 * H,
        "dsco_warehouse_id": "WH-A",
        "dsco_warehouse_sku": "S2",
        "dsco_warehouse_num": 0,
        "lingxing_warehouse_id": "LWH-A",
        "lingxing_warehouse_sku": "LX-S2",
        "lingxing_warehouse_num": 3,
        "diff": 3,
        "status": 1,
        "reason": "compared",
    }
    assert (await api.diff(date="2024-05-01", diff_only="false"))[1]["total"] == 3


async def test_same_second_rows_newest_by_id(api: Api) -> None:
    ids = await seed(
        api.vendors,
        row(DAY + H, "WH-A", "S1", dsco=0, lx=2),
        row(DAY + H, "WH-A", "S1", dsco=2, lx=2),
    )
    _, body = await api.diff(date="2024-05-01", diff_only=1)
    assert body["rows"] == []
    _, body = await api.diff(date="2024-05-01")
    assert [r["id"] for r in body["rows"]] == [ids[1]]


async def test_default_date_is_the_utc_day_of_now(api: Api) -> None:
    await seed(
        api.vendors,
        row(DAY + 1, "WH-A", "TODAY", lx=1),
        row(DAY - 1, "WH-A", "YESTERDAY", lx=1),
    )
    _, today = await api.diff()
    assert (today["date"], keys(today)) == ("2024-05-01", [("WH-A", "TODAY")])
    _, yesterday = await api.diff(date="2024-04-30")
    assert keys(yesterday) == [("WH-A", "YESTERDAY")]
    _, empty = await api.diff(date="2024-05-02")
    assert (empty["total"], empty["rows"]) == (0, [])


async def test_each_filter(api: Api) -> None:
    await seed(
        api.vendors,
        row(DAY + H, "WH-A", "S1", lx_wid="101", lx_sku="L1", dsco=1, lx=1),
        row(DAY + H, "WH-A", "S2", lx_wid="101", lx_sku="L2", dsco=1, lx=2),
        row(DAY + H, "WH-B", "S1", lx_wid="102", lx_sku="L1", dsco=3, lx=1),
        row(DAY + H, "WH-B", "S3", lx_wid="102", lx_sku="L3", dsco=0, lx=0),
        # WH-C/S4 was L4 in the morning, L4-NEW in its newest row.
        row(DAY + H, "WH-C", "S4", lx_wid="103", lx_sku="L4", dsco=0, lx=5),
        row(DAY + 2 * H, "WH-C", "S4", lx_wid="103", lx_sku="L4-NEW", dsco=5, lx=5),
    )
    cases: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
        ({"dsco_wid": "WH-A"}, [("WH-A", "S1"), ("WH-A", "S2")]),
        ({"dsco_sku": "S1"}, [("WH-A", "S1"), ("WH-B", "S1")]),
        ({"lingxing_wid": "102"}, [("WH-B", "S1"), ("WH-B", "S3")]),
        ({"lingxing_sku": "L1"}, [("WH-A", "S1"), ("WH-B", "S1")]),
        ({"lingxing_sku": "L4"}, []),  # only an older row had it
        ({"lingxing_sku": "L4-NEW"}, [("WH-C", "S4")]),
        ({"dsco_wid": "WH-B", "diff_only": "true"}, [("WH-B", "S1")]),
        ({"dsco_sku": "S1", "lingxing_wid": "101"}, [("WH-A", "S1")]),
        ({"diff_only": "true"}, [("WH-A", "S2"), ("WH-B", "S1")]),
        ({"dsco_wid": "WH-Z"}, []),
    ]
    for params, expected in cases:
        status, body = await api.diff(date="2024-05-01", **params)
        assert status == 200, params
        assert (keys(body), body["total"]) == (expected, len(expected)), params


async def test_paging_with_total(api: Api) -> None:
    await seed(
        api.vendors,
        *(row(DAY + H, f"WH-{i % 2}", f"S{i:02d}", dsco=0, lx=i) for i in range(25)),
    )
    everything = sorted((f"WH-{i % 2}", f"S{i:02d}") for i in range(25))
    pages = []
    for offset in (0, 10, 20):
        status, body = await api.diff(date="2024-05-01", offset=offset, limit=10)
        assert status == 200
        assert (body["total"], body["offset"], body["limit"]) == (25, offset, 10)
        pages.append(keys(body))
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [k for page in pages for k in page] == everything
    _, beyond = await api.diff(date="2024-05-01", offset=30, limit=10)
    assert (beyond["total"], beyond["rows"]) == (25, [])
    _, filtered = await api.diff(date="2024-05-01", diff_only="true", offset=20, limit=1000)
    assert filtered["total"] == 24  # i = 0 has no diff
    assert keys(filtered) == [k for k in everything if k != ("WH-0", "S00")][20:]
    _, default = await api.diff(date="2024-05-01")
    assert (default["offset"], default["limit"], len(default["rows"])) == (0, 100, 25)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"date": "2024-13-01"}, "date"),
        ({"date": "2024-02-30"}, "date"),
        ({"date": "20240501"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"date": ""}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({"date": "0001-01-01"}, "date"),
        ({"offset": "99999999999999999999"}, "offset"),
        ({"dsco_sku": "S\x00"}, "dsco_sku"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "1.5"}, "offset"),
        ({"diff_only": "maybe"}, "diff_only"),
        ({"dsco_wid": ""}, "dsco_wid"),
        ({"lingxing_sku": " "}, "lingxing_sku"),
        ({"sku": "S1"}, "sku"),
    ],
)
async def test_bad_parameters_are_400_naming_them(
    api: Api, params: dict[str, str], name: str
) -> None:
    status, body = await api.diff(**params)
    assert status == 400
    assert body["error"]["code"] == "invalid_parameter"
    assert body["error"]["message"].startswith(f"{name}:")


async def test_repeated_parameter_is_400(api: Api) -> None:
    resp = await api.client.get(
        "/api/v1/inventory/diff?dsco_wid=A&dsco_wid=B",
        headers=AUTH,
    )
    assert resp.status == 400
    assert (await resp.json())["error"]["message"].startswith("dsco_wid:")
