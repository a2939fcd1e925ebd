"""信息发布: attachments of the secretariat's notices and news."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..audit import log_action
from ..errors import DomainError
from ..models import Article, ArticleAttachment, User
from ..rules import is_secretariat
from ..uploads import check_upload

ATTACHMENT_TYPES = ("pdf", "docx", "xlsx", "jpg", "png")


def article_attachment_add(*, article: Article, user: User, file) -> ArticleAttachment:
    """Check an upload (type from its content, size, name) and attach it to the article."""
    if not is_secretariat(user):
        raise DomainError(_("只有秘书处可以上传附件。"), code="forbidden")
    try:
        info = check_upload(file, allowed=ATTACHMENT_TYPES)
    except ValidationError as error:
        raise DomainError(error.messages[0], code="upload") from error
    with transaction.atomic():
        attachment = ArticleAttachment(
            article=article, original_name=info["name"], size=info["size"]
        )
        attachment.file.save(info["name"], file, save=False)
        attachment.save()
        log_action(
            "society.article.attachment_added", user=user, obj=article, data={"name": info["name"]}
        )
    return attachment
