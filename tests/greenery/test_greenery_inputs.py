"""The greenery data generator, and the build's refusals of bad input (issue 3, acceptance 6).

Bad input stops the build before dbt starts, with one line on stderr naming the file or the
week at fault, and a non-zero exit.
"""

from __future__ import annotations

import collections
from pathlib import Path

import duckdb
import pytest
from greenery_helpers import greenery_env, load_script, run_script

generate = load_script("generate")
load = load_script("load")

EXIT_BAD_INPUT = 2
PRODUCT_URL_PREFIX = "https://greenary.com/product/"


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict[str, object]]]:
    return generate.generate()


@pytest.fixture
def data_dir(tmp_path: Path, rows) -> Path:
    """Freshly generated data files, for a test to break."""
    folder = tmp_path / "data"
    generate.write_csvs(rows, folder)
    return folder


def session_funnel(events: list[dict[str, object]]) -> dict[str, float]:
    """Share of sessions (in %) with at least one event of each type."""
    sessions: dict[str, set[object]] = collections.defaultdict(set)
    for event in events:
        sessions[str(event["event_type"])].add(event["session_id"])
    total = len({event["session_id"] for event in events})
    return {kind: 100 * len(ids) / total for kind, ids in sessions.items()}


def one_line_error(result) -> str:
    assert result.returncode == EXIT_BAD_INPUT, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("greenery: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def test_generator_is_deterministic(rows) -> None:
    assert generate.generate() == rows
    assert generate.generate(seed=7)["events"] != rows["events"]


def test_generated_rows_follow_product_md(rows) -> None:
    assert [p["name"] for p in rows["products"]] == list(generate.PRODUCT_NAMES)
    assert len(generate.PRODUCT_NAMES) == 30
    assert len(rows["users"]) == 130
    assert {e["event_type"] for e in rows["events"]} == {
        "page_view", "add_to_cart", "checkout", "package_shipped"
    }  # fmt: skip
    assert {o["status"] for o in rows["orders"]} == {"preparing", "shipped", "delivered"}
    assert all(str(e["page_url"]).startswith(PRODUCT_URL_PREFIX) for e in rows["events"])
    viewed = [e for e in rows["events"] if e["product_id"]]
    assert all(e["page_url"] == PRODUCT_URL_PREFIX + str(e["product_id"]) for e in viewed)


def test_funnel_emerges_near_the_course_data_for_any_seed() -> None:
    for seed in (1, 2, 3):
        funnel = session_funnel(generate.generate(seed)["events"])
        assert funnel["page_view"] == 100
        assert abs(funnel["add_to_cart"] - 80.8) <= 3, seed
        assert abs(funnel["checkout"] - 62.5) <= 3, seed


def test_every_checkout_is_an_order(rows) -> None:
    checkouts = [e for e in rows["events"] if e["event_type"] == "checkout"]
    assert sorted(e["order_id"] for e in checkouts) == sorted(o["order_id"] for o in rows["orders"])
    shipped = {e["order_id"] for e in rows["events"] if e["event_type"] == "package_shipped"}
    assert shipped == {o["order_id"] for o in rows["orders"] if o["status"] != "preparing"}


@pytest.mark.parametrize("week", [0, 5])
def test_week_outside_1_to_4_is_refused(tmp_path: Path, week: int) -> None:
    result = run_script("build", ["--week", str(week)], greenery_env(tmp_path))
    assert f"week {week} is outside 1..4" in one_line_error(result)
    assert not (tmp_path / "greenery.duckdb").exists()


def test_report_without_a_warehouse_is_refused(tmp_path: Path) -> None:
    message = one_line_error(run_script("report", [], greenery_env(tmp_path)))
    assert "no warehouse at" in message
    assert "make greenery" in message


def test_missing_data_file_is_refused(tmp_path: Path, data_dir: Path) -> None:
    (data_dir / "orders.csv").unlink()
    args = ["--no-generate", "--data-dir", str(data_dir)]
    message = one_line_error(run_script("build", args, greenery_env(tmp_path)))
    assert "orders.csv is missing" in message


def set_field(text: str, line: int, column: int, value: str) -> str:
    lines = text.splitlines()
    fields = lines[line].split(",")
    fields[column] = value
    lines[line] = ",".join(fields)
    return "\n".join(lines) + "\n"


CORRUPTIONS = {
    "extra column": lambda text: text.replace("delivered", "delivered,extra", 1),
    "not a number": lambda text: set_field(text, 3, 5, "lots"),  # order_cost
    "not a timestamp": lambda text: set_field(text, 3, 4, "2021-02-30 10:00:00"),  # created_at
    "wrong header": lambda text: text.replace("order_total", "total", 1),
    "cut short": lambda text: text[: len(text) // 2].rsplit(",", 1)[0],
    "empty": lambda text: "",
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_corrupt_data_file_is_refused(tmp_path: Path, data_dir: Path, corruption: str) -> None:
    orders = data_dir / "orders.csv"
    orders.write_text(CORRUPTIONS[corruption](orders.read_text()))
    args = ["--no-generate", "--data-dir", str(data_dir)]
    message = one_line_error(run_script("build", args, greenery_env(tmp_path)))
    assert str(orders) in message
    assert "corrupt" in message


def test_binary_garbage_is_refused(tmp_path: Path, data_dir: Path) -> None:
    (data_dir / "events.csv").write_bytes(bytes(range(256)) * 4)
    result = run_script("load", ["--data-dir", str(data_dir)], greenery_env(tmp_path))
    message = one_line_error(result)
    assert "events.csv is corrupt" in message


def test_a_bad_file_leaves_the_loaded_tables_alone(tmp_path: Path, data_dir: Path) -> None:
    env = greenery_env(tmp_path)
    assert run_script("load", ["--data-dir", str(data_dir)], env).returncode == 0
    (data_dir / "events.csv").write_text("event_id\n")
    one_line_error(run_script("load", ["--data-dir", str(data_dir)], env))
    con = duckdb.connect(str(tmp_path / "greenery.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from raw.events").fetchone()[0] > 3000
    finally:
        con.close()


@pytest.mark.parametrize(
    "content, reason",
    [
        ("product_name,week,inventory\nPothos,5,10\n", "week in 1..4"),
        ("product_name,week,inventory\nPothos,one,10\n", "whole numbers"),
        ("product_name,week\nPothos,1\n", "header"),
        ("product_name,week,inventory\nPothos,1,10\n", "no inventory for week(s) [2, 3, 4]"),
    ],
)
def test_corrupt_inventory_weeks_seed_is_refused(tmp_path: Path, content: str, reason: str) -> None:
    seed = tmp_path / "inventory_weeks.csv"
    seed.write_text(content)
    with pytest.raises(load.GreeneryError, match="inventory_weeks.csv") as error:
        load.check_inventory_weeks(seed)
    assert reason in str(error.value)


def test_shipped_inventory_weeks_seed_is_valid() -> None:
    load.check_inventory_weeks()
