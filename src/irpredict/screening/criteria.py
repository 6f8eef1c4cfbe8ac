"""The enrollment-criteria language: tokenizer and recursive-descent parser.

A criterion is a boolean expression over the columns of a per-patient frame::

    pdl1_cps >= 10 and stil_pct >= 5
    her2_ihc in ('2+', '3+') or erbb2_ratio >= 2
    not (ecog >= 2)
    `source:therapy_class` == 'x' and STAT1_sig > 0.5 and MP_index_adj...1. < 0

Grammar (``not`` binds tighter than ``and``, which binds tighter than ``or``)::

    expression := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" or_expr ")" | condition
    condition  := operand (CMP operand)+            # a < b < c means a < b and b < c
                | operand ["not"] "in" list
    operand    := NAME | `any text` | NUMBER | "-" NUMBER | STRING | True | False
    list       := "(" literal ("," literal)* [","] ")" | "[" ... "]"
    CMP        := "<" | "<=" | ">" | ">=" | "==" | "!="

Names are letters, digits, ``_`` and ``.`` (starting with a letter or ``_``), so
dotted column names such as ``STAT1.sig`` need no quoting: the language has
no attribute access, so a dot inside a name is never ambiguous. Any other name
goes in backticks. The text is never handed to :func:`eval`; anything outside
the grammar (calls, subscripts, attribute access on values, lambdas,
comprehensions, f-strings, assignment, arithmetic) is a :class:`CriteriaError`
that names what is not allowed. Evaluation lives in
:mod:`irpredict.screening._evaluate`.
"""

import re
from dataclasses import dataclass

from irpredict.exceptions import CriteriaError
from irpredict.screening._nodes import BoolOp, Compare, InList, Literal, Name, Not

__all__ = ["MAX_LENGTH", "Criterion", "parse_criteria", "evaluate_criteria"]

#: Longest accepted expression, in characters.
MAX_LENGTH = 1000
_MAX_DEPTH = 30
_CMP = ("<=", ">=", "==", "!=", "<", ">")
_KEYWORDS = {"and", "or", "not", "in", "True", "False", "true", "false"}
_FORBIDDEN_WORDS = {
    "lambda": "lambda expressions are not allowed",
    "for": "comprehensions are not allowed",
    "if": "conditional expressions and comprehensions are not allowed",
    "else": "conditional expressions are not allowed",
    "import": "import is not allowed",
    "is": "'is' is not allowed; use == or !=",
    "yield": "'yield' is not allowed", "await": "'await' is not allowed",
    "def": "definitions are not allowed", "class": "definitions are not allowed",
    "del": "'del' is not allowed", "global": "'global' is not allowed",
    "exec": "'exec' is not allowed", "eval": "'eval' is not allowed",
}
_CHAR_HINTS = {
    "&": "use 'and'", "|": "use 'or'", "~": "use 'not'", "=": "use '==' to compare",
    "!": "use 'not' or '!='", ":": "slices, lambdas, dicts and ':=' are not allowed",
    ";": "one expression only", "{": "sets and dicts are not allowed",
    "}": "sets and dicts are not allowed", "\\": "backslashes are not allowed",
    "+": "arithmetic is not allowed", "*": "arithmetic is not allowed",
    "/": "arithmetic is not allowed", "%": "arithmetic is not allowed",
    "^": "bitwise operators are not allowed", "@": "decorators and matrix products are "
    "not allowed", "$": "'$' is not allowed", "#": "comments are not allowed",
    ".": "attribute access is not allowed", "'": "unterminated string",
    '"': "unterminated string", "`": "unterminated backtick name",
    # written by word processors and keyboards in other layouts
    "\u2265": "write '>='", "\u2264": "write '<='", "\u2260": "write '!='",
    "\u2018": "quote text with plain ' or \"", "\u2019": "quote text with plain ' or \"",
    "\u201c": "quote text with plain ' or \"", "\u201d": "quote text with plain ' or \"",
    "\u2212": "write the minus sign as '-'", "\u00a0": "a non-breaking space: retype it",
}
_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<bq>`[^`]*`)
  | (?P<string>'[^'\n]*'|"[^"\n]*")
  | (?P<walrus>:=)
  | (?P<op><=|>=|==|!=|<|>|\(|\)|\[|\]|,|-)
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    """One token: its kind, text and position in the expression."""

    kind: str
    text: str
    pos: int


def _fail(text, pos, what):
    caret = f" at position {pos}" if pos is not None else ""
    raise CriteriaError(f"criteria '{text}'{caret}: {what}")


def tokenize(text):
    """Split a criteria expression into tokens.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of Token
        Ending with an ``end`` token. A character outside the language becomes a
        ``bad`` token, reported (with a hint of what to use instead) when the parser
        reaches it, so that the first problem in reading order is the one named.

    Raises
    ------
    CriteriaError
        On input longer than :data:`MAX_LENGTH`, Python keywords, or ``:=``.
    """
    if not isinstance(text, str):
        raise CriteriaError(f"criteria must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise CriteriaError(f"criteria expression is {len(text)} characters long; the limit is "
                            f"{MAX_LENGTH}. Shorten it: an 'in' list (site in ('A', 'B')) "
                            "replaces a chain of 'or'; several --criteria are screened as "
                            "separate rules, not combined.")
    _reject_python_words(text)
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:  # reported when the parser reaches it, so errors come in text order
            tokens.append(Token("bad", text[pos], pos))
            pos += 1
            continue
        kind = m.lastgroup
        if kind == "walrus":
            _fail(text, pos, "assignment (':=') is not allowed")
        if kind != "ws":
            tokens.append(Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


_QUOTED_RE = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`]*`")
_WORD_RE = re.compile(r"(?<![\w.])(" + "|".join(_FORBIDDEN_WORDS) + r")(?![\w.])")


def _reject_python_words(text):
    """Name Python keywords (lambda, for, if, is, import, ...) before any other problem."""
    bare = _QUOTED_RE.sub(lambda m: " " * len(m.group()), text)
    if ";" in bare:  # a second statement: its words are not the first problem
        _fail(text, bare.index(";"), "character ';' is not allowed (one expression only)")
    m = _WORD_RE.search(bare)
    if m:
        _fail(text, m.start(), _FORBIDDEN_WORDS[m.group(1)])


class _Parser:
    def __init__(self, text):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self, k=0):
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def take(self):
        tok = self.peek()
        if tok.kind == "bad":
            self.unexpected(tok, "")
        self.i += 1
        return tok

    def is_word(self, word, k=0):
        tok = self.peek(k)
        return tok.kind == "name" and tok.text == word

    def parse(self):
        if self.peek().kind == "end":
            _fail(self.text, None, "the expression is empty")
        node = self.or_expr()
        tok = self.peek()
        if tok.kind != "end":
            self.unexpected(tok, "expected 'and', 'or' or the end of the expression")
        return node

    def or_expr(self):
        items = [self.and_expr()]
        while self.is_word("or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_expr(self):
        items = [self.not_expr()]
        while self.is_word("and"):
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def not_expr(self):
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            _fail(self.text, self.peek().pos, f"nesting deeper than {_MAX_DEPTH} levels")
        try:
            if self.is_word("not"):
                self.take()
                return Not(self.not_expr())
            if self.peek().text == "(" and self.peek().kind == "op":
                open_tok = self.take()
                node = self.or_expr()
                if self.peek().text != ")":
                    self.unexpected(self.peek(), f"missing ')' for the '(' at {open_tok.pos}")
                self.take()
                if self.peek().text in _CMP:
                    self.unexpected(self.peek(), "compare a column or a value, not a "
                                    "parenthesised condition")
                return node
            return self.condition()
        finally:
            self.depth -= 1

    def condition(self):
        left = self.operand()
        if self.is_word("in") or (self.is_word("not") and self.is_word("in", 1)):
            negate = self.take().text == "not"
            if negate:
                self.take()
            return InList(left, self.literal_list(), negate)
        if self.peek().text not in _CMP or self.peek().kind != "op":
            what = left.name if isinstance(left, Name) else repr(left.value)
            nxt = self.peek()
            hint = ""
            operators = {"notin": "not in", "not_in": "not in", "isin": "in", "equals": "=="}
            if isinstance(left, Name) and nxt.text.lower() in operators:
                hint = f"; did you mean '{operators[nxt.text.lower()]}'?"
            elif isinstance(left, Name) and nxt.kind != "end":
                start = self.tokens[self.i - 1].pos
                guess = re.split(r"\s*(?:[<>!=]=?|\bin\b)", self.text[start:], maxsplit=1)[0]
                hint = ("; a column name with spaces or symbols is written in backticks "
                        f"(`{guess.strip()}`)")
            self.unexpected(nxt, f"{what} must be followed by a comparison (<, <=, >, "
                            ">=, ==, !=) or 'in (...)'; a name on its own is not a condition"
                            + hint)
        parts = []
        while self.peek().text in _CMP and self.peek().kind == "op":
            op = self.take().text
            right = self.operand()
            parts.append(Compare(left, op, right))
            left = right
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def operand(self):
        tok = self.take()
        if tok.kind == "name" and tok.text in _FORBIDDEN_WORDS:
            _fail(self.text, tok.pos, _FORBIDDEN_WORDS[tok.text])
        if tok.kind == "number":
            return self.after_value(Literal(float(tok.text)))
        if tok.text == "-" and self.peek().kind == "number":
            return self.after_value(Literal(-float(self.take().text)))
        if tok.kind == "string":
            return self.after_value(Literal(tok.text[1:-1]))
        if tok.kind == "bq":
            if len(tok.text) == 2:
                _fail(self.text, tok.pos, "empty backtick name")
            return self.after_value(Name(tok.text[1:-1]))
        if tok.kind == "name":
            return self.name_operand(tok)
        if tok.kind == "end":
            _fail(self.text, tok.pos, "the expression ends where a column or value is expected")
        self.unexpected(tok, "expected a column name or a value")

    def name_operand(self, tok):
        nxt = self.peek()
        if nxt.text == "(" and nxt.kind == "op":
            _fail(self.text, nxt.pos, f"function calls are not allowed ('{tok.text}(...)')")
        if nxt.kind == "string" and nxt.pos == tok.pos + len(tok.text):
            _fail(self.text, tok.pos, f"prefixed strings ({tok.text}'...', f-strings) are not "
                  "allowed")
        if tok.text in ("True", "true", "False", "false"):
            return self.after_value(Literal(tok.text in ("True", "true")))
        if tok.text in _KEYWORDS:
            self.unexpected(tok, "expected a column name or a value")
        if tok.text.startswith("__") or any(p.startswith("_") for p in tok.text.split(".")[1:]):
            _fail(self.text, tok.pos, f"'{tok.text}': attribute access and names starting with "
                  "'__' are not allowed")
        return self.after_value(Name(tok.text))

    def after_value(self, node):
        nxt = self.peek()
        if nxt.text == "(" and nxt.kind == "op":
            _fail(self.text, nxt.pos, "function calls are not allowed")
        if nxt.text == "[" and nxt.kind == "op":
            _fail(self.text, nxt.pos, "subscripts are not allowed")
        if nxt.kind == "number" and nxt.text.startswith("."):
            _fail(self.text, nxt.pos, "attribute access is not allowed")
        return node

    def literal_list(self):
        tok = self.take()
        if tok.text not in ("(", "["):
            self.unexpected(tok, "'in' needs a list of literals such as ('2+', '3+')")
        close = ")" if tok.text == "(" else "]"
        values = []
        while True:
            if self.peek().text == close and values:
                break
            item = self.operand()
            if not isinstance(item, Literal):
                _fail(self.text, tok.pos, "'in' lists may hold literals only, not columns")
            values.append(item.value)
            if self.peek().text == ",":
                self.take()
                continue
            break
        if self.peek().text != close:
            self.unexpected(self.peek(), f"expected ',' or '{close}' in the 'in' list")
        self.take()
        return tuple(values)

    def unexpected(self, tok, what):
        k = self.tokens.index(tok)
        number = self.tokens[k - 1].text if k and self.tokens[k - 1].kind == "number" else None
        after = self.tokens[min(k + 1, len(self.tokens) - 1)]
        unit_word = tok.kind == "name" and (after.kind in ("end", "bad") or after.text in (
            "and", "or", ")"))  # not 'a > 1 b > 2', a missing 'and'
        if number is not None and (unit_word or tok.text == "%"):
            _fail(self.text, tok.pos, f"a unit after {number}: write the number alone (values "
                  "are compared in the cohort's units, which irpredict screen names; "
                  "percentages as 0-100)")
        if number is not None and tok.text == "+" and after.kind != "number":
            _fail(self.text, tok.pos, f"{number}+ is text, not a number: quote it ('{number}+')")
        if tok.kind == "bad":
            hint = _CHAR_HINTS.get(tok.text, "not part of the criteria language")
            if tok.text.isalpha():  # an accented or non-Latin letter of a column name
                hint += "; write a column name with such letters in backticks (`âge` < 65)"
            _fail(self.text, tok.pos, f"character {tok.text!r} is not allowed ({hint})")
        shown = "end of the criteria" if tok.kind == "end" else repr(tok.text)
        _fail(self.text, tok.pos, f"unexpected {shown}: {what}")


def _names(node):
    if isinstance(node, Name):
        return [node.name]
    if isinstance(node, Compare):
        return _names(node.left) + _names(node.right)
    if isinstance(node, InList):
        return _names(node.operand)
    if isinstance(node, Not):
        return _names(node.item)
    if isinstance(node, BoolOp):
        return [n for item in node.items for n in _names(item)]
    return []


@dataclass(frozen=True)
class Criterion:
    """A parsed enrollment criterion.

    Attributes
    ----------
    text : str
        The expression as written.
    tree : object
        The syntax tree (``BoolOp``, ``Not``, ``Compare``, ``InList``).
    names : tuple of str
        Column names used, in order of first use.
    """

    text: str
    tree: object
    names: tuple

    def evaluate(self, frame, *, missing="exclude"):
        """Eligibility of each row of ``frame``; see :func:`evaluate_criteria`."""
        from irpredict.screening._evaluate import evaluate_tree

        return evaluate_tree(self, frame, missing=missing)


def parse_criteria(text):
    """Parse a criteria expression.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"pdl1_cps >= 10 and not (ecog >= 2)"``.

    Returns
    -------
    Criterion

    Raises
    ------
    CriteriaError
        When the text is not in the language; the message names the position and
        what is not allowed.

    Examples
    --------
    >>> parse_criteria("a >= 1 and not b in ('x', 'y')").names
    ('a', 'b')
    """
    tree = _Parser(text).parse()
    return Criterion(text=text, tree=tree, names=tuple(dict.fromkeys(_names(tree))))


def evaluate_criteria(criteria, frame, *, missing="exclude"):
    """Evaluate a criteria expression on every row of a per-patient frame.

    Comparisons involving a missing value are *unknown*; ``and``/``or``/``not``
    follow three-valued (Kleene) logic (``False and unknown`` is False, ``True or
    unknown`` is True, ``not unknown`` is unknown), and a row whose final value is
    unknown is not eligible with ``missing="exclude"`` (the default) and eligible
    with ``missing="include"``.

    Parameters
    ----------
    criteria : str or Criterion
    frame : pandas.DataFrame
        One row per patient. A name ``x`` also matches a column ``x__baseline``.
    missing : {"exclude", "include"}, default="exclude"

    Returns
    -------
    pandas.Series of bool
        Indexed like ``frame``, named by the expression.

    Raises
    ------
    CriteriaError
        On a malformed expression, an unknown column (with the closest names), or
        a comparison of text with numbers.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"cps": [1.0, 20.0, None], "ecog": [0, 2, 0]})
    >>> evaluate_criteria("cps >= 10 or not ecog >= 2", df).tolist()
    [True, True, True]
    >>> evaluate_criteria("cps >= 10", df, missing="include").tolist()
    [False, True, True]
    """
    crit = criteria if isinstance(criteria, Criterion) else parse_criteria(criteria)
    return crit.evaluate(frame, missing=missing)
