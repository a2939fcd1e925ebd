from django.db import models
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    STAFF = "staff", pgettext_lazy("role", "秘书处")
    OFFICER = "officer", pgettext_lazy("role", "机构联络员")
    EXPERT = "expert", pgettext_lazy("role", "评审专家")
    LEADER = "leader", pgettext_lazy("role", "学会领导")
    MEMBER = "member", pgettext_lazy("role", "个人会员")


class BranchType(models.TextChoices):
    PROFESSIONAL = "professional", pgettext_lazy("branch type", "专业委员会")
    WORKING = "working", pgettext_lazy("branch type", "工作委员会")
    LOCAL = "local", pgettext_lazy("branch type", "地方学会")


class UnitType(models.TextChoices):
    CONSTRUCTION = "construction", pgettext_lazy("unit type", "施工企业")
    DESIGN = "design", pgettext_lazy("unit type", "勘察设计单位")
    UNIVERSITY = "university", pgettext_lazy("unit type", "高等院校")
    RESEARCH = "research", pgettext_lazy("unit type", "科研院所")
    TESTING = "testing", pgettext_lazy("unit type", "检测咨询机构")
    PUBLIC = "public", pgettext_lazy("unit type", "行政事业单位")
    OTHER = "other", pgettext_lazy("unit type", "其他")


class UnitGrade(models.TextChoices):
    MEMBER = "member", pgettext_lazy("unit grade", "会员单位")
    COUNCIL = "council", pgettext_lazy("unit grade", "理事单位")
    STANDING = "standing", pgettext_lazy("unit grade", "常务理事单位")
    VICE_PRESIDENT = "vice_president", pgettext_lazy("unit grade", "副理事长单位")


class OrgStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("organisation status", "正常")
    SUSPENDED = "suspended", pgettext_lazy("organisation status", "暂停")
    WITHDRAWN = "withdrawn", pgettext_lazy("organisation status", "已退出")


class Gender(models.TextChoices):
    MALE = "male", pgettext_lazy("gender", "男")
    FEMALE = "female", pgettext_lazy("gender", "女")


class MemberGrade(models.TextChoices):
    STUDENT = "student", pgettext_lazy("member grade", "学生会员")
    REGULAR = "regular", pgettext_lazy("member grade", "会员")
    SENIOR = "senior", pgettext_lazy("member grade", "高级会员")
    FELLOW = "fellow", pgettext_lazy("member grade", "资深会员")


class MemberStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("member status", "待审核")
    ACTIVE = "active", pgettext_lazy("member status", "正常")
    LAPSED = "lapsed", pgettext_lazy("member status", "已过期")
    WITHDRAWN = "withdrawn", pgettext_lazy("member status", "已退会")


class ProfessionalTitle(models.TextChoices):
    SENIOR_ENGINEER_PROF = "senior_engineer_prof", pgettext_lazy("title", "正高级工程师")
    SENIOR_ENGINEER = "senior_engineer", pgettext_lazy("title", "高级工程师")
    ENGINEER = "engineer", pgettext_lazy("title", "工程师")
    ASSISTANT_ENGINEER = "assistant_engineer", pgettext_lazy("title", "助理工程师")
    PROFESSOR = "professor", pgettext_lazy("title", "教授")
    ASSOCIATE_PROFESSOR = "associate_professor", pgettext_lazy("title", "副教授")
    LECTURER = "lecturer", pgettext_lazy("title", "讲师")
    RESEARCHER = "researcher", pgettext_lazy("title", "研究员")
    ASSOCIATE_RESEARCHER = "associate_researcher", pgettext_lazy("title", "副研究员")
    ARCHITECT = "architect", pgettext_lazy("title", "高级建筑师")
    OTHER = "other", pgettext_lazy("title", "其他")


class RegistrationStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", pgettext_lazy("registration status", "待确认邮箱")
    PENDING = "pending", pgettext_lazy("registration status", "待审核")
    APPROVED = "approved", pgettext_lazy("registration status", "已批准")
    REJECTED = "rejected", pgettext_lazy("registration status", "未批准")


class DuesStatus(models.TextChoices):
    UNPAID = "unpaid", pgettext_lazy("dues status", "未缴")
    PAID = "paid", pgettext_lazy("dues status", "已缴")
    EXEMPT = "exempt", pgettext_lazy("dues status", "免缴")


class ArticleKind(models.TextChoices):
    CALL = "call", pgettext_lazy("article kind", "申报通知")
    NOTICE = "notice", pgettext_lazy("article kind", "公示")
    ANNOUNCEMENT = "announcement", pgettext_lazy("article kind", "通知公告")
    NEWS = "news", pgettext_lazy("article kind", "学会新闻")
    ACTIVITY = "activity", pgettext_lazy("article kind", "活动报道")
