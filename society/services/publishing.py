"""信息发布: attachments of the secretariat's notices and news."""

from django.db import transaction
from django.utils.translation import gettext as _

from ..audit import log_action
from ..errors import DomainError
from ..models import Article, ArticleAttachment, User
from ..rules import is_secretariat
from ..uploads import checked_upload, save_with_file

ATTACHMENT_TYPES = ("pdf", "docx", "xlsx", "jpg", "png")


def article_attachment_add(*, article: Article, user: User, file) -> ArticleAttachment:
    """Check an upload (type from its content, size, name) and attach it to the article."""
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以上传附件。"), code="forbidden")
    info = checked_upload(file, allowed=ATTACHMENT_TYPES)
    with transaction.atomic():
        attachment = ArticleAttachment(
            article=article, original_name=info["name"], size=info["size"]
        )
        save_with_file(attachment, "file", file, info["name"])
        log_action(
            "society.article.attachment_added", user=user, obj=article, data={"name": info["name"]}
        )
    return attachment
