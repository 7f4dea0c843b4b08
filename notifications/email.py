"""E-mail through Django's e-mail backend (SMTP in production, console in
development), with SMTP answers sorted into transient and permanent failures."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .sms import SmsError


class EmailError(SmsError):
    """Same contract as SmsError: `transient` says whether a retry may help."""


def message_id(message) -> str:
    # Stable per row: if a message is ever handed over twice (a worker lost
    # after the server accepted it), mail clients see the same Message-ID.
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "vestibule.localhost"
    return f"<vestibule-{message.organization_id}-{message.pk}@{domain}>"


def send_email(message, attachments=()) -> str:
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": message_id(message), "Content-Language": message.language},
    )
    for name, content, mimetype in attachments:
        email.attach(name, content, mimetype)
    try:
        get_connection(fail_silently=False).send_messages([email])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        text = "; ".join(f"{code} {msg.decode(errors='replace')}" for code, msg in exc.recipients.values())
        raise EmailError(f"Recipient refused: {text}", transient=all(400 <= c < 500 for c in codes)) from exc
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
        raise EmailError(f"SMTP server unreachable: {exc}", transient=True) from exc
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        # 5xx is the server's final word on this message, 4xx a "try later".
        transient = exc.smtp_code < 500 or isinstance(exc, smtplib.SMTPAuthenticationError)
        raise EmailError(f"SMTP {exc.smtp_code}: {text}", transient=transient) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise EmailError(f"SMTP error: {exc}", transient=True) from exc
    return message_id(message).strip("<>")
