#!/usr/bin/env bash
# `make run`: migrate, load demo data once, then web + Celery worker + beat. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
mkdir -p var/log var/mail

$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py load_demo_data
$BIN/python manage.py check

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping…"
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

$BIN/celery -A config worker --loglevel=INFO --concurrency=2 >var/log/worker.log 2>&1 &
pids+=($!)
$BIN/celery -A config beat --loglevel=INFO >var/log/beat.log 2>&1 &
pids+=($!)
$BIN/python manage.py runserver 127.0.0.1:8000 &
pids+=($!)

cat <<MSG

  Letterbridge is running: http://127.0.0.1:8000/
  Staff admin:            http://127.0.0.1:8000/admin/
  Demo logins (local only): coordinator / letterbridge-demo
                            reviewer    / letterbridge-demo
                            volunteer   / letterbridge-demo
  Database: ${DATABASE_URL:-SQLite in var/}   Broker: ${CELERY_BROKER_URL:-${REDIS_URL:-filesystem in var/celery}}
  E-mails are written to var/mail/; worker and beat logs to var/log/.  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"
