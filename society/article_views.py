"""信息发布 for everyone: the list of published notices and news, each article and its
attachments. An article not yet published (or published for later) does not exist here."""

from django import forms
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, ListView

from .enums import ArticleKind
from .forms import PlainTextFormMixin
from .models import Article, ArticleAttachment
from .storage import stream_private


def published_articles(now=None):
    return Article.objects.filter(published=True, publish_at__lte=now or timezone.now())


class ArticleSearchForm(PlainTextFormMixin, forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("标题或正文关键词"), "type": "search"}),
    )
    kind = forms.ChoiceField(
        label=_("栏目"), required=False, choices=[("", _("全部栏目")), *ArticleKind.choices]
    )


class ArticleListView(ListView):
    template_name = "society/articles/list.html"
    context_object_name = "articles"
    paginate_by = 20

    def get_queryset(self):
        self.search_form = ArticleSearchForm(self.request.GET)
        self.filters = self.search_form.cleaned_data if self.search_form.is_valid() else {}
        articles = published_articles().select_related("call").order_by("-publish_at", "-id")
        query = (self.filters.get("q") or "").strip()
        if query:
            articles = articles.filter(Q(title__icontains=query) | Q(body__icontains=query))
        if self.filters.get("kind"):
            articles = articles.filter(kind=self.filters["kind"])
        return articles

    def get_context_data(self, **kwargs):
        params = {name: value for name, value in self.filters.items() if value}
        return super().get_context_data(
            search_form=self.search_form, query=urlencode(params), **kwargs
        )


class ArticleDetailView(DetailView):
    template_name = "society/articles/detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return published_articles().select_related("call").prefetch_related("attachments")


class AttachmentDownloadView(View):
    """Streams an attachment of a published article to anyone."""

    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        attachment = get_object_or_404(
            ArticleAttachment,
            pk=self.kwargs["pk"],
            article__in=published_articles(),
        )
        return stream_private(attachment.file, attachment.original_name)
