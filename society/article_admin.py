"""信息发布 in the admin: the secretariat writes notices and news and attaches files.

Imported at the end of society/admin.py. Attachments are checked (type from content, size,
name) and stored through society.services.publishing; every change is audited.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .admin_mixins import AuditedAdminMixin, SecretariatModuleMixin, SecretariatOnlyMixin
from .audit import log_action
from .errors import DomainError
from .models import Article, ArticleAttachment
from .services.publishing import ATTACHMENT_TYPES, article_attachment_add
from .uploads import check_upload


class AttachmentForm(forms.ModelForm):
    class Meta:
        model = ArticleAttachment
        fields = ("file",)
        widgets = {"file": forms.FileInput}  # private files have no URL to show

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if file and self.instance.pk is None:
            check_upload(file, allowed=ATTACHMENT_TYPES)  # ValidationError shows on the row
        return file

    def has_changed(self):
        # A stored attachment is only ever deleted, never replaced.
        return self.instance.pk is None and super().has_changed()


class AttachmentInline(SecretariatOnlyMixin, admin.TabularInline):
    model = ArticleAttachment
    form = AttachmentForm
    fields = ("file", "original_name", "size_display")
    readonly_fields = ("original_name", "size_display")
    extra = 1

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields

    @admin.display(description=_("大小"))
    def size_display(self, attachment):
        return filesizeformat(attachment.size) if attachment.pk else "—"


@admin.register(Article)
class ArticleAdmin(SecretariatModuleMixin, AuditedAdminMixin, admin.ModelAdmin):
    inlines = [AttachmentInline]
    list_display = ("title", "kind", "publish_at", "published", "call", "public_link")
    list_filter = ("kind", "published")
    search_fields = ("title", "summary", "body")
    date_hierarchy = "publish_at"
    autocomplete_fields = ("call",)
    fields = ("kind", "title", "summary", "body", "publish_at", "published", "call")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ArticleAttachment:
            return super().save_formset(request, form, formset, change)
        article = form.instance
        # What the admin's own history message reads.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.deleted_forms:
            attachment = row.instance
            if attachment.pk is None:
                continue
            log_action(
                "society.article.attachment_deleted",
                user=request.user,
                obj=article,
                data={"name": attachment.original_name},
            )
            attachment.delete()
            attachment.file.delete(save=False)
            formset.deleted_objects.append(attachment)
        for row in formset.forms:
            upload = row.cleaned_data.get("file") if row.has_changed() else None
            if upload is None or row in formset.deleted_forms:
                continue
            try:
                added = article_attachment_add(article=article, user=request.user, file=upload)
            except (DomainError, ValidationError) as error:
                messages.error(request, getattr(error, "message", str(error)))
            else:
                formset.new_objects.append(added)

    @admin.display(description=_("公开页面"))
    def public_link(self, article):
        return format_html(
            '<a href="{}">{}</a>', reverse("article-detail", args=[article.pk]), _("查看")
        )
