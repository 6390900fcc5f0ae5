"""The SMS backends moved to lib.sms (accounts sends sign-up codes and sits below
notifications); the old dotted paths keep working for deployments that name them in
SMS_BACKEND."""

from lib.sms import BaseSmsBackend, LoggingSmsBackend, MemorySmsBackend

__all__ = ["BaseSmsBackend", "LoggingSmsBackend", "MemorySmsBackend"]
