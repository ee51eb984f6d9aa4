# One image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    LETTERBRIDGE_VAR_DIR=/app/var

WORKDIR /app
RUN useradd --create-home --uid 1000 letterbridge
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir uv==0.13.8 \
    && uv pip install --system --no-cache --require-hashes -r requirements.lock
COPY . .
RUN DJANGO_SECRET_KEY=build-only LETTERBRIDGE_TRACKING_KEY=build-only DJANGO_ALLOWED_HOSTS=x \
    LETTERBRIDGE_ENCRYPTION_KEYS=YnVpbGQtb25seS1ub3QtYS1yZWFsLWtleS0wMDAwMDA= \
    LETTERBRIDGE_LOOKUP_KEY=build-only \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var && chown -R letterbridge /app/var
USER letterbridge
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "4", "--access-logfile", "-", "--access-logformat", "%(h)s %(m)s %(s)s %(L)ss"]
