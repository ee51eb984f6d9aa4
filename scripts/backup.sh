#!/usr/bin/env bash
# make backup: a custom-format pg_dump of DATABASE_URL into var/backups/ (or $BACKUP_DIR),
# readable by its owner only. Prints the file's path.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "backup needs PostgreSQL" >&2; exit 2;; esac
dir=${BACKUP_DIR:-var/backups}
umask 077
mkdir -p "$dir"
file="$dir/letterbridge-$(date -u +%Y%m%dT%H%M%SZ).dump"
pg_dump --format=custom --no-owner --no-privileges --file="$file" "$DATABASE_URL"
pg_restore --list "$file" >/dev/null  # the archive is readable
echo "$file"
