"""Placeholder until the applicant portal lands (issue 3)."""

from django.views.generic import View


class _Pending(View):
    pass


CallListView = CallDetailView = ApplicationListView = ApplicationCreateView = _Pending
ApplicationDetailView = ApplicationEditView = ApplicationTransitionView = _Pending
AttachmentUploadView = ApplicationVersionsView = AttachmentDownloadView = _Pending
AttachmentDeleteView = _Pending
