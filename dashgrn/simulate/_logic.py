"""Per-gene logic formulas: tokenizer, parser and normal form.

A formula combines edge literals of one target gene, as in SimulatorGRN and the
``logic`` column of ``sim350_ode_nodes.tsv``::

    (GAL11 & GAL4) | !CAF4 | !TUP1

Grammar (``!`` binds tightest, then ``&``, then ``|``)::

    expr   := and ("|" and)*
    and    := unary ("&" unary)*
    unary  := "!" unary | "(" expr ")" | NAME

``NAME`` is a regulator name (letters, digits and ``_ . - : /``). A bare name is the
activation term ``w * fAct(x)`` of that edge, ``!NAME`` the repression term
``w * (1 - fAct(x))``; ``&`` is the product, ``|`` the probabilistic sum
``a + b - a b`` (n-ary: ``1 - prod(1 - a_i)``), and ``!( ... )`` is ``1 - ( ... )``.

The parsed tree is brought to a normal form in which negations sit only on leaves
(De Morgan's laws hold exactly for the product / probabilistic-sum pair) and
nested operators of the same kind are merged, so that every internal node has at
least two children and alternates between AND and OR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Leaf", "LogicError", "Op", "parse_logic", "format_logic"]

_TOKEN = re.compile(r"(?P<name>[A-Za-z0-9_.:/\-]+)|(?P<op>[&|!()])")


_OPERATORS = frozenset("&|!()")


class LogicError(ValueError):
    """A formula that cannot be parsed; the caller adds the file and gene."""


@dataclass(frozen=True)
class Leaf:
    """An edge literal.

    Attributes
    ----------
    name
        The regulator.
    repress
        Written as ``!NAME`` (the repression term ``w * (1 - fAct)``).
    complement
        Taken as ``1 - term`` (from a negated group pushed down by De Morgan).
    """

    name: str
    repress: bool = False
    complement: bool = False

    @property
    def sign(self) -> int:
        """The sign of the regulator's effect on the target: -1 or +1."""
        return -1 if self.repress != self.complement else 1


@dataclass(frozen=True)
class Op:
    """An AND (``kind == "and"``) or OR (``kind == "or"``) node."""

    kind: str
    children: tuple[Leaf | Op, ...]


@dataclass(frozen=True)
class _Not:
    child: Leaf | Op | _Not


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if m is None:
            bad = text[pos:].split()[0]
            msg = f"unknown token {bad!r} at character {pos + 1}"
            raise LogicError(msg)
        tokens.append(m.group("name") or m.group("op"))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expr(self) -> Leaf | Op | _Not:
        items = [self.conj()]
        while self.peek() == "|":
            self.take()
            items.append(self.conj())
        return items[0] if len(items) == 1 else Op("or", tuple(items))  # type: ignore[arg-type]

    def conj(self) -> Leaf | Op | _Not:
        items = [self.unary()]
        while self.peek() == "&":
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else Op("and", tuple(items))  # type: ignore[arg-type]

    def unary(self) -> Leaf | Op | _Not:
        tok = self.peek()
        if tok is None:
            msg = "formula ends where a gene name, '!' or '(' was expected"
            raise LogicError(msg)
        if tok == "!":
            self.take()
            nxt = self.peek()
            if nxt is not None and nxt not in _OPERATORS:
                return Leaf(self.take(), repress=True)  # !NAME: the repression term
            return _Not(self.unary())  # !( ... ), !!NAME: one minus the operand
        if tok == "(":
            self.take()
            inner = self.expr()
            if self.peek() != ")":
                msg = "missing ')'"
                raise LogicError(msg)
            self.take()
            return inner
        if tok in {"&", "|", ")"}:
            msg = f"unexpected {tok!r} where a gene name, '!' or '(' was expected"
            raise LogicError(msg)
        return Leaf(self.take())


def _normal(node: Leaf | Op | _Not, *, negate: bool = False) -> Leaf | Op:
    """Push negations to the leaves and merge nested operators of the same kind."""
    if isinstance(node, _Not):
        return _normal(node.child, negate=not negate)
    if isinstance(node, Leaf):
        return Leaf(node.name, node.repress, node.complement != negate) if negate else node
    kind = node.kind if not negate else ("or" if node.kind == "and" else "and")
    children: list[Leaf | Op] = []
    for child in node.children:
        c = _normal(child, negate=negate)
        if isinstance(c, Op) and c.kind == kind:
            children.extend(c.children)
        else:
            children.append(c)
    return Op(kind, tuple(children))


def parse_logic(text: str) -> Leaf | Op:
    """Parse a logic formula into its normal form.

    Parameters
    ----------
    text
        The formula, e.g. ``"(GAL11 & GAL4) | !CAF4"``.

    Returns
    -------
    Leaf or Op
        The tree with negations on leaves only and no nested same-kind operators.

    Raises
    ------
    LogicError
        Empty formula, unknown token, unbalanced parentheses or a dangling operator.
    """
    tokens = _tokenize(text)
    if not tokens:
        msg = "empty formula"
        raise LogicError(msg)
    parser = _Parser(tokens)
    tree = parser.expr()
    if parser.peek() is not None:
        msg = f"unexpected {parser.peek()!r} after a complete formula"
        raise LogicError(msg)
    return _normal(tree)


def leaves(node: Leaf | Op) -> list[Leaf]:
    """The leaves of ``node`` from left to right."""
    if isinstance(node, Leaf):
        return [node]
    out: list[Leaf] = []
    for child in node.children:
        out.extend(leaves(child))
    return out


def depth(node: Leaf | Op) -> int:
    """Height of the tree: 0 for a single literal."""
    if isinstance(node, Leaf):
        return 0
    return 1 + max(depth(c) for c in node.children)


def format_logic(node: Leaf | Op, *, top: bool = True) -> str:
    """Write a normal-form tree back as a formula (``parse_logic`` reads it back)."""
    if isinstance(node, Leaf):
        lit = f"!{node.name}" if node.repress else node.name
        return f"!({lit})" if node.complement else lit
    sep = " & " if node.kind == "and" else " | "
    body = sep.join(format_logic(c, top=False) for c in node.children)
    return body if top else f"({body})"
