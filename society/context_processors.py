from django.conf import settings


def portal(request):
    return {"SOCIETY_NAME": settings.SOCIETY_NAME}
