"""Borrowers signing up, filing complaints with incidents and uploading files; advocates
browsing the queue. Every success the server confirms is written down, so that the
runner can check afterwards that the database and storage really hold it."""

from __future__ import annotations

import os
import random
import uuid

from locust import HttpUser, between, task

from loadtest.people import CSRF, REFERENCE, claim, complaint_form, png, sms_code, wav


class Borrower(HttpUser):
    weight = 5
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        page = self.client.get("/accounts/signup/")
        token = CSRF.search(page.text).group(1)
        phone = f"19{random.randrange(10**9):09d}"
        password = uuid.uuid4().hex
        response = self.client.post(
            "/accounts/signup/",
            {
                "csrfmiddlewaretoken": token,
                "phone": phone,
                "password1": password,
                "password2": password,
                "accept_notice": "on",
            },
            headers={"Referer": self.host + "/accounts/signup/"},
            allow_redirects=False,
            name="/accounts/signup/ [POST]",
        )
        if response.status_code == 302:
            # The number is proven with the code from the SMS, as a person would.
            response = self.client.post(
                "/accounts/signup/verify/",
                {"csrfmiddlewaretoken": token, "code": sms_code(phone)},
                headers={"Referer": self.host + "/accounts/signup/verify/"},
                allow_redirects=False,
                name="/accounts/signup/verify/ [POST]",
            )
        self.ok = response.status_code == 302
        self.references: list[str] = []

    @task(2)
    def file_complaint(self) -> None:
        if not self.ok:
            return
        page = self.client.get("/complaints/new/")
        token = CSRF.search(page.text).group(1)
        data = complaint_form(token)
        response = self.client.post(
            "/complaints/new/",
            data,
            headers={"Referer": self.host + "/complaints/new/"},
            allow_redirects=False,
            name="/complaints/new/ [POST]",
        )
        match = REFERENCE.search(response.headers.get("Location", ""))
        if response.status_code == 302 and match and "/edit/" not in response.headers["Location"]:
            self.references.append(match.group(1))
            claim({"type": "complaint", "reference": match.group(1)})
            # Evidence right after filing, as people do: every filed complaint gets files.
            self.upload_to(match.group(1))

    @task(3)
    def upload(self) -> None:
        if self.references:
            self.upload_to(random.choice(self.references))

    def upload_to(self, reference: str) -> None:
        token = self.client.cookies.get("csrftoken")
        seed = random.randrange(10**6)
        files = [
            ("files", (f"shot-{seed}.png", png(seed), "image/png")),
            ("files", (f"call-{seed}.wav", wav(seed), "audio/wav")),
        ]
        response = self.client.post(
            f"/evidence/complaints/{reference}/upload/",
            files=files,
            headers={"Accept": "application/json", "X-CSRFToken": token, "Referer": self.host + "/"},
            name="/evidence/complaints/[ref]/upload/",
        )
        if response.status_code == 200:
            for verdict in response.json()["files"]:
                if verdict["accepted"]:
                    claim(
                        {
                            "type": "file",
                            "id": verdict["id"],
                            "sha256": verdict["sha256"],
                            "reference": reference,
                        }
                    )

    @task(1)
    def my_complaints(self) -> None:
        if self.ok:
            self.client.get("/complaints/mine/")


class Advocate(HttpUser):
    weight = 1
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        number = random.randrange(int(os.environ.get("LOADTEST_ADVOCATES", "5")))
        page = self.client.get("/accounts/login/")
        token = CSRF.search(page.text).group(1)
        self.client.post(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": token,
                "username": f"load-advocate-{number}",
                "password": "load-test-password",
            },
            headers={"Referer": self.host + "/accounts/login/"},
            name="/accounts/login/ [POST]",
        )

    @task
    def queue(self) -> None:
        self.client.get(
            random.choice(["/cases/", "/cases/?sort=due", "/cases/?kind=third_parties&per_page=50"]),
            name="/cases/",
        )
