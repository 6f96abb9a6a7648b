"""pull_sku_pair against the Lingxing sandbox and the real runtime-config table."""

from __future__ import annotations

import json

from db import runtime_config
from tests.integration.stock.conftest import Stock

SHOPS = {"retailer-1": "501", "retailer-2": "502"}
OLD = {"D-1": "L-1", "D-2": "L-2", "D-3": "L-3", "D-4": "L-4"}


async def _setup(stock: Stock, pairs: list[tuple[str, str, str]], max_shrink: float = 0.5) -> int:
    lx = stock.vendors.lingxing
    for store in ("501", "502", "999"):
        lx.add_store(store, platform_code=10008)
    for store, msku, sku in pairs:
        lx.add_pair(store, msku, sku)
    await stock.vendors.configure(
        jobs={"pull_sku_pair": {"size": 20, "max_shrink_fraction": max_shrink}},
        mapping={"shop": SHOPS, "sku": OLD},
    )
    return stock.vendors.config.snapshot.version


async def _stored_sku(stock: Stock) -> tuple[dict[str, str], int]:
    row = await runtime_config.load(stock.vendors.pool, "dsco_lingxing")
    assert row is not None
    return row.config["mapping"]["sku"], row.version


async def test_good_list_is_saved_with_audit_files(stock: Stock) -> None:
    pairs = [("501", "D-1", "L-1"), ("501", "D-2", "L-2X"), ("502", "D-3", "L-3")]
    pairs += [("502", f"NEW-{i:02d}", f"LN-{i:02d}") for i in range(45)]  # several pages
    pairs += [("502", "D-1", "L-1"), ("999", "OTHER", "L-OTHER")]  # same pair twice; other store
    version = await _setup(stock, pairs)

    result = await stock.run("pull_sku_pair")

    assert result.status == "ok", result.error
    sku, new_version = await _stored_sku(stock)
    assert new_version == version + 1
    assert sku["D-2"] == "L-2X"
    assert sku["NEW-44"] == "LN-44"
    assert "D-4" not in sku
    assert len(sku) == 3 + 45
    assert "OTHER" not in sku
    assert result.report is not None
    assert result.report["saved"] is True
    folder = stock.export_dir / "sku-mapping-pull"
    files = sorted(p.name for p in folder.rglob("*") if p.is_file())
    assert len(files) == 3
    assert not any(f.endswith(".part") for f in files)
    changes = json.loads(next(folder.rglob("*-diff.json")).read_text())
    assert changes["removed"] == {"D-4": "L-4"}
    assert changes["changed"] == {"D-2": {"old": "L-2", "new": "L-2X"}}
    assert len(changes["added"]) == 45
    assert changes["from_version"] == version
    assert json.loads(next(folder.rglob("*-old.json")).read_text())["sku"] == OLD


async def test_conflicts_change_nothing(stock: Stock) -> None:
    for pairs in (
        [("501", "D-1", "L-1"), ("502", "D-1", "L-9")],  # one MSKU → two SKUs across stores
        [("501", "D-1", "L-1"), ("501", "D-2", "L-1")],  # one SKU ← two MSKUs
    ):
        stock.vendors.lingxing.pairs.clear()
        version = await _setup(stock, [*pairs, ("501", "D-3", "L-3"), ("502", "D-4", "L-4")])

        result = await stock.run("pull_sku_pair")

        assert result.status == "ok", result.error
        assert result.report is not None
        assert result.report["reason"] == "conflict"
        assert result.report["conflicts"] >= 1
        assert await _stored_sku(stock) == (OLD, version)
    assert not (stock.export_dir / "sku-mapping-pull").exists()


async def test_shrinking_list_changes_nothing(stock: Stock) -> None:
    version = await _setup(stock, [("501", "D-1", "L-1")], max_shrink=0.5)  # drops 3 of 4

    result = await stock.run("pull_sku_pair")

    assert result.status == "ok", result.error
    assert result.report is not None
    assert result.report["reason"] == "shrink_limit"
    assert await _stored_sku(stock) == (OLD, version)


async def test_concurrent_edit_wins(stock: Stock) -> None:
    await _setup(stock, [("501", k, v) for k, v in OLD.items()] + [("501", "D-5", "L-5")])
    runner = stock.runner()
    # Someone saves after the runner took its snapshot: bump the stored version behind it.
    row = await runtime_config.load(stock.vendors.pool, "dsco_lingxing")
    assert row is not None
    await runtime_config.save(stock.vendors.pool, "dsco_lingxing", row.config, 1)

    result = await runner.run("pull_sku_pair", trigger="manual")

    assert result.status == "failed"
    assert "changed after this run started" in (result.error or "")
    assert (await _stored_sku(stock))[0] == OLD
