"""Placeholder: the portal views are being written (issue 3)."""

from django.views.generic import View


class _Pending(View):
    pass


CallListView = CallDetailView = ApplicationListView = ApplicationCreateView = _Pending
ApplicationDetailView = ApplicationEditView = ApplicationTransitionView = _Pending
AttachmentUploadView = ApplicationVersionsView = AttachmentDownloadView = _Pending
AttachmentDeleteView = ReviewListView = ReviewDetailView = ReviewConflictView = _Pending
