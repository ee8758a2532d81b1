"""Generate the raw greenery tables as CSV files, deterministically from a seed.

The funnel is not written down anywhere: it comes out of simulating sessions. Each session views
a few products; each viewed product goes into the cart with some probability; a session with a
cart checks out with some probability (that is an order); orders ship and get delivered some time
later, and their status is what had happened by the time the extract was taken.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from greenery_common import DEFAULT_DATA_DIR, GreeneryError, run_main
from greenery_raw import TABLES, csv_name

# Any seed lands near the course funnel (within about 3 points); this one also lands on its
# volumes (361 orders, ~3,500 events), so the demo reads like the course data.
DEFAULT_SEED = 2026
N_USERS = 130
N_SESSIONS = 578
START = datetime(2021, 2, 8)
SESSION_DAYS = 10
# When the extract was taken: orders placed shortly before it are still preparing or in transit.
CUTOFF = START + timedelta(days=SESSION_DAYS + 3)

# Calibration. Views per session are uniform on 1..6; each view becomes an add to cart with
# P_ADD_TO_CART, so a session adds something with probability 1 - mean((1 - p)^k) ~ 81%;
# P_CHECKOUT of those sessions check out: 0.81 * 0.77 ~ 62.5% of all sessions.
VIEWS_PER_SESSION = (1, 6)
P_ADD_TO_CART = 0.46
P_CHECKOUT = 0.77
P_PROMO = 0.12
P_OTHER_ADDRESS = 0.06
SHIP_HOURS = (12, 120)
DELIVERY_HOURS = (24, 120)

PRODUCT_NAMES = (
    "Pothos", "Bamboo", "Philodendron", "Monstera", "String of pearls", "ZZ Plant",
    "Snake Plant", "Orchid", "Birds Nest Fern", "Calathea Makoyana", "Peace Lily",
    "Bird of Paradise", "Fiddle Leaf Fig", "Ficus", "Pilea Peperomioides",
    "Angel Wings Begonia", "Jade Plant", "Arrow Head", "Majesty Palm", "Spider Plant",
    "Money Tree", "Cactus", "Devil's Ivy", "Alocasia Polly", "Pink Anthurium", "Dragon Tree",
    "Aloe Vera", "Rubber Plant", "Ponytail Palm", "Boston Fern",
)  # fmt: skip
FIRST_NAMES = (
    "Anique", "Jon", "Maria", "Wei", "Fatima", "Liam", "Olivia", "Noah", "Emma", "Mateo",
    "Aisha", "Lucas", "Mia", "Ethan", "Sofia", "Kenji", "Priya", "Omar", "Chloe", "Diego",
    "Hana", "Samuel", "Zoe", "Ivan", "Grace", "Tariq", "Lena", "Felix", "Nora", "Ravi",
)  # fmt: skip
LAST_NAMES = (
    "Jones", "Smith", "Garcia", "Chen", "Khan", "Murphy", "Rossi", "Novak", "Silva", "Kim",
    "Okafor", "Müller", "Dubois", "Tanaka", "Patel", "Haddad", "Larsen", "Nguyen", "Cohen",
    "Walsh", "Moreau", "Ivanova", "Reyes", "Berg", "Adeyemi",
)  # fmt: skip
STREETS = ("Oak", "Maple", "Cedar", "Willow", "Fern", "Ivy", "Laurel", "Birch", "Aspen", "Elm")
STREET_KINDS = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Place")
STATES = ("California", "New York", "Texas", "Oregon", "Colorado", "Florida", "Illinois",
          "Washington", "Georgia", "Ohio", "Virginia", "Arizona")  # fmt: skip
PROMO_NAMES = ("spring-bloom", "green-thumb", "leaf-it-to-us", "root-for-you", "plant-parent",
               "fresh-start", "sunny-sill", "grow-together", "new-leaf")  # fmt: skip
SHIPPING_SERVICES = ("ups", "usps", "fedex", "dhl")
PRODUCT_URL = "https://greenary.com/product/{product_id}"

# A row of a raw table, keyed by column (values of mixed types, as in a CSV line).
Row = dict[str, Any]


@dataclass
class World:
    """Everything generated so far; rows are appended table by table."""

    rng: random.Random
    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in TABLES})
    active_promos: list[Row] = field(default_factory=list)
    home_address: dict[str, str] = field(default_factory=dict)  # user_id -> address_id

    def new_id(self) -> str:
        """A uuid4 drawn from the seeded generator, so ids are the same on every run."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add(self, table: str, row: Row) -> Row:
        self.rows[table].append(row)
        return row


@dataclass(frozen=True)
class Session:
    session_id: str
    user_id: str
    started_at: datetime


def make_address(world: World) -> Row:
    rng = world.rng
    street = f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"
    return world.add(
        "addresses",
        {
            "address_id": world.new_id(),
            "address": street,
            "zipcode": rng.randint(10000, 99999),
            "state": rng.choice(STATES),
            "country": "United States",
        },
    )


def make_user(world: World, number: int) -> Row:
    rng = world.rng
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    created = START - timedelta(days=rng.uniform(1, 365))
    updated = created + timedelta(days=rng.uniform(0, 30)) if rng.random() < 0.3 else created
    return world.add(
        "users",
        {
            "user_id": world.new_id(),
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}{number}@example.com".lower(),
            "phone_number": f"{rng.randint(201, 989)}-{rng.randint(200, 999)}-"
            f"{rng.randint(0, 9999):04d}",
            "created_at": created,
            "updated_at": updated,
            "address_id": make_address(world)["address_id"],
        },
    )


def make_promos(world: World) -> list[Row]:
    """A handful of promos; only active ones are handed out at checkout."""
    names = world.rng.sample(PROMO_NAMES, 7)
    promos = [
        {"promo_id": name, "discount": world.rng.randint(5, 25), "status": status}
        for name, status in zip(names, ["active", "inactive"] + ["active"] * 5, strict=True)
    ]
    for promo in promos:
        world.add("promos", promo)
    return [p for p in promos if p["status"] == "active"]


def make_products(world: World) -> list[Row]:
    rng = world.rng
    return [
        world.add(
            "products",
            {
                "product_id": world.new_id(),
                "name": name,
                "price": round(rng.uniform(8, 80), 2),
                "inventory": rng.randint(10, 100),
            },
        )
        for name in PRODUCT_NAMES
    ]


def session_owners(world: World, users: list[Row]) -> list[Row]:
    """Every user has at least one session; the rest go to users at random."""
    owners = list(users) + [world.rng.choice(users) for _ in range(N_SESSIONS - len(users))]
    world.rng.shuffle(owners)
    return owners


def event(world: World, session: Session, at: datetime, kind: str, url: str, **ids: str) -> Row:
    return world.add(
        "events",
        {
            "event_id": world.new_id(),
            "session_id": session.session_id,
            "user_id": session.user_id,
            "page_url": url,
            "created_at": at,
            "event_type": kind,
            "order_id": ids.get("order_id"),
            "product_id": ids.get("product_id"),
        },
    )


def browse(world: World, session: Session, products: list[Row]) -> tuple[datetime, list[Row]]:
    """View a few products, putting some in the cart; return the time reached and the cart."""
    rng, at, cart = world.rng, session.started_at, []
    for product in rng.sample(products, rng.randint(*VIEWS_PER_SESSION)):
        url = PRODUCT_URL.format(product_id=product["product_id"])
        event(world, session, at, "page_view", url, product_id=product["product_id"])
        at += timedelta(seconds=rng.randint(20, 300))
        if rng.random() < P_ADD_TO_CART:
            event(world, session, at, "add_to_cart", url, product_id=product["product_id"])
            cart.append(product)
            at += timedelta(seconds=rng.randint(10, 120))
    return at, cart


def order_cost(world: World, order_id: str, cart: list[Row]) -> float:
    cost = 0.0
    for product in cart:
        quantity = world.rng.randint(1, 3)
        world.add(
            "order_items",
            {"order_id": order_id, "product_id": product["product_id"], "quantity": quantity},
        )
        cost += quantity * float(product["price"])
    return round(cost, 2)


def fulfil(world: World, order: Row, placed: datetime) -> datetime | None:
    """Ship and deliver as far as the cutoff allows; return when it shipped, if it did."""
    rng = world.rng
    shipped = placed + timedelta(hours=rng.uniform(*SHIP_HOURS))
    if shipped > CUTOFF:
        order["status"] = "preparing"
        return None
    delivered = shipped + timedelta(hours=rng.uniform(*DELIVERY_HOURS))
    order.update(
        tracking_id=world.new_id(),
        shipping_service=rng.choice(SHIPPING_SERVICES),
        estimated_delivery_at=shipped + timedelta(days=rng.randint(3, 7)),
    )
    if delivered <= CUTOFF:
        order.update(delivered_at=delivered, status="delivered")
    else:
        order["status"] = "shipped"
    return shipped


def place_order(world: World, session: Session, at: datetime, cart: list[Row]) -> Row:
    rng, order_id = world.rng, world.new_id()
    promo = rng.choice(world.active_promos) if rng.random() < P_PROMO else None
    address = world.home_address[session.user_id]
    if rng.random() < P_OTHER_ADDRESS:  # a gift: shipped to someone else
        address = make_address(world)["address_id"]
    cost, shipping = order_cost(world, order_id, cart), round(rng.uniform(2, 12), 2)
    discount = promo["discount"] if promo else 0
    return world.add(
        "orders",
        {
            "order_id": order_id,
            "user_id": session.user_id,
            "promo_id": promo["promo_id"] if promo else None,
            "address_id": address,
            "created_at": at,
            "order_cost": cost,
            "shipping_cost": shipping,
            "order_total": round(max(cost + shipping - discount, 0), 2),
        },
    )


def checkout(world: World, session: Session, at: datetime, cart: list[Row]) -> None:
    """Check the cart out into an order; a shipped order adds a package_shipped event."""
    order = place_order(world, session, at, cart)
    # Checkout and shipping happen from the cart: the page is the last product put in it.
    url = PRODUCT_URL.format(product_id=cart[-1]["product_id"])
    event(world, session, at, "checkout", url, order_id=order["order_id"])
    shipped = fulfil(world, order, at)
    if shipped is not None:
        event(world, session, shipped, "package_shipped", url, order_id=order["order_id"])


def simulate_sessions(world: World, users: list[Row], products: list[Row]) -> None:
    starts = sorted(
        START + timedelta(seconds=world.rng.uniform(0, SESSION_DAYS * 86400))
        for _ in range(N_SESSIONS)
    )
    for user, started in zip(session_owners(world, users), starts, strict=True):
        session = Session(world.new_id(), user["user_id"], started)
        at, cart = browse(world, session, products)
        if cart and world.rng.random() < P_CHECKOUT:
            checkout(world, session, at, cart)


def generate(seed: int = DEFAULT_SEED) -> dict[str, list[Row]]:
    """All raw tables, as rows, for one seed."""
    world = World(random.Random(seed))
    products = make_products(world)
    world.active_promos = make_promos(world)
    users = [make_user(world, n) for n in range(1, N_USERS + 1)]
    world.home_address = {user["user_id"]: user["address_id"] for user in users}
    simulate_sessions(world, users, products)
    return world.rows


def csv_value(value: object) -> object:
    """Empty for NULL; timestamps to the second; money with two decimals."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.2f}"
    return value


def write_csvs(rows: dict[str, list[Row]], data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        for table, columns in TABLES.items():
            with (data_dir / csv_name(table)).open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(columns)
                writer.writerows([csv_value(r.get(c)) for c in columns] for r in rows[table])
    except OSError as err:
        raise GreeneryError(f"cannot write data files to {data_dir}: {err.strerror}") from err


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    rows = generate(args.seed)
    write_csvs(rows, args.data_dir)
    counts = ", ".join(f"{table} {len(table_rows)}" for table, table_rows in rows.items())
    print(f"generated {args.data_dir} (seed {args.seed}): {counts}")


if __name__ == "__main__":
    sys.exit(run_main(main, sys.argv[1:]))
