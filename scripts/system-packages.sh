#!/usr/bin/env bash
# Debian packages `make test` and `make bench` use: Chromium for the browser tests, wrk to load
# the server from outside the process, Dovecot (dovecot-imapd) as the IMAP server the Inbox's
# poller is tested against. (PDFs are rasterised in tests by pypdfium2, a pip wheel.)
# Installs only what is missing, so a prepared machine pays nothing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] || need+=(dovecot-imapd)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
