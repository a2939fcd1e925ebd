from django.db import models
from django.utils.translation import pgettext_lazy


class AwardStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("award status", "拟奖励")
    CONFIRMED = "confirmed", pgettext_lazy("award status", "已确认")
    WITHDRAWN = "withdrawn", pgettext_lazy("award status", "已撤回")
    REVOKED = "revoked", pgettext_lazy("award status", "已撤销")


# Awards that hold a place and money in the pool.
HOLDING_STATES = (AwardStatus.PROPOSED, AwardStatus.CONFIRMED)


class NoticeStatus(models.TextChoices):
    PUBLISHED = "published", pgettext_lazy("notice status", "公示中")
    CONFIRMED = "confirmed", pgettext_lazy("notice status", "已确认结果")


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("objection status", "待处理")
    UPHELD = "upheld", pgettext_lazy("objection status", "异议成立")
    DISMISSED = "dismissed", pgettext_lazy("objection status", "异议不成立")
