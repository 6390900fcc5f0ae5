from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.devices import forget_device_answer
from accounts.models import PEOPLE_VERSION, Consent, Role, User
from accounts.services import consent_record
from cases import services as case_services
from complaints import services
from complaints.models import (
    Channel,
    Complaint,
    ContactedParty,
    HarassmentKind,
    Incident,
    Lender,
    Outcome,
    Province,
    Status,
    TimelineEvent,
    new_reference,
    normalize_collector_id,
)
from escalations.services import escalation_record
from evidence import demo_files
from evidence import services as evidence_services
from lib import versions
from regulators.routing import route_for_complaint

DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 - published on purpose; refused without DEBUG
DEMO_ACCOUNTS = [
    # username, role, phone, display name, email
    ("borrower1", Role.BORROWER, "13800000001", "王小明", "borrower1@example.com"),
    ("borrower2", Role.BORROWER, "13800000002", "李娟", ""),
    ("advocate1", Role.ADVOCATE, "13800000003", "张律师", "advocate1@example.com"),
    ("admin1", Role.ADMIN, "13800000004", "管理员", "admin1@example.com"),
]
SYNTHETIC_PREFIX = "synth-"
COMPLAINTS_PER_SYNTHETIC_BORROWER = 5
BATCH = 5000

DEMO_STORIES = {
    "borrower1": [
        {
            "lender": "小赢卡贷",
            "funding": "",
            "summary": "逾期两周后，催收人员开始给我的父母和同事打电话，说我是骗子，还在同事群里发我的照片。",
            "outcomes": [Outcome.STOP_THIRD_PARTIES, Outcome.REMOVE_POSTS, Outcome.APOLOGY],
            "incidents": [
                (
                    HarassmentKind.THIRD_PARTIES,
                    Channel.CALL,
                    ContactedParty.FAMILY,
                    "17100001111",
                    "打电话给我母亲，说不还钱就去家里。",
                ),
                (
                    HarassmentKind.PUBLIC_SHAMING,
                    Channel.IM,
                    ContactedParty.COLLEAGUES,
                    "wx_cuishou88",
                    "把我的身份证照片发到公司群里。",
                ),
                (
                    HarassmentKind.NIGHT_CALLS,
                    Channel.CALL,
                    ContactedParty.SELF,
                    "171 0000 1111",
                    "晚上十一点半连续打了五个电话。",
                ),
            ],
            "path": [Status.SUBMITTED, Status.UNDER_REVIEW, Status.WAITING_LENDER],
            "request": "请上传催收员在公司群里发的那张截图，以及群的名称。",
        },
        {
            "lender": "拍拍贷",
            "funding": "",
            "summary": "收到所谓“律师函”和“立案通知”，说要起诉并上征信黑名单。",
            "outcomes": [Outcome.STOP_HARASSMENT, Outcome.INVESTIGATE],
            "incidents": [
                (
                    HarassmentKind.IMPERSONATION,
                    Channel.SMS,
                    ContactedParty.SELF,
                    "+86 106 5500 1234",
                    "短信自称法院，说明天上门执行。",
                ),
            ],
            "path": [Status.SUBMITTED],
        },
        {
            "lender": "某某花",
            "funding": "",
            "summary": "",
            "outcomes": [],
            "incidents": [],
            "path": [],
        },
    ],
    "borrower2": [
        {
            "lender": "安逸花",
            "funding": "马上消费金融",
            "summary": "催收员辱骂我，并威胁要找人去我家。",
            "outcomes": [Outcome.STOP_HARASSMENT, Outcome.FAIR_REPAYMENT],
            "incidents": [
                (
                    HarassmentKind.INSULTS,
                    Channel.CALL,
                    ContactedParty.SELF,
                    "17100001111",
                    "电话里用脏话骂我。",
                ),
                (
                    HarassmentKind.THREATS,
                    Channel.CALL,
                    ContactedParty.SELF,
                    "17100002222",
                    "说知道我住哪里，要找人上门。",
                ),
            ],
            "path": [Status.SUBMITTED, Status.UNDER_REVIEW, Status.WAITING_LENDER, Status.WAITING_REGULATOR],
        },
        {
            "lender": "360借条",
            "funding": "",
            "summary": "已经还清了，还一直打电话给我的紧急联系人。",
            "outcomes": [Outcome.STOP_THIRD_PARTIES, Outcome.CORRECT_RECORDS],
            "incidents": [
                (
                    HarassmentKind.THIRD_PARTIES,
                    Channel.CALL,
                    ContactedParty.EMERGENCY_CONTACT,
                    "13900003333",
                    "还清后仍打给我的紧急联系人。",
                ),
            ],
            "path": [Status.SUBMITTED, Status.WAITING_LENDER, Status.RESOLVED],
        },
    ],
}


class Command(BaseCommand):
    help = "Creates demo accounts and complaints (idempotent); --complaints N adds N synthetic ones."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--complaints", type=int, default=0, help="Add N synthetic complaints.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed for synthetic data.")
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts with a published password; it refuses to run "
                "when DEBUG is off. Pass --force if this really is a demo server."
            )
        call_command("seed_lenders", stdout=self.stdout)
        call_command("seed_regulators", stdout=self.stdout)
        call_command("seed_conduct_rules", stdout=self.stdout)
        users = self._accounts()
        for username, stories in DEMO_STORIES.items():
            self._stories(users[username], stories, users["advocate1"])
        if options["complaints"]:
            added = self._synthetic(options["complaints"], random.Random(options["seed"]))
            self.stdout.write(f"Added {added} synthetic complaints.")
        self.stdout.write(
            self.style.SUCCESS(
                "Demo ready. Log in at /accounts/login/ as borrower1, borrower2, advocate1 or "
                f"admin1 (or with their mobile number 1380000000N), password {DEMO_PASSWORD}. "
                "advocate1 and admin1 also need a two-step code: python manage.py totp_code advocate1"
            )
        )

    @transaction.atomic
    def _accounts(self) -> dict[str, User]:
        users = {}
        for username, role, phone, name, email in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "role": role,
                    "phone": phone,
                    "display_name": name,
                    "email": email,
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if role != Role.BORROWER and not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                # Caseworkers need two-step login; `manage.py totp_code <name>` shows the code.
                TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
                forget_device_answer(user.pk)
            if role == Role.BORROWER:
                # They filed through the form, which asks for this before submitting.
                consent_record(user=user, purpose=Consent.Purpose.SENSITIVE)
            users[username] = user
        versions.bump(PEOPLE_VERSION)  # the advocates' hand-over list
        return users

    @transaction.atomic
    def _stories(self, borrower: User, stories: list[dict[str, Any]], advocate: User) -> None:
        if Complaint.objects.filter(filer=borrower).exists():
            return  # already seeded: the demo must not grow on every run
        now = timezone.now()
        for days_ago, story in enumerate(stories, start=1):
            start = now - timedelta(days=10 * days_ago)
            incidents = [
                {
                    # Before the draft is written at `start`: nobody records what has not happened.
                    "occurred_at": start - timedelta(hours=5 * (len(story["incidents"]) - i)),
                    "channel": channel,
                    "kind": kind,
                    "collector_id": collector,
                    "contacted": contacted,
                    "contacted_count": 3 if contacted != ContactedParty.SELF else None,
                    "description": text,
                }
                for i, (kind, channel, contacted, collector, text) in enumerate(story["incidents"])
            ]
            complaint = services.complaint_save_draft(
                filer=borrower,
                lender_name=story["lender"],
                funding_name=story["funding"],
                data={
                    "summary": story["summary"],
                    "desired_outcomes": [str(o) for o in story["outcomes"]],
                    "province": Province.GUANGDONG,
                },
                incidents=incidents,
                now=start,
            )
            for step, status in enumerate(story["path"], start=1):
                actor = advocate if status in (Status.UNDER_REVIEW,) else borrower
                moment = start + timedelta(days=step)
                if status in (Status.WAITING_LENDER, Status.WAITING_REGULATOR):
                    # As people do it: record where it was sent; the status follows.
                    escalation_record(
                        complaint=complaint,
                        actor=actor,
                        lender=complaint.lender if status == Status.WAITING_LENDER else None,
                        regulator=None if status == Status.WAITING_LENDER else _first_regulator(complaint),
                        channel="hotline",
                        sent_at=moment,
                        now=moment,
                    )
                    continue
                services.complaint_transition(
                    complaint=complaint, actor=actor, to_status=status, note="", now=moment
                )
                if status == Status.UNDER_REVIEW:
                    case_services.case_assign(
                        complaint=complaint,
                        actor=advocate,
                        assignee_id=advocate.pk,
                        now=start + timedelta(days=step),
                    )
            if story.get("request"):
                case_services.info_request_create(
                    complaint=complaint, actor=advocate, message=story["request"]
                )
            if story["incidents"]:
                # Processed like any upload: after this transaction commits, by the worker.
                first_incident = complaint.incidents.first()
                for upload, caption in (
                    (demo_files.chat_screenshot(), "催收员在微信上的威胁"),
                    (demo_files.call_recording(), "催收电话录音"),
                ):
                    evidence_services.evidence_add(
                        complaint=complaint,
                        uploader=borrower,
                        upload=upload,
                        incident=first_incident,
                        caption=caption,
                    )

    def _synthetic(self, count: int, rng: random.Random) -> int:
        """Bulk inserts: N complaints over N/5 new borrowers, 1-3 incidents each."""
        lenders = list(Lender.objects.filter(confirmed=True).values_list("pk", flat=True))
        statuses = [s for s in Status.values if s != Status.DRAFT] + [Status.DRAFT]
        kinds = HarassmentKind.values
        channels = Channel.values
        provinces = Province.values
        collectors = [f"171{rng.randrange(10**8):08d}" for _ in range(200)]
        password = make_password(None)  # unusable: synthetic people never log in
        offset = User.objects.filter(username__startswith=SYNTHETIC_PREFIX).count()
        n_borrowers = max(1, count // COMPLAINTS_PER_SYNTHETIC_BORROWER)
        now = timezone.now()

        with transaction.atomic():
            User.objects.bulk_create(
                [
                    User(
                        username=f"{SYNTHETIC_PREFIX}{offset + i:07d}",
                        phone=f"199{offset + i:08d}",
                        password=password,
                        role=Role.BORROWER,
                        display_name=f"用户{offset + i}",
                    )
                    for i in range(n_borrowers)
                ],
                batch_size=BATCH,
            )
            borrower_ids = list(
                User.objects.filter(username__startswith=SYNTHETIC_PREFIX)
                .order_by("-pk")
                .values_list("pk", flat=True)[:n_borrowers]
            )
            done = 0
            while done < count:
                size = min(BATCH, count - done)
                complaints = []
                for i in range(size):
                    created = now - timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
                    status = rng.choice(statuses)
                    changed = created + timedelta(days=rng.randrange(30))
                    waiting = status in (Status.WAITING_LENDER, Status.WAITING_REGULATOR)
                    complaints.append(
                        Complaint(
                            reference=new_reference(),
                            filer_id=borrower_ids[(done + i) % len(borrower_ids)],
                            lender_id=rng.choice(lenders),
                            summary="催收人员多次联系我的亲友。",
                            desired_outcomes=[Outcome.STOP_THIRD_PARTIES.value],
                            province=rng.choice(provinces),
                            status=status,
                            created=created,
                            submitted_at=None if status == Status.DRAFT else created,
                            status_changed_at=changed,
                            # A lender has 15 days to answer; some of these are long past.
                            next_due_at=changed + timedelta(days=15) if waiting else None,
                        )
                    )
                # PostgreSQL returns primary keys from bulk_create; SQLite 3.35+ does too.
                Complaint.objects.bulk_create(complaints, batch_size=BATCH)
                incidents = []
                events = []
                for c in complaints:
                    for j in range(rng.randint(1, 3)):
                        collector = rng.choice(collectors)
                        incidents.append(
                            Incident(
                                complaint_id=c.pk,
                                occurred_at=c.created - timedelta(hours=j * 7),
                                channel=rng.choice(channels),
                                kind=rng.choice(kinds),
                                collector_id=collector,
                                collector_id_normalized=normalize_collector_id(collector),
                                contacted=ContactedParty.FAMILY,
                                description="",
                                created=c.created,
                            )
                        )
                    events.append(
                        TimelineEvent(
                            complaint_id=c.pk,
                            kind=TimelineEvent.Kind.CREATED,
                            created=c.created,
                        )
                    )
                Incident.objects.bulk_create(incidents, batch_size=BATCH)
                TimelineEvent.objects.bulk_create(events, batch_size=BATCH)
                done += size
        return count


def _first_regulator(complaint: Complaint) -> Any:
    """The first regulator on the complaint's route, as a person would send it there."""
    step = next(s for s in route_for_complaint(complaint) if s.regulator is not None)
    return step.regulator
