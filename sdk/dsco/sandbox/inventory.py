"""Inventory: the catalog of items that "exist" and their per-warehouse quantities (§5.4)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from .clock import format_ts
from .messages import ITEM_NOT_FOUND, UNKNOWN_WAREHOUSE, Message, message
from .switches import SandboxSwitches

ITEM_KEYS = ("dscoItemId", "sku", "partnerSku", "upc", "ean", "mpn", "isbn", "gtin")
_NOT_MERGED = ("warehouses", "quantityAvailable", "sku")


class InventoryBook:
    """Items by ``sku``; each served as an ``ItemInventory`` JSON object."""

    def __init__(self, supplier_id: str) -> None:
        self._supplier_id = supplier_id
        self._items: dict[str, dict[str, Any]] = {}

    def __contains__(self, sku: object) -> bool:
        return sku in self._items

    def items(self) -> list[dict[str, Any]]:
        return list(self._items.values())

    def register(self, sku: str, fields: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Make ``sku`` exist in the catalog (no stock) unless it already does."""
        if sku not in self._items:
            item = {"sku": sku, "status": "out-of-stock", "quantityAvailable": 0, "warehouses": []}
            item.update({k: v for k, v in fields.items() if v is not None and k not in _NOT_MERGED})
            item["dscoSupplierId"] = self._supplier_id
            item["dscoCreateDate"] = item["dscoLastUpdateDate"] = format_ts(now)
            self._items[sku] = item
        return self._items[sku]

    def add_partner_sku(self, sku: str, partner_sku: str, retailer_id: str | None) -> None:
        mapping = self._items[sku].setdefault("partnerSkuMap", [])
        entry = {"partnerSku": partner_sku, "dscoRetailerId": retailer_id}
        if entry not in mapping:
            mapping.append(entry)

    def update(self, element: dict[str, Any], now: datetime) -> None:
        """Apply one accepted ``ItemInventory``: upsert the named warehouses, re-sum the total."""
        item = self.register(element["sku"], {}, now)
        item.update({k: copy.deepcopy(v) for k, v in element.items() if k not in _NOT_MERGED})
        stored = {w["code"]: w for w in item["warehouses"]}
        for wh in element["warehouses"]:
            stored[wh["code"]] = {**stored.get(wh["code"], {}), **copy.deepcopy(wh)}
        if element.get("quantityAvailable") is not None and len(element["warehouses"]) == 1:
            # A single-warehouse payload without a warehouse quantity carries it at the top.
            only = stored[element["warehouses"][0]["code"]]
            if only.get("quantity") is None:
                only["quantity"] = element["quantityAvailable"]
        item["warehouses"] = list(stored.values())
        item["quantityAvailable"] = sum(w.get("quantity") or 0 for w in item["warehouses"])
        item["dscoLastQuantityUpdateDate"] = item["dscoLastUpdateDate"] = format_ts(now)

    def lookup(self, item_key: str, value: str, retailer_id: str | None) -> list[dict[str, Any]]:
        """Items matching ``item_key == value`` (partnerSku also through ``partnerSkuMap``)."""
        if item_key == "sku":
            found = self._items.get(value)
            return [found] if found else []
        return [i for i in self._items.values() if _matches(i, item_key, value, retailer_id)]


def _matches(item: dict[str, Any], key: str, value: str, retailer_id: str | None) -> bool:
    if key != "partnerSku":
        return item.get(key) is not None and str(item[key]) == value
    if item.get("partnerSku") == value:
        return True
    return any(
        m.get("partnerSku") == value
        and (retailer_id is None or m.get("dscoRetailerId") == retailer_id)
        for m in item.get("partnerSkuMap") or []
    )


def apply_inventory(
    book: InventoryBook,
    element: dict[str, Any],
    sw: SandboxSwitches,
    warehouses: set[str],
    now: datetime,
) -> list[Message]:
    if sw.check_warehouses:
        unknown = sorted({w["code"] for w in element["warehouses"]} - warehouses)
        if unknown:
            return [message(UNKNOWN_WAREHOUSE, f"unknown warehouse code(s): {', '.join(unknown)}")]
    if element["sku"] not in book and not sw.auto_create_items:
        return [message(ITEM_NOT_FOUND, f"item {element['sku']} does not exist in the catalog")]
    book.update(element, now)
    return []
