"""Sending one notification: a JSON POST to a webhook, or an e-mail through SMTP.

Each sender either returns (delivered) or raises :class:`DeliveryError` with a sentence; the
outbox decides about retries. Timeouts are short so a dead receiver costs seconds, not minutes.

E-mail settings come from the environment, never from a file of ours:
``MODEL_MONITOR_SMTP_HOST`` (required), ``_PORT`` (587), ``_TLS`` (``starttls``, ``ssl`` or
``none``), ``_USER``, ``_FROM`` (default: the user), and the password from
``MODEL_MONITOR_SMTP_PASSWORD`` or else the OS keyring (service ``model-monitor-desktop-smtp``,
the user name as the key).
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage

from core.errors import AppError
from core.notifications.message import AlertNotice, email_text, slack_payload

TIMEOUT_S = 10.0
KEYRING_SERVICE = "model-monitor-desktop-smtp"
ENV = "MODEL_MONITOR_SMTP_"


class DeliveryError(AppError):
    """One delivery attempt failed; the message says why in one sentence."""


def send_webhook(url: str, notice: AlertNotice) -> None:
    body = json.dumps(slack_payload(notice)).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "model-monitor-desktop"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            response.read(65536)
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"The webhook answered HTTP {error.code}.") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"The webhook could not be reached: {reason}.") from None


def send_email(address: str, notice: AlertNotice, env: dict | None = None) -> None:
    env = os.environ if env is None else env
    host = env.get(ENV + "HOST", "").strip()
    if not host:
        raise DeliveryError(f"E-mail needs an SMTP server: set {ENV}HOST (and {ENV}PORT, "
                            f"{ENV}USER, {ENV}TLS) in the environment.")
    tls = env.get(ENV + "TLS", "starttls").strip().lower()
    if tls not in ("starttls", "ssl", "none"):
        raise DeliveryError(f"{ENV}TLS must be starttls, ssl or none, not {tls!r}.")
    try:
        port = int(env.get(ENV + "PORT", "465" if tls == "ssl" else "587"))
    except ValueError:
        raise DeliveryError(f"{ENV}PORT is not a port number.") from None
    user = env.get(ENV + "USER", "").strip()
    password = env.get(ENV + "PASSWORD") or (_keyring_password(user) if user else None)
    subject, text = email_text(notice)
    message = EmailMessage()
    message["Subject"], message["To"] = subject, address
    message["From"] = env.get(ENV + "FROM", "").strip() or user or "model-monitor@localhost"
    message.set_content(text)
    try:
        context = ssl.create_default_context()
        if tls == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_S, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
        with smtp:
            if tls == "starttls":
                smtp.starttls(context=context)
            if user and password:
                smtp.login(user, password)
            smtp.send_message(message)
    except smtplib.SMTPException as error:
        raise DeliveryError(f"The SMTP server refused the message: {error}.") from None
    except (OSError, ssl.SSLError) as error:
        raise DeliveryError(f"The SMTP server {host}:{port} could not be reached: "
                            f"{error}.") from None


def _keyring_password(user: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, user)
    except Exception:  # no keyring backend on this machine: the environment is the other way
        return None
