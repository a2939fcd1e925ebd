# The platform's image: web (gunicorn), worker and beat (celery) all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango and HarfBuzz (subset, or PDFs take seconds); fonts-noto-cjk so
# Chinese is not printed as boxes; gettext to compile the English translation.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 sctj \
    && mkdir -p /data/private_media \
    && chown -R sctj:sctj /data

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install .

COPY . .
RUN python manage.py compilemessages --ignore=.venv --verbosity 0 \
    && DJANGO_SETTINGS_MODULE=config.settings.production \
       DJANGO_SECRET_KEY=collectstatic-only-not-used-at-run-time \
       DJANGO_ALLOWED_HOSTS=localhost \
       python manage.py collectstatic --noinput --verbosity 0

ENV DJANGO_SETTINGS_MODULE=config.settings.production \
    PRIVATE_MEDIA_ROOT=/data/private_media
USER sctj
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-"]
