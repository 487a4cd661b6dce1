"""A small IAM identity-policy evaluator: enough of AWS's policy logic to decide the module's own policies exactly.

Implemented (IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements", checked 2026-12-01):
- an explicit Deny wins; otherwise any matching Allow allows; otherwise the request is implicitly denied;
- Action / NotAction: case-insensitive, with `*` and `?` wildcards ("s3:Get*", "kms:GenerateDataKey*", "*");
- Resource / NotResource: case-sensitive, `*` and `?` wildcards, each may span `:` and `/` (as in IAM);
- Condition: every operator block must hold, and within a block every key; a key holds when the request's value
  matches any of the policy's values. Operators: String{Equals,NotEquals,EqualsIgnoreCase,Like,NotLike},
  Arn{Equals,Like,NotEquals,NotLike}, Bool, Null, each with an `IfExists` form. A key the request does not carry
  makes a positive operator fail (and an ...IfExists one hold). Anything else raises `UnsupportedPolicy`, so a policy
  the evaluator cannot judge is never judged wrongly.

Not implemented, because no policy of the module uses it: policy variables (${aws:username}), numeric and date
operators, multi-valued keys (ForAnyValue/ForAllValues), resource-based policies, SCPs and permission boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ALLOW = "Allow"
DENY = "Deny"


class UnsupportedPolicy(ValueError):
    """The policy uses an element or operator this evaluator does not implement."""


@dataclass(frozen=True)
class Request:
    action: str  # "s3:GetObject"
    resource: str  # an ARN, or "*" for actions without resource-level permissions
    context: Mapping[str, str] = field(default_factory=dict)  # condition keys: "kms:ViaService" -> "s3.eu-west-1..."


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # "allowed by <sid>", "denied by <sid>", "no statement allows it"
    statement: Statement | None = None


@dataclass(frozen=True)
class Statement:
    sid: str
    effect: str
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]]

    def matches(self, request: Request) -> bool:
        return (
            self.matches_action(request.action)
            and self._matches_resource(request.resource)
            and _conditions_hold(self.conditions, request.context)
        )

    def matches_action(self, action: str) -> bool:
        if self.actions:
            return any(_wildcard(pattern, action, ignore_case=True) for pattern in self.actions)
        return not any(_wildcard(pattern, action, ignore_case=True) for pattern in self.not_actions)

    def _matches_resource(self, resource: str) -> bool:
        if self.resources:
            return any(_wildcard(pattern, resource) for pattern in self.resources)
        return not any(_wildcard(pattern, resource) for pattern in self.not_resources)


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(item) for item in value)


def parse(document: Mapping[str, Any] | str, name: str = "policy") -> list[Statement]:
    """The statements of a policy document (a dict or its JSON)."""
    if isinstance(document, str):
        import json

        document = json.loads(document)
    raw = document.get("Statement", [])
    if isinstance(raw, Mapping):
        raw = [raw]
    statements = []
    for index, item in enumerate(raw):
        unknown = set(item) - {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
        if unknown:
            raise UnsupportedPolicy(f"{name} statement {index}: unsupported element(s) {sorted(unknown)}")
        if item.get("Effect") not in (ALLOW, DENY):
            raise UnsupportedPolicy(f"{name} statement {index}: Effect must be Allow or Deny, got {item.get('Effect')}")
        if ("Action" in item) == ("NotAction" in item) or ("Resource" in item) == ("NotResource" in item):
            raise UnsupportedPolicy(f"{name} statement {index}: needs one of Action/NotAction, Resource/NotResource")
        conditions = {
            operator: {key: _as_tuple(values) for key, values in block.items()}
            for operator, block in dict(item.get("Condition") or {}).items()
        }
        for operator in conditions:
            _operator(operator)  # fails early on an operator the evaluator does not know
        statements.append(
            Statement(
                sid=str(item.get("Sid") or f"{name}[{index}]"),
                effect=item["Effect"],
                actions=_as_tuple(item.get("Action")),
                not_actions=_as_tuple(item.get("NotAction")),
                resources=_as_tuple(item.get("Resource")),
                not_resources=_as_tuple(item.get("NotResource")),
                conditions=conditions,
            )
        )
    return statements


def evaluate(statements: Sequence[Statement], request: Request) -> Decision:
    allowing = None
    for statement in statements:
        if not statement.matches(request):
            continue
        if statement.effect == DENY:
            return Decision(False, f"denied by {statement.sid}", statement)
        allowing = allowing or statement
    if allowing is not None:
        return Decision(True, f"allowed by {allowing.sid}", allowing)
    return Decision(False, "no statement allows it (implicit deny)")


def granted_actions(statements: Iterable[Statement]) -> list[tuple[str, str]]:
    """(statement sid, action pattern) of every Allow statement, as written."""
    return [(s.sid, action) for s in statements if s.effect == ALLOW for action in s.actions]


# --- matching -----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _pattern(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # IAM wildcards: * any run of characters (also ":" and "/"), ? one character; everything else is literal.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", (re.IGNORECASE | re.DOTALL) if ignore_case else re.DOTALL)


def _wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return bool(_pattern(pattern, ignore_case).match(value))


_OPERATORS = {
    "StringEquals": (lambda e, a: e == a, False),
    "StringNotEquals": (lambda e, a: e == a, True),
    "StringEqualsIgnoreCase": (lambda e, a: e.lower() == a.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda e, a: e.lower() == a.lower(), True),
    "StringLike": (_wildcard, False),
    "StringNotLike": (_wildcard, True),
    "ArnEquals": (lambda e, a: e == a, False),
    "ArnNotEquals": (lambda e, a: e == a, True),
    "ArnLike": (_wildcard, False),
    "ArnNotLike": (_wildcard, True),
    "Bool": (lambda e, a: e.lower() == a.lower(), False),
}


def _operator(name: str) -> tuple[str, bool]:
    """(base operator, if-exists) for a condition operator; raises UnsupportedPolicy for anything else."""
    base = name.removesuffix("IfExists")
    if base not in _OPERATORS and base != "Null":
        raise UnsupportedPolicy(f"condition operator {name} is not supported by this evaluator")
    return base, name.endswith("IfExists")


def _conditions_hold(conditions: Mapping[str, Mapping[str, tuple[str, ...]]], context: Mapping[str, str]) -> bool:
    for operator, block in conditions.items():
        base, if_exists = _operator(operator)
        for key, expected in block.items():
            actual = _context_value(context, key)
            if base == "Null":
                # "Null": "true" holds when the key is absent, "false" when it is present.
                if not any((actual is None) == (value.lower() == "true") for value in expected):
                    return False
                continue
            if actual is None:
                if if_exists:
                    continue
                return False
            compare, negated = _OPERATORS[base]
            matched = any(compare(value, actual) for value in expected)
            if matched == negated:
                return False
    return True


def _context_value(context: Mapping[str, str], key: str) -> str | None:
    # Condition keys are case-insensitive in their name (IAM User Guide); values are compared as the operator says.
    for name, value in context.items():
        if name.lower() == key.lower():
            return value
    return None
