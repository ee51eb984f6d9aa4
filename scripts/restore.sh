#!/usr/bin/env bash
# make restore FILE=var/backups/letterbridge-….dump: replace DATABASE_URL's contents with the
# backup, in one transaction (a failed restore leaves the database as it was). Asks first
# unless FORCE=1.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to restore into}"
file=${1:?usage: restore.sh BACKUP_FILE}
[ -r "$file" ] || { echo "cannot read $file" >&2; exit 2; }
pg_restore --list "$file" >/dev/null
if [ "${FORCE:-0}" != "1" ]; then
  read -r -p "Replace every table in ${DATABASE_URL##*@} with $file? Type yes: " answer
  [ "$answer" = "yes" ] || { echo "Nothing changed."; exit 1; }
fi
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
  --exit-on-error --dbname="$DATABASE_URL" "$file"
echo "Restored $file. Next: manage.py migrate, then manage.py forget_cache, then start the services."
