"""A restricted evaluator for the Python expressions RL Zoo's hyperparameter files hold.

RL Zoo writes some values as Python source in strings, e.g.
``policy_kwargs: "dict(net_arch=[64, 64], activation_fn=nn.Tanh, ortho_init=False)"`` or
``normalize: "{'norm_obs': True, 'norm_reward': False}"``. RL Zoo runs ``eval`` on them; rlgan
never does. :func:`evaluate_expression` parses the text with :mod:`ast` and accepts only:

- literals: numbers, strings, ``True`` / ``False`` / ``None``, lists, tuples and ``{...}``
  dicts of literals, and a sign in front of a number (``-2.5``);
- calls of ``dict``, ``list`` and ``tuple`` with literal arguments (``dict(a=1)``,
  ``list((1, 2))``), no ``*`` / ``**`` unpacking;
- the dotted names of :data:`ALLOWED_NAMES` (``nn.ReLU``, ``th.optim.Adam``, ...), returned as
  :class:`ZooName` markers: the name is never looked up, so nothing is imported or run.

Anything else (any other name, a call of anything else, attribute access on anything but an
allowed dotted name, subscripts, operators, lambdas, comprehensions) raises
:class:`ZooExpressionError` naming what was refused.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

#: Activation classes the files name (``torch.nn`` through RL Zoo's ``nn`` alias).
ACTIVATION_NAMES: tuple[str, ...] = (
    "nn.ReLU",
    "nn.Tanh",
    "nn.ELU",
    "nn.LeakyReLU",
    "nn.SiLU",
    "nn.GELU",
    "nn.SELU",
    "nn.Sigmoid",
)
#: Optimiser classes the files may name (``th`` is RL Zoo's alias of ``torch``).
OPTIMIZER_NAMES: tuple[str, ...] = (
    "th.optim.Adam",
    "th.optim.AdamW",
    "th.optim.RMSprop",
    "th.optim.SGD",
    "RMSpropTFLike",
)
#: Every dotted name an expression may contain.
ALLOWED_NAMES: frozenset[str] = frozenset(ACTIVATION_NAMES + OPTIMIZER_NAMES)
#: Functions an expression may call (building containers only).
ALLOWED_CALLS: dict[str, type] = {"dict": dict, "list": list, "tuple": tuple}
#: Longest expression accepted (the shipped files' longest is under 200 characters).
MAX_LENGTH = 2000


class ZooExpressionError(ValueError):
    """An expression in a zoo file uses something the restricted evaluator refuses."""


@dataclass(frozen=True)
class ZooName:
    """A dotted name from an expression (e.g. ``nn.ReLU``), kept as text, never looked up."""

    name: str

    def __str__(self) -> str:
        return self.name


def evaluate_expression(text: str) -> Any:
    """The value of ``text``, a zoo expression, under the rules of this module.

    Raises :class:`ZooExpressionError` (a ``ValueError``) for anything not allowed, and for
    text that is not a Python expression at all.
    """
    if not isinstance(text, str):
        raise ZooExpressionError(f"expected the text of an expression, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ZooExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ZooExpressionError(f"not a Python expression ({err.msg})") from None
    return _value(tree.body)


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a bare name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _value(node: ast.expr) -> Any:
    """Evaluate one allowed node (recursively); raise for anything else."""
    if isinstance(node, ast.Constant) and isinstance(
        node.value, (int, float, str, bool, type(None))
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _value(node.operand)
        if isinstance(operand, (int, float)) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else operand
        raise ZooExpressionError("a sign is allowed in front of a number only")
    if isinstance(node, ast.List):
        return [_value(item) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(item) for item in node.elts)
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise ZooExpressionError("'**' unpacking is not allowed")
        return {_key(key): _value(value) for key, value in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.Call):
        return _call(node)
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = _dotted(node)
        if name in ALLOWED_NAMES:
            return ZooName(name)
        shown = name if name is not None else ast.unparse(node)
        raise ZooExpressionError(
            f"the name {shown!r} is not allowed (allowed: {', '.join(sorted(ALLOWED_NAMES))})"
        )
    raise ZooExpressionError(f"{type(node).__name__} ({ast.unparse(node)!r}) is not allowed")


def _key(node: ast.expr | None) -> Any:
    """A dict key: a literal string or number."""
    key = _value(node) if node is not None else None
    if not isinstance(key, (str, int, float)):
        raise ZooExpressionError("dict keys must be strings or numbers")
    return key


def _call(node: ast.Call) -> Any:
    """``dict(...)``, ``list(...)`` or ``tuple(...)`` of literals; nothing else is called."""
    func = node.func.id if isinstance(node.func, ast.Name) else _dotted(node.func)
    if func not in ALLOWED_CALLS:
        shown = func if func is not None else ast.unparse(node.func)
        raise ZooExpressionError(
            f"calling {shown!r} is not allowed (only {', '.join(ALLOWED_CALLS)})"
        )
    if any(isinstance(arg, ast.Starred) for arg in node.args) or any(
        keyword.arg is None for keyword in node.keywords
    ):
        raise ZooExpressionError("'*' and '**' unpacking are not allowed")
    args = [_value(arg) for arg in node.args]
    kwargs = {keyword.arg: _value(keyword.value) for keyword in node.keywords}
    if len(args) > 1:
        raise ZooExpressionError(f"{func}() takes at most one positional argument here")
    try:
        return ALLOWED_CALLS[func](*args, **kwargs)
    except (TypeError, ValueError) as err:
        raise ZooExpressionError(f"{func}(...) failed: {err}") from None
