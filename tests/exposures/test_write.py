from __future__ import annotations

import os
import random
from dataclasses import replace

import pytest
import yaml

from exposure_sync.errors import BadInputError
from exposure_sync.exposures.entry import ExposureEntry, Owner
from exposure_sync.exposures.keys import dashboard_key, look_key
from exposure_sync.exposures.write import (
    ENTRY_KEYS,
    HEADER,
    check_all_ours,
    merge_entries,
    read_generated,
    render_exposures,
    write_if_changed,
)

COMMAND = "exposure-sync sync --manifest target/manifest.json --output models/looker.yml"


def entry(name: str, dashboard_id: str, **kwargs) -> ExposureEntry:
    values = dict(
        name=name,
        label=f"Dashboard {dashboard_id} ✓",
        type="dashboard",
        url=f"https://looker.example.com/dashboards/{dashboard_id}",
        owner=Owner("Anique Jones", "anique@greenery.example"),
        maturity="medium",
        description="Line one: with colon\n\nLooker folder: Shared/Marketing",
        depends_on=("ref('a')", "source('greenery', 'orders')"),
        tags=("looker",),
        meta={
            "generated_by": "exposure-sync",
            "looker_folder_id": "10",
            "looker_dashboard_id": dashboard_id,
            "looker_folder": "Shared/Marketing",
        },
    )
    values.update(kwargs)
    return ExposureEntry(**values)


ENTRIES = [entry(f"dash_{i}", str(i)) for i in range(1, 8)]


def test_render_layout():
    text = render_exposures([entry("b", "2"), entry("a", "1")], COMMAND)
    lines = text.splitlines()
    assert lines[0] == HEADER
    assert lines[1] == "# Command: " + COMMAND
    assert lines[2:4] == ["version: 2", "exposures:"]
    assert lines[4] == "  - name: a"
    document = yaml.safe_load(text)
    assert [e["name"] for e in document["exposures"]] == ["a", "b"]
    assert list(document["exposures"][0]) == list(ENTRY_KEYS)
    assert list(document["exposures"][0]["meta"]) == [
        "looker_dashboard_id",
        "looker_folder",
        "looker_folder_id",
        "generated_by",
    ]
    assert "Dashboard 1 ✓" in text  # unicode kept, not escaped
    assert "    description: |-\n      Line one: with colon\n" in text


def test_render_is_deterministic_whatever_the_order():
    first = render_exposures(ENTRIES, COMMAND)
    rng = random.Random(3)
    for _ in range(10):
        shuffled = ENTRIES[:]
        rng.shuffle(shuffled)
        assert render_exposures(shuffled, COMMAND) == first


def test_values_keep_their_types():
    odd = entry("x", "123", label="yes", description="2024")
    document = yaml.safe_load(render_exposures([odd]))
    exposure = document["exposures"][0]
    assert exposure["label"] == "yes" and exposure["description"] == "2024"
    assert exposure["meta"]["looker_dashboard_id"] == "123"


def test_round_trip_through_the_file_is_byte_identical(tmp_path):
    path = tmp_path / "looker.yml"
    text = render_exposures(ENTRIES, COMMAND)
    write_if_changed(path, text)
    again = render_exposures(read_generated(path), COMMAND)
    assert again == text


def test_config_form_puts_tags_and_meta_under_config():
    text = render_exposures([entry("a", "1")], COMMAND, properties_in_config=True)
    (exposure,) = yaml.safe_load(text)["exposures"]
    assert list(exposure) == [*ENTRY_KEYS[:-2], "config"]
    assert exposure["config"] == {
        "tags": ["looker"],
        "meta": {
            "looker_dashboard_id": "1",
            "looker_folder": "Shared/Marketing",
            "looker_folder_id": "10",
            "generated_by": "exposure-sync",
        },
    }
    assert "  config:\n      tags:\n        - looker\n      meta:\n" in text


@pytest.mark.parametrize("in_config", [False, True])
def test_either_form_reads_back_to_the_same_entries(tmp_path, in_config):
    path = tmp_path / "looker.yml"
    write_if_changed(path, render_exposures(ENTRIES, COMMAND, properties_in_config=in_config))
    back = read_generated(path)
    assert [(e, e.meta) for e in back] == [(e, e.meta) for e in ENTRIES]
    # and each renders in the other form too: the next sync migrates the file
    other = render_exposures(back, COMMAND, properties_in_config=not in_config)
    assert render_exposures(ENTRIES, COMMAND, properties_in_config=not in_config) == other


def test_duplicate_names_are_a_bug():
    with pytest.raises(ValueError, match="dup"):
        render_exposures([entry("dup", "1"), entry("dup", "2")])


def test_read_generated_missing_file(tmp_path):
    assert read_generated(tmp_path / "nope.yml") == []


def test_read_generated_empty_generated_file(tmp_path):
    path = tmp_path / "looker.yml"
    path.write_text(render_exposures([]), encoding="utf-8")
    assert read_generated(path) == []


def test_headerless_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "exposures.yml"
    original = b"version: 2\nexposures:\n  - name: mine\n    type: dashboard\n"
    path.write_bytes(original)
    stat = path.stat()
    with pytest.raises(BadInputError, match=r"exposures.yml has no exposure-sync header: not a"):
        read_generated(path)
    with pytest.raises(BadInputError, match="check --output, or move the hand-written exposures"):
        write_if_changed(path, render_exposures(ENTRIES))
    assert path.read_bytes() == original
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exposures.yml"]


def test_an_entry_added_by_hand_is_refused_by_name(tmp_path):
    """Without a Looker id nothing is behind the entry: a sync would drop it silently."""
    path = tmp_path / "looker.yml"
    path.write_text(render_exposures(ENTRIES), encoding="utf-8")
    check_all_ours(read_generated(path), path)  # every generated entry is ours
    with path.open("a", encoding="utf-8") as file:
        file.write("  - name: my_report\n    type: dashboard\n    owner: {name: me}\n")
    with pytest.raises(BadInputError) as err:
        check_all_ours(read_generated(path), path)
    message = str(err.value)
    assert message.startswith(f"{path}: exposure 'my_report' was not generated by exposure-sync")
    assert "move it to another file" in message and "\n" not in message


def test_invalid_generated_file(tmp_path):
    path = tmp_path / "looker.yml"
    path.write_text(HEADER + "\nexposures: [unclosed\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="looker.yml is not valid YAML"):
        read_generated(path)
    path.write_text(HEADER + "\nexposures: {a: 1}\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="list of entries"):
        read_generated(path)


def test_write_creates_parents_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "models" / "exposures" / "looker.yml"
    text = render_exposures(ENTRIES, COMMAND)
    assert write_if_changed(path, text) is True
    assert path.read_text(encoding="utf-8") == text
    assert os.listdir(path.parent) == ["looker.yml"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_no_write_when_unchanged(tmp_path):
    path = tmp_path / "looker.yml"
    text = render_exposures(ENTRIES, COMMAND)
    write_if_changed(path, text)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    inode = path.stat().st_ino
    assert write_if_changed(path, text) is False
    assert path.stat().st_mtime_ns == 1_000_000_000
    assert path.stat().st_ino == inode


def test_changed_text_replaces_the_file_and_keeps_its_mode(tmp_path):
    path = tmp_path / "looker.yml"
    write_if_changed(path, render_exposures(ENTRIES))
    path.chmod(0o640)
    assert write_if_changed(path, render_exposures(ENTRIES[:2])) is True
    assert [e.name for e in read_generated(path)] == ["dash_1", "dash_2"]
    assert path.stat().st_mode & 0o777 == 0o640
    assert os.listdir(tmp_path) == ["looker.yml"]


def test_failed_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "looker.yml"
    old = render_exposures(ENTRIES)
    write_if_changed(path, old)

    def boom(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(BadInputError, match="cannot write"):
        write_if_changed(path, render_exposures(ENTRIES[:1]))
    assert path.read_text(encoding="utf-8") == old
    assert os.listdir(tmp_path) == ["looker.yml"]


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# ---------------------------------------------------------------------------- merge policy


def previous_file(*entries: ExposureEntry) -> list[dict]:
    return yaml.safe_load(render_exposures(entries))["exposures"]


def test_merge_new_entries_replace_previous_ones():
    previous = previous_file(entry("old_name", "1", label="Old"))
    result = merge_entries([entry("old_name", "1", label="New")], previous, [], [])
    assert [e.label for e in result.entries] == ["New"]
    assert result.kept == result.removed == result.unaccounted == []


def test_merge_failed_dashboards_keep_their_previous_entry():
    previous = previous_file(entry("a", "1"), entry("b", "2"))
    result = merge_entries([entry("a", "1")], previous, failed_dashboard_ids=["2"], gone_ids=[])
    assert [e.name for e in result.entries] == ["a", "b"]
    assert result.kept == [dashboard_key("2")]
    # the kept entry is written back exactly as it was
    assert render_exposures(result.entries) == render_exposures([entry("a", "1"), entry("b", "2")])


def test_merge_failed_wins_over_gone():
    previous = previous_file(entry("b", "2"))
    result = merge_entries([], previous, failed_dashboard_ids=["2"], gone_ids=["2"])
    assert [e.name for e in result.entries] == ["b"]


def test_merge_gone_dashboards_disappear():
    previous = previous_file(entry("a", "1"), entry("b", "2"))
    result = merge_entries([entry("a", "1")], previous, [], gone_ids=["2"])
    assert [e.name for e in result.entries] == ["a"]
    assert result.removed == [dashboard_key("2")]


def test_merge_unmentioned_previous_entries_are_kept_and_reported():
    previous = previous_file(entry("a", "1"), entry("b", "2"))
    result = merge_entries([entry("a", "1")], previous, [], [])
    assert [e.name for e in result.entries] == ["a", "b"]
    assert result.unaccounted == [dashboard_key("2")]


def test_merge_looks_are_separate_from_dashboards():
    look = entry("l", "2", type="analysis", meta={"looker_look_id": "2"})
    previous = previous_file(entry("b", "2"), look)
    result = merge_entries([], previous, [], gone_ids=["2"], failed_look_ids=["2"])
    assert [e.name for e in result.entries] == ["l"]
    assert result.kept == [look_key("2")] and result.removed == [dashboard_key("2")]


def test_merge_accepts_entries_and_is_sorted():
    result = merge_entries(
        [entry("z", "9"), entry("a", "1")], [replace(entry("m", "5"))], ["5"], []
    )
    assert [e.name for e in result.entries] == ["a", "m", "z"]


def test_crlf_line_endings_alone_are_not_a_change(tmp_path):
    """A Windows checkout (core.autocrlf) turns the file's line endings into CRLF; `check`
    reads it as text and calls it up to date, so `sync` must not rewrite it either."""
    path = tmp_path / "looker.yml"
    text = render_exposures(ENTRIES, COMMAND)
    crlf = text.replace("\n", "\r\n").encode("utf-8")
    path.write_bytes(crlf)
    assert write_if_changed(path, text) is False
    assert path.read_bytes() == crlf
    assert write_if_changed(path, render_exposures(ENTRIES[:2], COMMAND)) is True
