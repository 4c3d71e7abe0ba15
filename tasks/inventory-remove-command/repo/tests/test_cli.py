import io
import json

import pytest

from inventory.cli import main


@pytest.fixture
def db(tmp_path):
    return tmp_path / "stock.json"


def run(db, *argv):
    out, err = io.StringIO(), io.StringIO()
    status = main(["--db", str(db), *argv], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_add_then_list(db):
    assert run(db, "add", "TEA-01", "--qty", "10", "--name", "Green tea") == (0, "TEA-01: 10\n", "")
    run(db, "add", "MUG-02", "--qty", "3", "--name", "Mug")
    status, out, _ = run(db, "list")
    assert status == 0
    assert out.splitlines() == ["MUG-02           3  Mug", "TEA-01          10  Green tea"]


def test_add_accumulates(db):
    run(db, "add", "TEA-01", "--qty", "4")
    assert run(db, "add", "TEA-01")[1] == "TEA-01: 5\n"


def test_low_stock_report(db):
    run(db, "add", "A", "--qty", "2")
    run(db, "add", "B", "--qty", "9")
    assert run(db, "low", "--below", "5")[1] == "A: 2\n"


def test_add_rejects_non_positive_quantity(db):
    status, out, err = run(db, "add", "A", "--qty", "0")
    assert (status, out) == (2, "")
    assert err == "error: quantity must be positive\n"
    assert not db.exists()


def test_remove_decreases_stock(db):
    run(db, "add", "TEA-01", "--qty", "10")
    assert run(db, "remove", "TEA-01", "--qty", "3") == (0, "TEA-01: 7\n", "")
    assert run(db, "remove", "TEA-01") == (0, "TEA-01: 6\n", "")
    assert json.loads(db.read_text())["TEA-01"]["history"] == [10, -3, -1]


def test_remove_more_than_in_stock_is_refused(db):
    run(db, "add", "TEA-01", "--qty", "3")
    before = db.read_text()
    assert run(db, "remove", "TEA-01", "--qty", "5") == (2, "", "error: only 3 of TEA-01 in stock\n")
    assert db.read_text() == before


def test_remove_unknown_sku_is_refused(db):
    run(db, "add", "TEA-01", "--qty", "3")
    assert run(db, "remove", "NOPE-9") == (2, "", "error: unknown SKU NOPE-9\n")
