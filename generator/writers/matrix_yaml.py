"""A matrix written as the YAML a person edits: short keys, one line per role set
(`roles: {customer: RA, provider: CI}`), dates unquoted, stable key order, no aliases."""
from __future__ import annotations

import yaml

from ..model import Activity, Matrix, Section


class _Flow(dict):
    """A mapping written on one line."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


_Dumper.add_representer(_Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data.items(),
                                                                    flow_style=True))


def _blocks(blocks: list) -> list:
    """Paragraphs as strings; callouts and quotes as the mappings a person writes."""
    return [b if isinstance(b, str) else b.model_dump(mode="json", exclude_defaults=True) for b in blocks]


def _activity(a: Activity) -> dict:
    out: dict = {"id": a.id}
    if a.before:
        out["before"] = _blocks(a.before)
    out.update(text=a.text, roles=_Flow({k: (v or "") for k, v in a.roles.items()}))
    return out


def _section(section: Section) -> dict:
    out: dict = {"title": section.title}
    if section.intro:
        out["intro"] = _blocks(section.intro)
    if section.activities:
        out["activities"] = [_activity(a) for a in section.activities]
    if section.notes:
        out["notes"] = _blocks(section.notes)
    if section.sections:
        out["sections"] = [_section(s) for s in section.sections]
    return out


def to_data(matrix: Matrix) -> dict:
    m = matrix
    out: dict = {"id": m.id, "lang": m.lang, "title": m.title}
    if m.service:
        out["service"] = m.service
    out["version"] = m.version
    out["status"] = m.status
    if m.approval:
        out["approval"] = _Flow({"by": m.approval.by, "date": m.approval.date})
    if m.history:
        out["history"] = [_Flow({"version": r.version, "date": r.date, "summary": r.summary}) for r in m.history]
    if m.rules.model_dump() != type(m.rules)().model_dump():
        out["rules"] = _Flow(m.rules.model_dump())
    if m.page:
        out["page"] = _Flow(m.page)
    out["parties"] = [_Flow({k: v for k, v in p.model_dump().items() if v is not None}) for p in m.parties]
    if m.legend_title:
        out["legend_title"] = m.legend_title
    if m.legend_intro:
        out["legend_intro"] = _blocks(m.legend_intro)
    if m.legend:
        out["legend"] = [_Flow(e.model_dump()) for e in m.legend]
    if m.intro:
        out["intro"] = _blocks(m.intro)
    out["sections"] = [_section(s) for s in m.sections]
    return out


def render(matrix: Matrix) -> str:
    body = yaml.dump(to_data(matrix), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100000,
                     default_flow_style=False)
    return f"# Matrix `{matrix.id}` ({matrix.lang}). Check with: annex validate {matrix.lang}.yaml\n" + body
