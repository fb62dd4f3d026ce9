"""dashgrn.simulate._logic: the logic-formula parser and its normal form."""

from __future__ import annotations

import re

import pytest

from dashgrn.simulate import format_logic, parse_logic
from dashgrn.simulate._logic import Leaf, LogicError, Op, depth, leaves


def test_parse_simulatorgrn_formula() -> None:
    tree = parse_logic("(GAL11 & GAL4) | !CAF4 | !TUP1")
    assert isinstance(tree, Op) and tree.kind == "or"
    assert [lf.name for lf in leaves(tree)] == ["GAL11", "GAL4", "CAF4", "TUP1"]
    assert [lf.sign for lf in leaves(tree)] == [1, 1, -1, -1]
    assert depth(tree) == 2
    assert format_logic(tree) == "(GAL11 & GAL4) | !CAF4 | !TUP1"


def test_parse_precedence_and_normal_form() -> None:
    # & binds tighter than |; nested same-kind operators merge.
    assert format_logic(parse_logic("A & B | C")) == "(A & B) | C"
    assert format_logic(parse_logic("A & (B & (C & D))")) == "A & B & C & D"
    assert format_logic(parse_logic("((A))")) == "A"
    # De Morgan: !(A & !B) = !A | !(!B); the leaf keeps its repression and is complemented.
    tree = parse_logic("!(A & !B)")
    assert tree.kind == "or"
    assert leaves(tree) == [Leaf("A", repress=False, complement=True), Leaf("B", repress=True, complement=True)]
    assert [lf.sign for lf in leaves(tree)] == [-1, 1]
    again = parse_logic(format_logic(tree))
    assert again == tree


@pytest.mark.parametrize(
    ("formula", "needle"),
    [
        ("A + B", "unknown token '+'"),
        ("A & B ^ C", "unknown token '^'"),
        ("A &", "formula ends"),
        ("(A | B", "missing ')'"),
        ("A B", "unexpected 'B'"),
        ("| A", "unexpected '|'"),
        ("", "empty formula"),
    ],
)
def test_parse_errors(formula: str, needle: str) -> None:
    with pytest.raises(LogicError, match=re.escape(needle)):
        parse_logic(formula)
