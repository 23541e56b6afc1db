"""Turn pydantic validation errors into located diagnostics a person can act on."""
from __future__ import annotations

import difflib
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..infra.diagnostics import Diagnostic, error, quoted
from ..infra.yamlsource import YamlDocument
from ..model.text import shown


def field_name(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{quoted(part)}" if out else quoted(part))
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the model accepts at `loc` (the mapping that holds an unknown key)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def diagnostics_from(exc: ValidationError, doc: YamlDocument, model: type[BaseModel],
                     prefix: tuple = ()) -> list[Diagnostic]:
    out = []
    for err in exc.errors(include_url=False):
        # union tags (`block:callout`, see model/blocks.py) name no YAML key
        loc = prefix + tuple(p for p in err["loc"]
                             if not (isinstance(p, str) and p.startswith(("function-", "block:"))))
        kind = err["type"]
        name = field_name(loc)
        if kind == "extra_forbidden":
            key = loc[-1]
            allowed = _allowed_keys(model, loc[len(prefix):-1])
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean `{close[0]}`?" if close else (
                f"allowed keys here: {', '.join(allowed)}" if allowed else "remove it")
            where = doc.where(loc, key=True)
            out.append(error(doc.path, f"unknown key `{quoted(key)}`", line=where.line, column=where.column,
                             field=name, hint=hint, code="unknown-key"))
            continue
        where = doc.where(loc)
        if kind == "missing":
            hint = f"add `{loc[-1]}:` here"
            message = "is required but missing"
        else:
            message = _message(err)
            hint = _hint(kind, loc)
        out.append(error(doc.path, message, line=where.line, column=where.column, field=name, hint=hint,
                         code="invalid-value"))
    return out


def _message(err: ErrorDetails) -> str:
    """pydantic's message, with the value quoted short and limits said as limits."""
    kind, given, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if kind == "string_too_long" and isinstance(given, str):
        return f"is {len(given):,} characters long, over the limit of {ctx.get('max_length', 0):,}"
    if kind == "too_long" and isinstance(given, (list, dict)):
        return f"has {len(given):,} items, over the limit of {ctx.get('max_length', 0):,}"
    message = err["msg"].removeprefix("Value error, ")
    if kind != "value_error" and given is not None and not isinstance(given, (dict, list)):
        message += f" (got {shown(given)})"
    return message


def _hint(kind: str, loc: tuple) -> str:
    last = loc[-1] if loc else ""
    if kind in ("string_too_long", "too_long"):
        return "the limits on input are listed in README.md (Data, Limits); shorten or split it"
    if kind == "string_pattern_mismatch" and (last == "matrix" or len(loc) >= 2 and loc[-2] == "matrices"):
        return ("write a matrix id (lower-case letters, digits, '.', '_', '-': the folder name under "
                "data/matrices/), never a path")
    if kind.startswith("date"):
        return "write the date as YYYY-MM-DD"
    if kind == "string_pattern_mismatch" and last == "id":
        return "use lower-case letters, digits and '-' (a customer id may also use upper case and '_')"
    if kind == "string_type" and len(loc) >= 4 and loc[-2] == "items" and loc[-4] == "items":
        return ("lists nest one level: a nested list's items are text; write this item as text, or move "
                "its list up a level")
    if kind == "string_type":
        return "quote the value so that YAML reads it as text"
    if kind == "literal_error":
        return "use one of the values listed"
    if kind in ("list_type",):
        return "write a list: one `- item` per line"
    if kind in ("dict_type", "model_type"):
        return "write a mapping: `key: value` lines indented under this key"
    return ""
