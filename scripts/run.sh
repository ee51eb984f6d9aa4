#!/usr/bin/env bash
# `make run`: migrate, load demo data once, then web + Celery worker + beat. Ctrl-C stops all.
# PORT (default 8000) is where the web server listens; e-mails link there too unless
# LETTERBRIDGE_SITE_URL says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
PORT=${PORT:-8000}
SITE="http://127.0.0.1:${PORT}"
export LETTERBRIDGE_SITE_URL=${LETTERBRIDGE_SITE_URL:-$SITE}
VAR=${LETTERBRIDGE_VAR_DIR:-var}
mkdir -p "$VAR/log" "$VAR/mail"

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

# One worker for every queue here; Compose runs one per queue group (README, "Running on
# several hosts").
$BIN/celery -A config worker -Q mail,pdf,payments,default --loglevel=INFO --concurrency=2 >"$VAR/log/worker.log" 2>&1 &
pids+=($!)
$BIN/celery -A config beat --loglevel=INFO >"$VAR/log/beat.log" 2>&1 &
pids+=($!)
$BIN/python manage.py runserver "127.0.0.1:${PORT}" &
pids+=($!)

cat <<MSG

  Letterbridge is running: ${SITE}/
  Staff admin:            ${SITE}/admin/
  Demo logins (local only): coordinator / letterbridge-demo
                            reviewer    / letterbridge-demo
                            volunteer   / letterbridge-demo
  What to try first with each: README.md, "After make run".
  Database: ${DATABASE_URL:-SQLite in $VAR/}   Broker: ${CELERY_BROKER_URL:-${REDIS_URL:-filesystem in $VAR/celery}}
  E-mails (links to ${LETTERBRIDGE_SITE_URL}) are written to $VAR/mail/; worker and beat logs
  to $VAR/log/.  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"
