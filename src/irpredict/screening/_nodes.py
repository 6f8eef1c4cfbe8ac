"""Syntax-tree nodes of the criteria language (see :mod:`irpredict.screening.criteria`)."""

from dataclasses import dataclass

__all__ = ["Name", "Literal", "Compare", "InList", "BoolOp", "Not"]


@dataclass(frozen=True)
class Name:
    """A column reference."""

    name: str


@dataclass(frozen=True)
class Literal:
    """A number, string or boolean literal."""

    value: object


@dataclass(frozen=True)
class Compare:
    """``left op right``."""

    left: object
    op: str
    right: object


@dataclass(frozen=True)
class InList:
    """``operand [not] in (literals)``."""

    operand: object
    values: tuple
    negate: bool = False


@dataclass(frozen=True)
class BoolOp:
    """``and`` / ``or`` over two or more items."""

    op: str
    items: tuple


@dataclass(frozen=True)
class Not:
    """``not item``."""

    item: object
