"""Spreadsheet helpers shared by every import and export.

Imports read the first sheet as a stream and refuse, with a Chinese message, before
holding much in memory: files over the upload limit, archives that expand too far (zip
bombs), sheets that declare or hold more rows or columns than an import may have, cells
holding control characters or direction overrides (society.validators), and formula
cells (a formula is refused, not evaluated; text that merely starts with "=" is kept as
text and escaped again on export).
"""

import io
import zipfile

import openpyxl
import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export.formats.base_formats import XLSX
from openpyxl.utils import get_column_letter

from .uploads import check_zip
from .validators import REFUSED_IN_TEXT

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Larger imports are split by the secretariat; the registry has ~20,000 members.
MAX_IMPORT_ROWS = 50_000
MAX_IMPORT_COLUMNS = 100


class SpreadsheetRefused(ValueError):
    """A file the import will not read; str() is the reason, in Chinese, for the user."""


def escape_formula(value):
    """Prefix formula-like text with an apostrophe so Excel and WPS show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _limits_message() -> dict:
    return {"rows": MAX_IMPORT_ROWS, "columns": MAX_IMPORT_COLUMNS}


def _too_large(rows: int, columns: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        _(
            "表格过大：工作表有 %(found_rows)d 行、%(found_columns)d 列，一次最多导入 "
            "%(rows)d 行、%(columns)d 列。请删除多余的行列（或把数据复制到新的工作表），"
            "必要时分批导入。"
        )
        % {"found_rows": rows, "found_columns": columns, **_limits_message()}
    )


def read_sheet(content: bytes, *, ignore_blank_lines: bool = False) -> tablib.Dataset:
    """The first sheet as a Dataset (first row: headers), refusing what an import must not
    read. Raises SpreadsheetRefused."""
    limit = settings.UPLOAD_MAX_BYTES
    if len(content) > limit:
        raise SpreadsheetRefused(
            _("文件过大：%(size).1f MB，导入文件不能超过 %(limit)d MB。")
            % {"size": len(content) / 1024 / 1024, "limit": limit // 1024 // 1024}
        )
    not_xlsx = SpreadsheetRefused(
        _("无法读取：不是有效的 Excel（.xlsx）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入。")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            check_zip(archive, len(content))
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except ValidationError as error:
        raise SpreadsheetRefused(error.messages[0]) from error
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise not_xlsx from error
    try:
        return _dataset(book.active, ignore_blank_lines=ignore_blank_lines)
    except SpreadsheetRefused:
        raise
    except Exception as error:
        raise not_xlsx from error
    finally:
        book.close()


def _dataset(sheet, *, ignore_blank_lines: bool) -> tablib.Dataset:
    # The <dimension> the file declares: refuse at once what is too large to read.
    declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
    if declared_rows > MAX_IMPORT_ROWS + 1 or declared_columns > MAX_IMPORT_COLUMNS:
        raise _too_large(declared_rows, declared_columns)
    # The declaration may be missing or false: count the rows really there while reading,
    # without padding them to the declared size.
    sheet.reset_dimensions()
    rows = []
    for number, cells in enumerate(sheet.iter_rows(), 1):
        if number > MAX_IMPORT_ROWS + 1:
            raise _too_large(number, max(len(row) for row in rows))
        if len(cells) > MAX_IMPORT_COLUMNS:
            raise _too_large(number, len(cells))
        values = []
        for cell in cells:
            if getattr(cell, "data_type", None) == "f":
                raise SpreadsheetRefused(
                    _(
                        "表格第 %(row)d 行 %(column)s 列是公式（%(formula)s）。"
                        "导入只接受数值和文字，请把公式复制后“选择性粘贴为数值”，再导入。"
                    )
                    % {
                        "row": number,
                        "column": get_column_letter(cell.column),
                        "formula": str(cell.value)[:50],
                    }
                )
            if isinstance(cell.value, str) and REFUSED_IN_TEXT.search(cell.value):
                char = REFUSED_IN_TEXT.search(cell.value).group()
                raise SpreadsheetRefused(
                    _(
                        "表格第 %(row)d 行 %(column)s 列含有不可见的控制字符（U+%(code)04X），"
                        "请删除后再导入。"
                    )
                    % {"row": number, "column": get_column_letter(cell.column), "code": ord(char)}
                )
            values.append(cell.value)
        rows.append(values)
    dataset = tablib.Dataset()
    if not rows:
        return dataset
    width = max(len(row) for row in rows)
    padded = [row + [None] * (width - len(row)) for row in rows]
    dataset.headers = padded[0]
    for row in padded[1:]:
        if ignore_blank_lines and all(value is None for value in row):
            continue
        dataset.append(row)
    return dataset


class SafeXLSX(XLSX):
    """The .xlsx format: imports read through read_sheet, exports escape formula-like cells."""

    def create_dataset(self, in_stream):
        return read_sheet(
            in_stream,
            ignore_blank_lines=getattr(settings, "IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES", False),
        )

    def export_data(self, dataset, **kwargs):
        escaped = dataset.__class__(headers=dataset.headers, title=dataset.title)
        for row in dataset:
            escaped.append([escape_formula(cell) for cell in row])
        return super().export_data(escaped, **kwargs)
