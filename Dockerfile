# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY requirements.in constraints.txt ./
RUN pip install -r requirements.in -c constraints.txt

COPY . .

# Static files are collected at build time (production settings need a key, any key, to load).
RUN APP_ENV=production SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/build.sqlite3 \
        CELERY_BROKER_URL=redis://localhost:6379/0 CACHE_URL=locmemcache:// \
        python manage.py collectstatic --no-input \
    && useradd --create-home --uid 1000 app \
    && mkdir -p var/media \
    && chown -R app:app var

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "8", "--access-logfile", "-"]
