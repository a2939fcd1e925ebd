"""Two submitted versions of an application compared, field by field and row by row.

Works on the plain data of services.application_snapshot (what ApplicationVersion
stores). Pieces are (kind, text) with kind in equal/delete/insert; templates mark them
with <del> and <ins>, so nothing here produces HTML.
"""

import difflib

from django.utils.translation import gettext_lazy

from .models import Application, Attachment
from .services import CHILD_MODELS

CHILD_TITLES = {
    "outputs": gettext_lazy("预期成果"),
    "budget": gettext_lazy("经费预算"),
    "team": gettext_lazy("项目团队"),
    "milestones": gettext_lazy("进度安排"),
}

MAIN_FIELDS = ("title", "area", "field", "summary", "plan")
CHILD_COLUMNS = {
    name: [
        (field, model._meta.get_field(field).verbose_name) for field in fields if field != "member"
    ]
    for name, (model, fields) in CHILD_MODELS.items()
}
CHILD_COLUMNS["attachments"] = [
    ("name", Attachment._meta.get_field("original_name").verbose_name),
    ("fingerprint", gettext_lazy("文件指纹")),
]
COMPARED_TABLES = {**CHILD_TITLES, "attachments": gettext_lazy("申报附件")}
CHAR_DIFF_LIMIT = 3000  # longer replaced passages are shown as removed + added whole


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(kind, text) pieces, kind in equal/delete/insert: lines first, then characters."""
    old_lines = (old or "").splitlines(keepends=True)
    new_lines = (new or "").splitlines(keepends=True)
    pieces = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        if op == "equal":
            pieces.append(("equal", before))
        elif op == "replace" and len(before) + len(after) <= CHAR_DIFF_LIMIT:
            chars = difflib.SequenceMatcher(None, before, after, autojunk=False)
            for cop, a1, a2, b1, b2 in chars.get_opcodes():
                if cop == "equal":
                    pieces.append(("equal", before[a1:a2]))
                    continue
                if a2 > a1:
                    pieces.append(("delete", before[a1:a2]))
                if b2 > b1:
                    pieces.append(("insert", after[b1:b2]))
        else:
            if before:
                pieces.append(("delete", before))
            if after:
                pieces.append(("insert", after))
    return pieces


def rows_diff(name: str, old: list[dict], new: list[dict]) -> list[tuple[str, list]]:
    """(kind, cells) per row of a child table: unchanged, removed or added rows."""
    columns = [field for field, _label in CHILD_COLUMNS[name]]

    def key(row):
        return tuple(str(row.get(field, "")) for field in columns)

    old_keys, new_keys = [key(r) for r in old], [key(r) for r in new]
    rows = []
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows += [("equal", list(cells)) for cells in new_keys[j1:j2]]
            continue
        rows += [("delete", list(cells)) for cells in old_keys[i1:i2]]
        rows += [("insert", list(cells)) for cells in new_keys[j1:j2]]
    return rows


def compare_snapshots(old: dict, new: dict) -> dict:
    """The main fields as text diffs and each child table as rows kept, removed, added."""
    fields = []
    for name in MAIN_FIELDS:
        before, after = str(old.get(name, "")), str(new.get(name, ""))
        fields.append(
            {
                "label": Application._meta.get_field(name).verbose_name,
                "changed": before != after,
                "pieces": text_diff(before, after),
            }
        )
    tables = []
    for name, title in COMPARED_TABLES.items():
        before, after = old.get(name, []), new.get(name, [])
        if name == "attachments":  # same name, other content: a change too
            before, after = _fingerprinted(before), _fingerprinted(after)
        rows = rows_diff(name, before, after)
        tables.append(
            {
                "title": title,
                "columns": [label for _field, label in CHILD_COLUMNS[name]],
                "rows": rows,
                "changed": any(kind != "equal" for kind, _cells in rows),
            }
        )
    return {"fields": fields, "tables": tables}


def _fingerprinted(attachments: list[dict]) -> list[dict]:
    return [{"name": a["name"], "fingerprint": a.get("sha256", "")[:12]} for a in attachments]
