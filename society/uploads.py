"""Upload checks shared by every form that takes a file: name, size and type from content."""

import hashlib
import re
import unicodedata
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# extension -> (content type, label)
FILE_TYPES = {
    "pdf": ("application/pdf", "PDF"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word（.docx）",
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel（.xlsx）"),
    "jpg": ("image/jpeg", "JPG"),
    "jpeg": ("image/jpeg", "JPG"),
    "png": ("image/png", "PNG"),
}
ZIP_MEMBER = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
# Office files are zip archives of XML. A "zip bomb" is a small archive that expands to
# gigabytes: the declared sizes, the ratio to the file's size and the bytes really coming
# out of each member are all checked before anything reads the content.
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_RATIO = 100  # uncompressed / compressed; Office XML is usually 5 to 20
MAX_ZIP_MEMBERS = 2000
ZIP_CHUNK = 1024 * 1024
# Markup that makes a browser run a file as a web page, looked for in PDF and image files
# (a "polyglot": a real %PDF header with an HTML page or script inside), and PDF actions
# that run code when the file is opened.
ACTIVE_CONTENT = re.compile(
    rb"<\s*(script|html|iframe|object|embed|svg)[\s/>]|<!doctype\s+html|javascript:"
    rb"|\bon(load|error|click|mouseover)\s*=|/javascript\b|/launch\b",
    re.IGNORECASE,
)
SCAN_CHUNK = 1024 * 1024
SCAN_OVERLAP = 64
MAX_NAME_LENGTH = 120


def zip_bomb_error() -> ValidationError:
    return ValidationError(
        _("压缩内容过大或压缩比异常（可能是“压缩炸弹”），文件未被接受。请检查文件后重新上传。"),
        code="zip_bomb",
    )


def check_zip(archive: zipfile.ZipFile, compressed_size: int) -> None:
    """Refuse an archive that expands too far: by its declared sizes first, then by the
    bytes each member really gives (a forged header cannot hide a bomb)."""
    infos = archive.infolist()
    declared = sum(info.file_size for info in infos)
    if (
        len(infos) > MAX_ZIP_MEMBERS
        or declared > MAX_UNZIPPED_BYTES
        or declared > MAX_ZIP_RATIO * max(compressed_size, 1) + 1024 * 1024
    ):
        raise zip_bomb_error()
    total = 0
    try:
        for info in infos:
            produced = 0
            with archive.open(info) as member:
                while chunk := member.read(ZIP_CHUNK):
                    produced += len(chunk)
                    total += len(chunk)
                    if produced > info.file_size or total > declared:
                        raise zip_bomb_error()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
        # zipfile stops at the declared size and then finds the checksum wrong; encrypted
        # members (RuntimeError) and unknown compression methods cannot be checked.
        raise ValidationError(
            _("压缩文件已损坏或被改动过（内容与其记录的大小、校验和不符），文件未被接受。"),
            code="zip_damaged",
        ) from error


def has_active_content(file) -> bool:
    """True when the file holds markup or PDF actions a browser or reader would run."""
    file.seek(0)
    tail = b""
    while chunk := file.read(SCAN_CHUNK):
        if ACTIVE_CONTENT.search(tail + chunk):
            return True
        tail = chunk[-SCAN_OVERLAP:]
    return False


def detect_type(head: bytes, file) -> str | None:
    """The real type of a file from its first bytes (and, for Office files, its zip index)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
                check_zip(archive, file.size)
                if any(name.lower().endswith("vbaproject.bin") for name in names):
                    raise ValidationError(
                        _("文件含有宏（VBA 代码），不能上传。请另存为不含宏的文件后重新上传。"),
                        code="macro",
                    )
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
            return None
        for ext, member in ZIP_MEMBER.items():
            if member in names:
                return ext
    return None


def clean_filename(name: str) -> str:
    """The name the user gave, checked: no paths, no control characters, a sane length."""
    name = unicodedata.normalize("NFC", name or "")
    if not name.strip():
        raise ValidationError(_("文件名不能为空。"), code="name_empty")
    if "/" in name or "\\" in name or ".." in name or name.startswith("."):
        raise ValidationError(
            _("文件名不能包含路径（/、\\ 或 ..），请重命名后再上传。"), code="name_path"
        )
    if any(unicodedata.category(char)[0] == "C" for char in name):
        raise ValidationError(
            _("文件名含有不可见的控制字符，请重命名后再上传。"), code="name_control"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("文件名过长（最多%(n)d个字符），请重命名后再上传。") % {"n": MAX_NAME_LENGTH},
            code="name_length",
        )
    return name.strip()


def check_upload(file, *, allowed=("pdf", "docx", "xlsx", "jpg", "png")) -> dict:
    """Validate an uploaded file; returns name, extension, content type, size and sha256.

    Raises ValidationError with a Chinese message; the caller stores nothing then.
    """
    name = clean_filename(file.name)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    ext = "jpg" if ext == "jpeg" else ext
    allowed_labels = "、".join(dict.fromkeys(FILE_TYPES[kind][1] for kind in allowed))
    if ext not in allowed:
        raise ValidationError(
            _("不支持的文件类型。允许的类型：%(types)s。") % {"types": allowed_labels}, code="type"
        )
    if file.size == 0:
        raise ValidationError(_("文件是空的（0字节），请检查后重新上传。"), code="empty")
    limit = settings.UPLOAD_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            _("文件过大：%(size).1f MB，单个文件不能超过 %(limit)d MB。")
            % {"size": file.size / 1024 / 1024, "limit": limit // 1024 // 1024},
            code="size",
        )
    file.seek(0)
    head = file.read(16)
    detected = detect_type(head, file)
    if detected != ext:
        raise ValidationError(
            _(
                "文件内容与扩展名“.%(ext)s”不符（可能是改了扩展名的其他文件），请上传真实的%(types)s文件。"
            )
            % {"ext": ext, "types": allowed_labels},
            code="content",
        )
    if detected in ("pdf", "png", "jpg") and has_active_content(file):
        raise ValidationError(
            _(
                "文件中含有网页代码或可执行脚本（可能是伪装成%(ext)s的网页或带脚本的文件），"
                "不能上传。请另存为普通的%(types)s文件后重新上传。"
            )
            % {"ext": FILE_TYPES[ext][1], "types": FILE_TYPES[ext][1]},
            code="active_content",
        )
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return {
        "name": name,
        "ext": ext,
        "content_type": FILE_TYPES[ext][0],
        "size": file.size,
        "sha256": digest.hexdigest(),
    }


def checked_upload(file, *, allowed=("pdf", "docx", "xlsx", "jpg", "png")) -> dict:
    """check_upload for services: a refusal comes back as a DomainError the view shows."""
    from .errors import DomainError

    try:
        return check_upload(file, allowed=allowed)
    except ValidationError as error:
        raise DomainError(error.messages[0], code="upload") from error


def save_with_file(instance, field: str, file, name: str) -> None:
    """Store `file` in the instance's (private) file field, then save the row; the stored
    file is removed again when the row cannot be saved, so nothing is left behind."""
    getattr(instance, field).save(name, file, save=False)
    try:
        instance.save()
    except Exception:
        getattr(instance, field).delete(save=False)
        raise
