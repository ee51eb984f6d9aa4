"""A real IMAP server for the tests: Debian's Dovecot (dovecot-imapd, installed by
scripts/system-packages.sh), started on a free loopback port from a configuration written to a
temporary directory, with one mailbox user in a passwd file. Runs as any user: as root its
login and internal processes drop to Debian's dovenull and dovecot users."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from imap_tools import MailBoxUnencrypted

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "letters@example.org", "imap-test-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Dovecot:
    root: Path
    port: int
    process: subprocess.Popen | None = None

    @property
    def settings(self) -> dict[str, object]:
        """The LETTERBRIDGE_IMAP_* settings that point the poller at this server."""
        return {
            "LETTERBRIDGE_IMAP_HOST": "127.0.0.1",
            "LETTERBRIDGE_IMAP_PORT": self.port,
            "LETTERBRIDGE_IMAP_SECURITY": "none",
            "LETTERBRIDGE_IMAP_USER": USER,
            "LETTERBRIDGE_IMAP_PASSWORD": PASSWORD,
        }

    def mailbox(self) -> MailBoxUnencrypted:
        return MailBoxUnencrypted("127.0.0.1", self.port, timeout=30).login(USER, PASSWORD)

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.mailbox() as mailbox:
            mailbox.append(raw, folder)

    def count(self, folder: str) -> int:
        with self.mailbox() as mailbox:
            if not mailbox.folder.exists(folder):
                return 0
            mailbox.folder.set(folder)
            return len(mailbox.uids("ALL"))

    def empty(self) -> None:
        """Delete every message in every folder: each test starts with an empty mailbox."""
        with self.mailbox() as mailbox:
            for folder in mailbox.folder.list():
                mailbox.folder.set(folder.name)
                uids = mailbox.uids("ALL")
                if uids:
                    mailbox.delete(uids)

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
            self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


def _users() -> dict[str, str | int]:
    """Who Dovecot's processes and the mail files run as: ourselves, or as root Debian's
    unprivileged dovecot users (Dovecot refuses to log users in as root)."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return {"internal": me.pw_name, "login": me.pw_name, "uid": me.pw_uid, "gid": me.pw_gid}
    internal = pwd.getpwnam("dovecot")
    return {
        "internal": "dovecot",
        "login": "dovenull",
        "uid": internal.pw_uid,
        "gid": internal.pw_gid,
    }


def start_dovecot() -> Dovecot:
    if not Path(DOVECOT).exists():
        raise FileNotFoundError("dovecot is not installed (make system-packages)")
    root = Path(tempfile.mkdtemp(prefix="lb-dovecot-"))
    root.chmod(0o755)  # the mail user (not us, as root) must reach its home below
    users = _users()
    home = root / "home"
    home.mkdir()
    os.chown(home, users["uid"], users["gid"])
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = _free_port()
    (root / "dovecot.conf").write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = letterbridge-test-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {users["internal"]}
default_internal_group = {users["internal"] if os.geteuid() == 0 else users["gid"]}
default_login_user = {users["login"]}
first_valid_uid = {users["uid"]}
first_valid_gid = {users["gid"]}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={users["uid"]} gid={users["gid"]} home={home}/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""
    )
    server = Dovecot(root=root, port=port)
    server.process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with server.mailbox():
                return server
        except (OSError, Exception):  # noqa: BLE001, S112  not listening yet
            if server.process.poll() is not None:
                break
            time.sleep(0.1)
    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
    server.stop()
    raise RuntimeError(f"Dovecot did not start:\n{log}")
