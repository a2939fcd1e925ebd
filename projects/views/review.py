"""Placeholder until the expert portal lands (issue 3)."""

from django.views.generic import View


class _Pending(View):
    pass


ReviewListView = ReviewDetailView = ReviewConflictView = _Pending
