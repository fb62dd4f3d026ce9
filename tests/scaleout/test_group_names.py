"""Group names as folder names (dashgrn.groups._names): safe, unique, also ignoring case."""

from __future__ import annotations

from dashgrn.groups import escape_component, folder_names

NASTY = ["a/b", "a\\b", "..", ".", ".hidden", "a.", "", "CON", "nul.txt", "com1", "T", "t", "a\x00b", "x" * 300,
         "CD4+ T cells", "Zelle ä", "a~", "a%2Fb", "groups.json", "with\nnewline", "tab\there", "a:b*?<>|\""]


def test_every_folder_name_is_one_safe_component() -> None:
    folders = folder_names(NASTY, reserved=frozenset({"groups.json", "edges_by_group.tsv"}))
    assert list(folders) == NASTY
    for name in folders.values():
        assert name and len(name.encode()) <= 120
        assert not name.startswith(".") and not name.endswith(".") and not name.endswith(" ")
        assert name.isascii() and all(c.isalnum() or c in "._-+%~" for c in name), name
        assert name.split(".")[0].lower() not in {"con", "nul", "com1"}
    assert len({n.casefold() for n in folders.values()}) == len(NASTY)  # unique even on macOS / Windows
    assert folders["groups.json"] != "groups.json"


def test_readable_names_stay_readable() -> None:
    assert [escape_component(n) for n in ("T_cells", "CD4+ T cells", "B-1", "day2.5", "..", "a/b")] == [
        "T_cells", "CD4+_T_cells", "B-1", "day2.5", "%2E%2E", "a%2Fb"]
    assert folder_names(["T", "t", "t "]) == {"T": "T", "t": "t~2", "t ": "t_"}
