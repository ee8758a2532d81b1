"""The raw greenery tables: columns and DuckDB types, shared by the generator and the loader."""

from __future__ import annotations

RAW_SCHEMA = "raw"

# Column order is the CSV header order; the loader reads each file with exactly these types,
# so a shifted or garbled file fails loudly instead of loading as strings.
TABLES: dict[str, dict[str, str]] = {
    "addresses": {
        "address_id": "VARCHAR",
        "address": "VARCHAR",
        "zipcode": "INTEGER",
        "state": "VARCHAR",
        "country": "VARCHAR",
    },
    "users": {
        "user_id": "VARCHAR",
        "first_name": "VARCHAR",
        "last_name": "VARCHAR",
        "email": "VARCHAR",
        "phone_number": "VARCHAR",
        "created_at": "TIMESTAMP",
        "updated_at": "TIMESTAMP",
        "address_id": "VARCHAR",
    },
    "promos": {
        "promo_id": "VARCHAR",
        "discount": "INTEGER",
        "status": "VARCHAR",
    },
    "products": {
        "product_id": "VARCHAR",
        "name": "VARCHAR",
        "price": "DECIMAL(10,2)",
        "inventory": "INTEGER",
    },
    "orders": {
        "order_id": "VARCHAR",
        "user_id": "VARCHAR",
        "promo_id": "VARCHAR",
        "address_id": "VARCHAR",
        "created_at": "TIMESTAMP",
        "order_cost": "DECIMAL(10,2)",
        "shipping_cost": "DECIMAL(10,2)",
        "order_total": "DECIMAL(10,2)",
        "tracking_id": "VARCHAR",
        "shipping_service": "VARCHAR",
        "estimated_delivery_at": "TIMESTAMP",
        "delivered_at": "TIMESTAMP",
        "status": "VARCHAR",
    },
    "order_items": {
        "order_id": "VARCHAR",
        "product_id": "VARCHAR",
        "quantity": "INTEGER",
    },
    "events": {
        "event_id": "VARCHAR",
        "session_id": "VARCHAR",
        "user_id": "VARCHAR",
        "page_url": "VARCHAR",
        "created_at": "TIMESTAMP",
        "event_type": "VARCHAR",
        "order_id": "VARCHAR",
        "product_id": "VARCHAR",
    },
}


def csv_name(table: str) -> str:
    """The data file of a raw table."""
    return f"{table}.csv"
