import json

from inventory import Store


def test_store_round_trip(tmp_path):
    db = tmp_path / "stock.json"
    store = Store(db)
    store.add("TEA-01", 10, "Green tea")
    store.add("TEA-01", 2)
    store.save()
    again = Store(db)
    assert again.items["TEA-01"].qty == 12
    assert again.items["TEA-01"].name == "Green tea"
    assert json.loads(db.read_text())["TEA-01"]["history"] == [10, 2]


def test_store_missing_file_is_empty(tmp_path):
    assert Store(tmp_path / "none.json").items == {}


def test_store_remove_keeps_history(tmp_path):
    db = tmp_path / "stock.json"
    store = Store(db)
    store.add("TEA-01", 10)
    item = store.remove("TEA-01", 3)
    assert item.qty == 7
    store.save()
    assert json.loads(db.read_text())["TEA-01"]["history"] == [10, -3]
