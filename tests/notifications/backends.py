from django.core.mail.backends.base import BaseEmailBackend


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP is down")


class FlakyEmailBackend(BaseEmailBackend):
    """Refuses every message whose subject ends in an odd number, sends the others to the
    locmem outbox."""

    def send_messages(self, email_messages):
        from django.core import mail

        for message in email_messages:
            if int(message.subject.rsplit(" ", 1)[-1]) % 2:
                raise ConnectionResetError(f"refused {message.subject}")
            mail.outbox.append(message)
        return len(email_messages)
