"""Content-Security-Policy header (Django 5.2 has no built-in CSP support)."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Adds settings.CONTENT_SECURITY_POLICY to every response that does not set its own.

    Every script and style sheet is served from the project itself (no CDN), so the
    policy only needs 'self'. Styles also allow 'unsafe-inline' because the Django admin,
    django-import-export and htmx's indicator styles use inline style attributes.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
