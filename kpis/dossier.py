"""The acceptance dossier (验收材料) for the provincial review, as one ZIP:

    进展报告-….pdf                      the latest READY progress report of the year
    材料索引.xlsx                        one row per verified record and evidence file
    创新支撑力/I05 提供科技评价…/12-合同.pdf   the evidence, by area and indicator

Every name in the archive is made safe: no path separators, no control characters, no
characters Windows refuses, a bounded length, and unique within its folder. The archive
is written to a spooled temporary file, one evidence file at a time.
"""

import datetime
import io
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from society.errors import DomainError
from society.xlsx import escape_formula

from .enums import Area, RecordStatus, ReportStatus
from .models import ProgressReport, Record, RecordEvidence
from .reports import report_filename

NAME_LIMIT = 80  # characters of a file name, extension included
FOLDER_LIMIT = 40
SPOOL_BYTES = 16 * 1024 * 1024  # kept in memory below this, on disk above
CHUNK = 1024 * 1024
# Refused by Windows (besides / and \): the dossier is opened on the province's PCs.
UNSAFE_CHARACTERS = re.compile(r'[\\/:*?"<>|]')
RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}
INDEX_HEADERS = (
    gettext_lazy("一级指标"),
    gettext_lazy("指标"),
    gettext_lazy("记录编号"),
    gettext_lazy("记录名称"),
    gettext_lazy("填报单位"),
    gettext_lazy("日期"),
    gettext_lazy("佐证材料（压缩包内路径）"),
)
INDEX_WIDTHS = (12, 46, 9, 36, 30, 12, 70)


def safe_name(name: str, *, limit: int = NAME_LIMIT, fallback: str = "file") -> str:
    """A file or folder name that extracts the same everywhere and stays where it is put."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(
        " " if char in "\t\r\n" else char
        for char in name
        if unicodedata.category(char)[0] != "C" or char in "\t\r\n"
    )
    name = UNSAFE_CHARACTERS.sub("_", name)
    name = " ".join(name.split())  # no runs of spaces
    name = name.strip(" .")  # no "..", no hidden files, no trailing dot (Windows drops it)
    if not name:
        name = fallback
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 10:
        stem, dot, extension = name, "", ""
    stem = stem.rstrip(" .") or fallback
    if stem.split(".")[0].upper() in RESERVED:
        stem = "_" + stem
    room = limit - len(dot) - len(extension)
    if len(stem) > room:
        stem = stem[: room - 1].rstrip(" .") + "…"
    return f"{stem}{dot}{extension}"


def _folder(text: str) -> str:
    return safe_name(text, limit=FOLDER_LIMIT, fallback="_")


@dataclass
class Folder:
    """Names already taken in one folder of the archive (compared without case)."""

    taken: set[str] = field(default_factory=set)

    def claim(self, name: str) -> str:
        candidate, number = name, 1
        stem, dot, extension = name.rpartition(".")
        if not dot:
            stem, extension = name, ""
        while candidate.lower() in self.taken:
            number += 1
            candidate = f"{stem}-{number}{dot}{extension}"
        self.taken.add(candidate.lower())
        return candidate


@dataclass
class Entry:
    record: Record
    evidence: RecordEvidence | None
    path: str  # inside the archive; "" when the record has no evidence file


def latest_ready_report(year: int) -> ProgressReport | None:
    return (
        ProgressReport.objects.filter(year=year, status=ReportStatus.READY)
        .exclude(pdf="")
        .order_by("-as_of", "-pk")
        .first()
    )


def dossier_records(year: int):
    """Verified records of the year, with their indicator, organisation and evidence."""
    return (
        Record.objects.filter(indicator__year=year, status=RecordStatus.VERIFIED)
        .select_related("indicator", "branch", "member_unit")
        .prefetch_related(
            Prefetch("evidence", queryset=RecordEvidence.objects.order_by("uploaded_at", "pk"))
        )
        .order_by("indicator__order", "indicator__code", "occurred_on", "pk")
    )


def dossier_entries(records) -> list[Entry]:
    """Where each evidence file goes: <area>/<code name>/<record id>-<original name>."""
    folders: dict[str, Folder] = {}
    entries = []
    for record in records:
        indicator = record.indicator
        folder = "/".join(
            (
                _folder(str(Area(indicator.area).label)),
                _folder(f"{indicator.code} {indicator.name}"),
            )
        )
        files = list(record.evidence.all())
        if not files:
            entries.append(Entry(record=record, evidence=None, path=""))
        for evidence in files:
            name = safe_name(f"{record.pk}-{evidence.original_name}")
            name = folders.setdefault(folder, Folder()).claim(name)
            entries.append(Entry(record=record, evidence=evidence, path=f"{folder}/{name}"))
    return entries


def organisation_name(record: Record) -> str:
    organisation = record.organisation
    return str(organisation) if organisation else settings.SOCIETY_NAME


def index_xlsx(year: int, entries: list[Entry], missing: set[str]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("材料索引")
    sheet.append([_("%(year)d年度创建一流科技社团验收材料索引") % {"year": year}])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(INDEX_HEADERS))
    sheet.append([str(header) for header in INDEX_HEADERS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for entry in entries:
        record, indicator = entry.record, entry.record.indicator
        if not entry.path:
            location = _("（无佐证材料）")
        elif entry.path in missing:
            location = _("%(path)s（文件缺失，请联系管理员）") % {"path": entry.path}
        else:
            location = entry.path
        row = [
            str(Area(indicator.area).label),
            f"{indicator.code} {indicator.name}",
            record.pk,
            record.title,
            organisation_name(record),
            record.occurred_on,
            location,
        ]
        sheet.append([escape_formula(value) for value in row])
        sheet.cell(row=sheet.max_row, column=6).number_format = "yyyy-mm-dd"
    for column, width in enumerate(INDEX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(INDEX_HEADERS))}{sheet.max_row}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _copy_into(archive: zipfile.ZipFile, path: str, field_file) -> None:
    with field_file.open("rb") as source, archive.open(path, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, CHUNK)


def dossier_build(*, year: int, report: ProgressReport) -> tempfile.SpooledTemporaryFile:
    """The archive, rewound and ready to stream; the caller closes it."""
    entries = dossier_entries(dossier_records(year))
    output = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - streamed
    missing: set[str] = set()
    try:
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            try:
                _copy_into(archive, safe_name(report_filename(report, "pdf")), report.pdf)
            except FileNotFoundError as error:
                raise DomainError(
                    _("进展报告的 PDF 文件缺失，请重新生成报告后再下载验收材料。"),
                    code="report_missing",
                ) from error
            for entry in entries:
                if not entry.evidence:
                    continue
                try:
                    _copy_into(archive, entry.path, entry.evidence.file)
                except FileNotFoundError:
                    missing.add(entry.path)
            archive.writestr(_("材料索引.xlsx"), index_xlsx(year, entries, missing))
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output


def dossier_filename(year: int, day: datetime.date | None = None) -> str:
    day = day or timezone.localdate()
    return _("%(year)d年度创建一流科技社团验收材料-%(day)s.zip") % {
        "year": year,
        "day": f"{day:%Y%m%d}",
    }
