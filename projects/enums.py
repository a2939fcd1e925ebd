from django.db import models
from django.utils.translation import pgettext_lazy


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("application status", "草稿")
    SUBMITTED = "submitted", pgettext_lazy("application status", "已提交")
    RETURNED = "returned", pgettext_lazy("application status", "退回修改")
    NOT_ACCEPTED = "not_accepted", pgettext_lazy("application status", "不予受理")
    UNDER_REVIEW = "under_review", pgettext_lazy("application status", "专家评审中")
    REVIEWED = "reviewed", pgettext_lazy("application status", "已评审")
    PUBLICIZED = "publicized", pgettext_lazy("application status", "公示中")
    AWARDED = "awarded", pgettext_lazy("application status", "已获奖")
    NOT_AWARDED = "not_awarded", pgettext_lazy("application status", "未获奖")
    IN_PROGRESS = "in_progress", pgettext_lazy("application status", "实施中")
    INSPECTION = "inspection", pgettext_lazy("application status", "中期检查")
    FINAL_SUBMITTED = "final_submitted", pgettext_lazy("application status", "结题提交")
    ACCEPTED = "accepted", pgettext_lazy("application status", "验收通过")
    FAILED = "failed", pgettext_lazy("application status", "验收不通过")
    ARCHIVED = "archived", pgettext_lazy("application status", "已归档")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "已撤回")
    TERMINATED = "terminated", pgettext_lazy("application status", "已终止")


# States in which the applicant may still edit the application.
EDITABLE_STATES = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


class ReviewStatus(models.TextChoices):
    ASSIGNED = "assigned", pgettext_lazy("review status", "待评审")
    DRAFT = "draft", pgettext_lazy("review status", "评审中")
    SUBMITTED = "submitted", pgettext_lazy("review status", "已提交")
    CONFLICT = "conflict", pgettext_lazy("review status", "已回避")


class AttachmentKind(models.TextChoices):
    APPLICATION = "application", pgettext_lazy("attachment kind", "申报材料")
    EVIDENCE = "evidence", pgettext_lazy("attachment kind", "佐证材料")
    PROGRESS = "progress", pgettext_lazy("attachment kind", "进展材料")


class InspectionResult(models.TextChoices):
    PASSED = "passed", pgettext_lazy("inspection result", "通过")
    RECTIFY = "rectify", pgettext_lazy("inspection result", "整改")


class AcceptanceResult(models.TextChoices):
    PASSED = "passed", pgettext_lazy("acceptance result", "验收通过")
    FAILED = "failed", pgettext_lazy("acceptance result", "验收不通过")
