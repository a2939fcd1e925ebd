"""Spreadsheet helpers shared by every import and export."""

from import_export.formats.base_formats import XLSX

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """Prefix formula-like text with an apostrophe so Excel and WPS show it as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeXLSX(XLSX):
    """The .xlsx format with formula-like cells escaped on export."""

    def export_data(self, dataset, **kwargs):
        escaped = dataset.__class__(headers=dataset.headers, title=dataset.title)
        for row in dataset:
            escaped.append([escape_formula(cell) for cell in row])
        return super().export_data(escaped, **kwargs)
