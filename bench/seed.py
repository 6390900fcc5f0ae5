"""Bulk seeding of one benchmark database: `python -m bench.seed --complaints N --out FILE`.

PostgreSQL only. Rows are made in Python from one fixed random seed and streamed with COPY
(several times faster than bulk_create, and deterministic: seed_demo's references come from
`secrets`). Shapes follow issue 8, per complaint on average: 10 incidents, 10 evidence
rows pointing at a few real files, 2 escalations, 5 reminders (1 in 100 with an email
waiting to be sent), about 3 timeline events; 50 advocates, 200 collector numbers reused
across complaints, one borrower per 5 complaints. The reminders are the ones the sweep
itself would have planned by now, so that a sweep meets a steady state.

A few rows are fixed so that the pages measured show the same thing at every size: the
borrower `bench-borrower` has 20 complaints; the first is assigned to `bench-adv-01` and
has 10 incidents, 10 evidence files, 20 timeline events and 2 escalations; the next
three receive the uploads; the fifth holds the evidence package (--package). Six other
borrowers get sessions to file complaints with.

Prints (and writes to --out) a JSON summary: counts, timings, references and session keys.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Evidence rows point at these files, which run.py generates under MEDIA_ROOT/bench/.
FILES = [
    # name, kind, content type, share of the evidence rows
    ("screenshot.png", "image", "image/png", 0.4),
    ("photo.jpg", "image", "image/jpeg", 0.3),
    ("call.m4a", "recording", "audio/mp4", 0.2),
    ("call.wav", "recording", "audio/x-wav", 0.1),
]
FEATURED_COMPLAINTS = 20  # "my complaints" of bench-borrower: one full page
# Among them, submitted complaints with 3 incidents and no evidence that receive the
# uploads, one per file size: the per-complaint quota (2 GiB) never refuses a bench upload.
UPLOAD_COMPLAINTS = (1, 2, 3)
# And one whose evidence is exactly the files named by --package (the ZIP download).
PACKAGE_COMPLAINT = 4
FILERS = 6  # borrowers who file complaints over HTTP, each under the per-account rate limit
ADVOCATES = 50
COLLECTORS = 200
YEARS = 3

SUMMARIES = [
    "逾期后催收人员每天给我的父母和同事打电话，说我是骗子，还在同事群里发我的照片和身份证。",
    "催收员在电话里辱骂我，威胁要找人去我家和单位，晚上十一点以后还在打。",
    "收到自称法院的短信和所谓律师函，说明天上门执行，要求我马上还款并支付额外费用。",
    "已经按合同还清，仍然被要求支付“逾期管理费”，并且一直打给我的紧急联系人。",
    "催收人员把我的欠款信息发到了微信朋友圈和老家的村群里，家人受到很大压力。",
]
DESCRIPTIONS = [
    "打电话给我母亲，说不还钱就去家里。",
    "把我的照片发到公司群里。",
    "晚上十一点半连续打了五个电话。",
    "短信自称法院，说明天上门执行。",
    "电话里用脏话骂我。",
    "",
]
TITLES = {
    "submitted": "我们收到了您的投诉 {ref}",
    "draft_stale": "您的投诉 {ref} 还是草稿",
    "unreviewed": "投诉 {ref} 等待审核",
    "escalation_due_soon": "投诉 {ref}：答复期限快到了",
    "escalation_overdue": "投诉 {ref}：答复已逾期",
    "limitation_90": "投诉 {ref}：诉讼时效还剩 90 天",
    "limitation_30": "投诉 {ref}：诉讼时效还剩 30 天",
}
STATUS_WEIGHTS = {
    "draft": 5,
    "submitted": 15,
    "under_review": 20,
    "waiting_lender": 20,
    "waiting_regulator": 10,
    "resolved": 15,
    "closed": 15,
}
WAITING = ("waiting_lender", "waiting_regulator")
REVIEWED = ("under_review", "waiting_lender", "waiting_regulator", "resolved")


@dataclass
class C:
    """What later tables need to know about one complaint."""

    pk: int
    reference: str
    filer: int
    lender: int
    status: str
    created: datetime
    submitted: datetime | None
    changed: datetime
    assignee: int | None
    province: str
    incidents: int = 0
    evidence: int = 0
    events: int = 0
    escalations: list[tuple[Any, ...]] = field(default_factory=list)
    first_incident_id: int = 0
    first_incident_at: datetime | None = None


def _copy(model: Any, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into the model's table; columns not named get the model's default."""
    from django.db import connection

    meta = model._meta
    by_name = {f.name: f for f in meta.concrete_fields} | {f.attname: f for f in meta.concrete_fields}
    given = [by_name[name] for name in fields]
    rest = [f for f in meta.concrete_fields if f not in given]
    defaults = []
    for f in rest:
        value = f.get_default()
        if f.get_internal_type() == "JSONField":
            value = json.dumps(value)
        else:
            value = f.get_db_prep_save(value, connection)
        defaults.append(value)
    tail = tuple(defaults)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [*given, *rest])
    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write((*row, *tail))
                n += 1
    return n


class Seeder:
    def __init__(
        self,
        n: int,
        seed: int,
        now: datetime,
        media_files: list[dict[str, Any]],
        package: list[dict[str, Any]] | None = None,
    ) -> None:
        self.n = n
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, reproducible on purpose
        self.now = now
        self.files = media_files
        self.package = package or []
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.complaints: list[C] = []

    # helpers ---------------------------------------------------------------------------

    def _next_id(self, model: Any) -> int:
        from django.db.models import Max

        return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _reference(self, taken: set[str]) -> str:
        from complaints.models import REFERENCE_ALPHABET

        while True:
            raw = "".join(self.rng.choices(REFERENCE_ALPHABET, k=10))
            ref = f"{raw[:5]}-{raw[5:]}"
            if ref not in taken:
                taken.add(ref)
                return ref

    def _timed(self, name: str, model: Any, fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        start = time.perf_counter()
        self.counts[name] = self.counts.get(name, 0) + _copy(model, fields, rows)
        self.timings[name] = round(self.timings.get(name, 0) + time.perf_counter() - start, 2)

    # people ----------------------------------------------------------------------------

    def users(self) -> None:
        from django.contrib.auth.hashers import make_password

        from accounts.models import User

        password = make_password(None)  # unusable: nobody logs in with a password here
        first = self._next_id(User)
        self.admin_id = first
        self.advocate_ids = list(range(first + 1, first + 1 + ADVOCATES))
        self.featured_borrower = first + 1 + ADVOCATES
        n_borrowers = max(1, self.n // 5)
        self.borrower_ids = list(range(self.featured_borrower + 1, self.featured_borrower + 1 + n_borrowers))
        joined = self.now - timedelta(days=365 * YEARS)

        def rows() -> Iterator[tuple[Any, ...]]:
            people = [(first, "admin", "bench-admin", "管理员", "admin@bench.invalid")]
            for i, pk in enumerate(self.advocate_ids, start=1):
                people.append(
                    (pk, "advocate", f"bench-adv-{i:02d}", f"律师{i:02d}", f"adv{i:02d}@bench.invalid")
                )
            people.append((self.featured_borrower, "borrower", "bench-borrower", "王小明", ""))
            for pk, role, username, name, email in people:
                yield (
                    pk,
                    password,
                    role == "admin",
                    username,
                    email,
                    role == "admin",
                    True,
                    joined,
                    role,
                    f"13{pk:09d}",
                    name,
                    "zh-hans",
                )
            for i, pk in enumerate(self.borrower_ids):
                email = f"b{i:07d}@bench.invalid"
                yield (
                    pk,
                    password,
                    False,
                    f"bench-b{i:07d}",
                    email,
                    False,
                    True,
                    joined,
                    "borrower",
                    f"19{pk:09d}",
                    f"用户{i}",
                    "zh-hans",
                )

        fields = [
            "id",
            "password",
            "is_superuser",
            "username",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "role",
            "phone",
            "display_name",
            "language",
        ]
        self._timed("users", User, fields, rows())

    # complaints and what hangs from them ---------------------------------------------------

    def plan_complaints(self) -> None:
        from complaints.models import Complaint, Lender
        from regulators.models import Regulator

        rng, now = self.rng, self.now
        self.lender_ids = list(
            Lender.objects.filter(confirmed=True).order_by("pk").values_list("pk", flat=True)
        )
        self.regulator_ids = list(Regulator.objects.order_by("pk").values_list("pk", flat=True))
        from complaints.models import Province

        provinces = Province.values
        statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        first = self._next_id(Complaint)
        taken: set[str] = set()
        span = YEARS * 365 * 24 * 3600
        for i in range(self.n):
            pk = first + i
            if i < FEATURED_COMPLAINTS:
                filer = self.featured_borrower
            else:
                filer = self.borrower_ids[i % len(self.borrower_ids)]
            status = rng.choices(statuses, weights)[0]
            if i == 0:
                status = "waiting_lender"
            elif i in (*UPLOAD_COMPLAINTS, PACKAGE_COMPLAINT):
                status = "submitted"
            created = now - timedelta(seconds=rng.uniform(3600, span))
            if status in WAITING:
                # A case waits for weeks, not years: older ones were answered or closed.
                changed = max(created + timedelta(hours=1), now - timedelta(days=rng.uniform(0, 45)))
            elif status == "draft":
                changed = created
            else:
                changed = created + (now - created) * rng.uniform(0, 0.2)
            if i == 0:
                created, changed = now - timedelta(days=40), now - timedelta(days=5)
            submitted = None if status == "draft" else created + timedelta(minutes=rng.uniform(1, 120))
            if submitted and changed < submitted:
                changed = submitted
            assignee = None
            if status in REVIEWED or status == "closed":
                assignee = rng.choice(self.advocate_ids) if rng.random() < 0.8 else None
            elif status == "submitted" and rng.random() < 0.2:
                assignee = rng.choice(self.advocate_ids)
            if i == 0:
                assignee = self.advocate_ids[0]
            c = C(
                pk=pk,
                reference=self._reference(taken),
                filer=filer,
                lender=rng.choice(self.lender_ids),
                status=status,
                created=created,
                submitted=submitted,
                changed=changed,
                assignee=assignee,
                province=rng.choice(provinces),
            )
            if i == 0:
                c.incidents, c.evidence = 10, 10
            elif i in UPLOAD_COMPLAINTS:
                c.incidents, c.evidence = 3, 0
            elif i == PACKAGE_COMPLAINT:
                c.incidents, c.evidence = 3, len(self.package)
            else:
                c.incidents, c.evidence = rng.randint(1, 19), rng.randint(0, 20)
            self.complaints.append(c)
        self._plan_escalations()

    def _plan_escalations(self) -> None:
        """About 2 per complaint, on complaints that went past review; the last one of a
        waiting complaint is still awaited and sets `next_due_at`."""
        rng, now = self.rng, self.now
        eligible = [c for c in self.complaints if c.status in (*WAITING, "resolved", "closed")]
        if not eligible:
            return
        per = dict.fromkeys(range(len(eligible)), 1)
        for j in rng.choices(range(len(eligible)), k=max(0, 2 * self.n - len(eligible))):
            per[j] += 1
        per[0] = 2 if eligible[0] is self.complaints[0] else per[0]
        for j, c in enumerate(eligible):
            k = per[j]
            start = c.submitted or c.created
            for e in range(k):
                last = e == k - 1
                to_lender = e == 0 or c.status == "waiting_lender"
                if last and c.status in WAITING:
                    sent = c.changed
                else:
                    sent = start + (c.changed - start) * (e + rng.random()) / k
                days = 15 if to_lender else 30
                due = sent + timedelta(days=days)
                answered = closed = None
                if last and c.status in WAITING:
                    status = "overdue" if due < now else rng.choice(["sent", "acknowledged"])
                elif c.status == "waiting_lender" or (c.status == "closed" and rng.random() < 0.5):
                    status, closed = "closed", min(now, sent + timedelta(days=rng.uniform(1, 40)))
                else:
                    status, answered = "answered", min(now, sent + timedelta(days=rng.uniform(1, days + 10)))
                c.escalations.append((to_lender, sent, due, status, answered, closed))

    def complaints_rows(self) -> None:
        from complaints.models import Complaint, Outcome

        rng = self.rng
        outcomes = Outcome.values

        def rows() -> Iterator[tuple[Any, ...]]:
            for c in self.complaints:
                awaiting = [
                    due
                    for _l, _s, due, st, _a, _c in c.escalations
                    if st in ("sent", "acknowledged", "overdue")
                ]
                yield (
                    c.pk,
                    c.reference,
                    c.filer,
                    "self",
                    c.lender,
                    SUMMARIES[c.pk % len(SUMMARIES)],
                    json.dumps(rng.sample(outcomes, rng.randint(1, 3))),
                    c.province,
                    f"{rng.randint(5, 500) * 100}.00",
                    (c.created - timedelta(days=rng.randint(30, 400))).date(),
                    True,
                    c.status,
                    c.created,
                    c.changed,
                    c.submitted,
                    c.changed,
                    c.assignee,
                    min(awaiting) if awaiting else None,
                    c.changed + timedelta(days=1)
                    if c.status == "under_review" and rng.random() < 0.05
                    else None,
                )

        fields = [
            "id",
            "reference",
            "filer_id",
            "filer_relation",
            "lender_id",
            "summary",
            "desired_outcomes",
            "province",
            "loan_amount",
            "loan_date",
            "is_overdue",
            "status",
            "created",
            "updated",
            "submitted_at",
            "status_changed_at",
            "assignee_id",
            "next_due_at",
            "waiting_for_borrower_since",
        ]
        self._timed("complaints", Complaint, fields, rows())

    def incidents(self) -> None:
        from complaints.models import (
            Channel,
            ContactedParty,
            HarassmentKind,
            Incident,
            normalize_collector_id,
        )

        rng = self.rng
        numbers = [f"171{rng.randrange(10**8):08d}" for _ in range(COLLECTORS)]
        # The same number as people type it: plain, spaced, with the country code.
        typed = []
        for number in numbers:
            for raw in (number, f"{number[:3]} {number[3:7]} {number[7:]}", f"+86 {number}"):
                typed.append((raw, normalize_collector_id(raw)))
        self.collector_typed = typed[1]  # bench searches for the spaced form of the first number
        channels, kinds, contacted = Channel.values, HarassmentKind.values, ContactedParty.values
        first = self._next_id(Incident)

        def rows() -> Iterator[tuple[Any, ...]]:
            pk = first
            for c in self.complaints:
                c.first_incident_id = pk
                for j in range(c.incidents):
                    occurred = c.created - timedelta(hours=rng.uniform(0, 24 * 30)) + timedelta(minutes=j)
                    if c.first_incident_at is None or occurred < c.first_incident_at:
                        c.first_incident_at = occurred
                    raw, normalized = rng.choice(typed)
                    who = rng.choice(contacted)
                    yield (
                        pk,
                        c.pk,
                        occurred,
                        rng.choice(channels),
                        rng.choice(kinds),
                        raw,
                        normalized,
                        who,
                        None if who == "self" else rng.randint(1, 30),
                        "",
                        DESCRIPTIONS[pk % len(DESCRIPTIONS)],
                        c.filer,
                        c.created,
                    )
                    pk += 1

        fields = [
            "id",
            "complaint_id",
            "occurred_at",
            "channel",
            "kind",
            "collector_id",
            "collector_id_normalized",
            "contacted",
            "contacted_count",
            "third_party_number",
            "description",
            "created_by_id",
            "created",
        ]
        self._timed("incidents", Incident, fields, rows())

    def evidence(self) -> None:
        from evidence.models import Evidence

        rng, now = self.rng, self.now

        def slot(f: dict[str, Any]) -> tuple[str, str, tuple[Any, ...], tuple[Any, ...]]:
            """Everything about a row of this file that does not change from row to row."""
            image = f["kind"] == "image"
            meta = json.dumps({"width": 1080, "height": 2340} if image else {"duration": f["duration"]})
            prefix = "IMG" if image else "录音"
            constant = (
                f["kind"],
                f["extension"],
                f["content_type"],
                f["size"],
                f["sha256"],
                f["path"],
                f["path"],
            )
            tail = (f["content_type"], f["path"] if image else "", meta, "ready", 1)
            return prefix, f["extension"], constant, tail

        # Ten slots to draw the file from by its share (faster than random.choices a
        # million times).
        slots = []
        for f in self.files:
            slots += [slot(f)] * round(f["share"] * 10)
        package_slots = [slot(f) for f in self.package]
        package_pk = self.complaints[PACKAGE_COMPLAINT].pk
        first = self._next_id(Evidence)
        random_, getrandbits, randrange = rng.random, rng.getrandbits, rng.randrange
        make_uuid = uuid.UUID
        hour = timedelta(hours=1)

        def rows() -> Iterator[tuple[Any, ...]]:
            pk = first
            for c in self.complaints:
                for j in range(c.evidence):
                    if c.pk == package_pk:
                        prefix, extension, constant, tail = package_slots[j]
                    else:
                        prefix, extension, constant, tail = slots[int(random_() * len(slots))]
                    created = min(now, c.created + hour * (random_() * 24 * 20))
                    incident = c.first_incident_id + randrange(c.incidents) if random_() < 0.5 else None
                    kind, ext, content_type, size, sha, path, display = constant
                    yield (
                        pk,
                        make_uuid(int=getrandbits(128), version=4),
                        c.pk,
                        incident,
                        kind,
                        f"{prefix}_{j + 1:03d}{extension}",
                        ext,
                        content_type,
                        size,
                        sha,
                        path,
                        display,
                        *tail,
                        c.filer,
                        created,
                    )
                    pk += 1

        fields = [
            "id",
            "public_id",
            "complaint_id",
            "incident_id",
            "kind",
            "original_name",
            "extension",
            "content_type",
            "size",
            "sha256",
            "file",
            "display_file",
            "display_content_type",
            "thumbnail",
            "metadata",
            "state",
            "processing_attempts",
            "uploaded_by_id",
            "created",
        ]
        self._timed("evidence", Evidence, fields, rows())

    def events(self) -> None:
        from complaints.models import TimelineEvent

        first = self._next_id(TimelineEvent)
        kinds = ["incident", "evidence", "note", "evidence", "incident", "assignment", "escalation", "note"]

        def rows() -> Iterator[tuple[Any, ...]]:
            pk = first
            for idx, c in enumerate(self.complaints):
                events = [("created", c.filer, "", "", "", False, c.created)]
                if c.submitted:
                    events.append(("status", c.filer, "draft", "submitted", "", False, c.submitted))
                if c.status in REVIEWED or (c.status == "closed" and c.assignee):
                    reviewer = c.assignee or self.advocate_ids[0]
                    at = c.submitted + (c.changed - c.submitted) / 3
                    events.append(("status", reviewer, "submitted", "under_review", "", False, at))
                if c.status in (*WAITING, "resolved", "closed"):
                    reason = "已解决" if c.status in ("resolved", "closed") else ""
                    events.append(("status", c.filer, "under_review", c.status, reason, False, c.changed))
                if idx == 0:
                    # The featured case: twenty entries, internal notes among them.
                    start = c.submitted or c.created
                    for j in range(20 - len(events)):
                        kind = kinds[j % len(kinds)]
                        actor = self.advocate_ids[0] if kind in ("note", "assignment") else c.filer
                        at = start + (c.changed - start) * (j + 1) / 20
                        events.append(
                            (kind, actor, "", "", "内部备注" if kind == "note" else "", kind == "note", at)
                        )
                for kind, actor, from_s, to_s, note, internal, at in events:
                    yield (pk, c.pk, kind, actor, from_s, to_s, note, internal, at)
                    pk += 1
                c.events = len(events)

        fields = [
            "id",
            "complaint_id",
            "kind",
            "actor_id",
            "from_status",
            "to_status",
            "note",
            "internal",
            "created",
        ]
        self._timed("timeline_events", TimelineEvent, fields, rows())

    def escalations(self) -> None:
        from escalations.models import Escalation

        rng = self.rng
        first = self._next_id(Escalation)
        channels = ["online", "hotline", "email", "app"]
        self.escalation_rows: list[tuple[int, C, int, datetime, str, datetime | None]] = []

        def rows() -> Iterator[tuple[Any, ...]]:
            pk = first
            for c in self.complaints:
                for to_lender, sent, due, status, answered, closed in c.escalations:
                    basis = (
                        "15 calendar days (银行业保险业消费投诉处理管理办法)"
                        if to_lender
                        else "30 calendar days"
                    )
                    yield (
                        pk,
                        c.pk,
                        c.lender if to_lender else None,
                        None if to_lender else rng.choice(self.regulator_ids),
                        rng.choice(channels),
                        sent,
                        f"R{pk:08d}" if rng.random() < 0.6 else "",
                        due,
                        basis,
                        status,
                        sent + timedelta(days=1) if status == "acknowledged" else None,
                        "已受理并处理。" if answered else "",
                        answered,
                        True if answered and c.status == "resolved" else None,
                        closed,
                        c.filer,
                        sent,
                        answered or closed or sent,
                    )
                    self.escalation_rows.append((pk, c, status, due, basis, answered or closed))
                    pk += 1

        fields = [
            "id",
            "complaint_id",
            "lender_id",
            "regulator_id",
            "channel",
            "sent_at",
            "reference",
            "due_at",
            "deadline_basis",
            "status",
            "acknowledged_at",
            "answer",
            "answered_at",
            "satisfied",
            "closed_at",
            "created_by_id",
            "created",
            "updated",
        ]
        self._timed("escalations", Escalation, fields, rows())

    def reminders(self) -> None:
        """What the sweep would have planned by now (live), then history (cancelled), up to
        5 per complaint; 1 in 100 has an email still waiting to be sent."""
        from notifications.models import Delivery, Reminder

        rng, now = self.rng, self.now
        target, due_count = 5 * self.n, max(1, self.n // 20)
        life = timedelta(days=YEARS * 365)
        live: list[tuple[int, str, int, C, datetime]] = []
        for c in self.complaints:
            if c.submitted:
                live.append((c.filer, "submitted", c.pk, c, c.submitted))
            if c.status == "draft" and c.changed <= now - timedelta(hours=24):
                live.append((c.filer, "draft_stale", c.pk, c, c.changed + timedelta(hours=24)))
            if c.status == "submitted" and c.assignee is None and c.submitted <= now - timedelta(hours=48):
                live.append(
                    (rng.choice(self.advocate_ids), "unreviewed", c.pk, c, c.submitted + timedelta(hours=48))
                )
            if c.status in ("submitted", *REVIEWED) and c.first_incident_at:
                for kind, days in (("limitation_90", 90), ("limitation_30", 30)):
                    first_at = c.first_incident_at
                    if first_at <= now - life + timedelta(days=days) and first_at + life > now:
                        live.append((c.filer, kind, c.pk, c, first_at + life - timedelta(days=days)))
        history: list[tuple[int, str, int, C, datetime, datetime]] = []
        for pk, c, status, due, _basis, ended in self.escalation_rows:
            if status in ("sent", "acknowledged", "overdue"):
                if due - timedelta(days=2) <= now < due:
                    live.append((c.filer, "escalation_due_soon", pk, c, due - timedelta(days=2)))
                if due <= now:
                    live.append((c.filer, "escalation_overdue", pk, c, due))
                    if c.assignee:
                        live.append((c.assignee, "escalation_overdue", pk, c, due))
            elif ended:
                history.append((c.filer, "escalation_due_soon", pk, c, due - timedelta(days=2), ended))
                if ended > due:
                    history.append((c.filer, "escalation_overdue", pk, c, due, ended))
        # The unreviewed alert goes to every advocate; for complaints reviewed since, it
        # was cancelled. As many as it takes to reach the target.
        reviewed = [c for c in self.complaints if c.status in REVIEWED and c.submitted]
        missing = target - len(live) - len(history)
        per = -(-missing // len(reviewed)) if reviewed and missing > 0 else 0
        for c in reviewed if per else []:
            due = c.submitted + timedelta(hours=48)
            for advocate in rng.sample(self.advocate_ids, min(per, len(self.advocate_ids))):
                history.append((advocate, "unreviewed", c.pk, c, due, due + timedelta(hours=6)))
        rng.shuffle(history)
        history = history[: max(0, target - len(live))]
        due_now = set(rng.sample(range(len(live)), min(due_count, len(live))))
        first = self._next_id(Reminder)
        self.due_deliveries = len(due_now)

        def reminder_rows() -> Iterator[tuple[Any, ...]]:
            pk = first
            for i, (recipient, kind, object_id, c, due) in enumerate(live):
                pending = i in due_now
                created = now - timedelta(minutes=rng.uniform(1, 15)) if pending else due
                read = None if pending or rng.random() < 0.3 else due + timedelta(hours=2)
                yield (
                    pk,
                    recipient,
                    kind,
                    object_id,
                    c.pk,
                    due,
                    created,
                    None,
                    read,
                    TITLES[kind].format(ref=c.reference),
                    f"/complaints/{c.reference}/",
                )
                pk += 1
            for recipient, kind, object_id, c, due, ended in history:
                yield (
                    pk,
                    recipient,
                    kind,
                    object_id,
                    c.pk,
                    due,
                    due,
                    ended,
                    due + timedelta(hours=3),
                    TITLES[kind].format(ref=c.reference),
                    f"/complaints/{c.reference}/",
                )
                pk += 1

        fields = [
            "id",
            "recipient_id",
            "kind",
            "object_id",
            "complaint_id",
            "due_at",
            "created",
            "cancelled_at",
            "read_at",
            "title",
            "link",
        ]
        self._timed("reminders", Reminder, fields, reminder_rows())
        rng2 = random.Random(self.n)  # noqa: S311 - synthetic data
        first_delivery = self._next_id(Delivery)  # not inside the generator: COPY holds the connection

        def delivery_rows() -> Iterator[tuple[Any, ...]]:
            pk = first_delivery
            total = len(live) + len(history)
            for i in range(total):
                rid = first + i
                yield (pk, rid, "app", "sent", now - timedelta(days=1), 0, now - timedelta(days=1), None)
                pk += 1
                if i in due_now:
                    after = now - timedelta(minutes=rng2.uniform(0, 15))
                    yield (pk, rid, "email", "pending", after, 0, None, None)
                    pk += 1

        fields = ["id", "reminder_id", "channel", "state", "send_after", "attempts", "sent_at", "claimed_at"]
        self._timed("deliveries", Delivery, fields, delivery_rows())


@contextlib.contextmanager
def _indexes_dropped(models: Iterable[Any]) -> Iterator[dict[str, int]]:
    """Drop the secondary indexes and unique constraints of these tables, load, rebuild.

    Building an index once over sorted data is several times faster than growing it row
    by row (a random UUID per evidence row makes that index the slowest of all). Primary
    keys, checks and foreign keys stay.
    """
    from django.db import connection

    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE contype = 'u' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
            " WHERE indrelid::regclass::text = ANY(%s) AND NOT indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    info = {"indexes": len(indexes) + len(constraints)}
    yield info
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    info["rebuild_s"] = round(time.perf_counter() - start, 1)


def _revision_triggers(models: Iterable[Any], action: str) -> None:
    """DISABLE or ENABLE the user triggers (the revision triggers) of the loaded tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ALTER TABLE {model._meta.db_table} {action} TRIGGER USER")


def _reset_sequences(models: Iterable[Any]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))",  # noqa: S608 - table names from the models
                [table],
            )


def _media_file(media_root: Path, name: str, kind: str, content_type: str, share: float) -> dict[str, Any]:
    path = media_root / "bench" / name
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()  # in blocks: files of 300 MB
    return {
        "path": f"bench/{name}",
        "kind": kind,
        "content_type": content_type,
        "extension": Path(name).suffix,
        "size": path.stat().st_size,
        "sha256": digest,
        "share": share,
        "duration": 300,
    }


def _media_files(media_root: Path) -> list[dict[str, Any]]:
    return [_media_file(media_root, *entry) for entry in FILES]


def _package_files(media_root: Path, names: list[str], known: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The package's files, in order, repeats allowed (several rows may share one file)."""
    by_name = {Path(f["path"]).name: f for f in known}
    for name in names:
        if name not in by_name:
            if Path(name).suffix != ".wav":
                sys.exit(f"bench.seed: --package takes the FILES or WAV recordings, not {name}")
            by_name[name] = _media_file(media_root, name, "recording", "audio/x-wav", 0)
    return [by_name[name] for name in names]


def _session(user: Any, *, verified: bool) -> str:
    """A logged-in session made directly, as login() would leave it (and django-otp's
    verification for caseworkers, when two-step login is installed)."""
    from importlib import import_module

    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    backend = next(b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if verified and apps.is_installed("django_otp.plugins.otp_totp"):
        import django_otp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        store[django_otp.DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.save()
    return store.session_key


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--package",
        default="",
        help="comma-separated names under MEDIA_ROOT/bench: the evidence of the package complaint",
    )
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from complaints.models import Complaint, Incident, TimelineEvent
    from escalations.models import Escalation
    from evidence.models import Evidence
    from notifications.models import Delivery, Reminder

    if connection.vendor != "postgresql":
        sys.exit("bench.seed needs PostgreSQL (COPY).")
    started = time.perf_counter()
    call_command("seed_lenders", verbosity=0)
    call_command("seed_regulators", verbosity=0)
    call_command("seed_conduct_rules", verbosity=0)
    now = timezone.now().replace(microsecond=0)
    media_root = Path(settings.MEDIA_ROOT)
    media_files = _media_files(media_root)
    package = _package_files(media_root, [n for n in args.package.split(",") if n], media_files)
    seeder = Seeder(args.complaints, args.seed, now, media_files, package)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # The rows are consistent by construction; skipping the per-row foreign-key
            # triggers (superuser only) saves most of the load time.
            # The same role also skips the triggers that move each complaint's revision
            # (complaints/revisions.py), one UPDATE per loaded row: seeded complaints keep
            # revision 0, as nothing has changed them. Without superuser, the table owner
            # turns those triggers off for this transaction only.
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = cursor.fetchone()[0]
            if superuser:
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL synchronous_commit = off")
        loaded_models = [User, Complaint, Incident, Evidence, TimelineEvent, Escalation, Reminder, Delivery]
        if not superuser:
            _revision_triggers(loaded_models, "DISABLE")
        with _indexes_dropped(loaded_models) as rebuilt:
            seeder.users()
            seeder.plan_complaints()
            seeder.complaints_rows()
            seeder.incidents()
            seeder.evidence()
            seeder.events()
            seeder.escalations()
            seeder.reminders()
        if not superuser:
            _revision_triggers(loaded_models, "ENABLE")
    _reset_sequences(loaded_models)
    loaded = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuumed = time.perf_counter()

    featured = seeder.complaints[0]
    other = next(c for c in seeder.complaints[FEATURED_COMPLAINTS:] if c.status in REVIEWED)
    advocate = User.objects.get(pk=seeder.advocate_ids[0])
    borrower = User.objects.get(pk=seeder.featured_borrower)
    result = {
        "complaints": args.complaints,
        "seed": args.seed,
        "now": now.isoformat(),
        "rows": seeder.counts,
        "copy_s": seeder.timings,
        "index_rebuild_s": rebuilt.get("rebuild_s"),
        "load_s": round(loaded - started, 1),
        "vacuum_analyze_s": round(vacuumed - loaded, 1),
        "total_s": round(vacuumed - started, 1),
        "due_deliveries": seeder.due_deliveries,
        "featured": {
            "complaint": featured.reference,
            "complaint_incidents": featured.incidents,
            "complaint_evidence": featured.evidence,
            "complaint_events": featured.events,
            # Its letter to the lender: the bench asks for the PDF, which no worker renders
            # during the rounds, so every request gets the page that waits for it.
            "letter_target": f"lender-{featured.lender}",
            "upload_complaint": seeder.complaints[UPLOAD_COMPLAINTS[0]].reference,
            "upload_complaints": [seeder.complaints[i].reference for i in UPLOAD_COMPLAINTS],
            "package_complaint": seeder.complaints[PACKAGE_COMPLAINT].reference,
            "package_files": len(package),
            "package_bytes": sum(f["size"] for f in package),
            "search_reference": other.reference,
            "collector_typed": seeder.collector_typed[0],
            "collector": seeder.collector_typed[1],
        },
        "sessions": {
            "advocate": _session(advocate, verified=True),
            "borrower": _session(borrower, verified=False),
            "filers": [
                _session(user, verified=False)
                for user in User.objects.filter(pk__in=seeder.borrower_ids[:FILERS]).order_by("pk")
            ],
        },
        "session_cookie": settings.SESSION_COOKIE_NAME,
    }
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)
    return result


if __name__ == "__main__":
    main()
