"""The SMS gateway the workers of `make cluster-test` talk to: the load test's file, after
the fraction of a second a real gateway takes to answer. It gives the test the time to
kill a worker in the middle of a batch, between two messages."""

from __future__ import annotations

import os
import time

from lib.sms import FileSmsBackend


class SlowGatewaySmsBackend(FileSmsBackend):
    def send(self, number: str, text: str) -> None:
        time.sleep(float(os.environ.get("CLUSTER_SMS_SECONDS", "0.2")))
        super().send(number, text)
