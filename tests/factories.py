from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import Role, User
from complaints.models import Channel, Complaint, HarassmentKind, Incident, Institution, Lender, Status

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    # As sign-up makes them: a borrower's username is their mobile number, so tests see
    # the number wherever real data would hold it (audit labels, sign-in records).
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    username = factory.LazyAttribute(lambda u: u.phone)
    role = Role.BORROWER
    password = factory.django.Password(PASSWORD)


class LenderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lender
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"贷款App{n}")
    confirmed = True


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"某某金融有限公司{n}")
    confirmed = True


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint
        skip_postgeneration_save = True

    filer = factory.SubFactory(UserFactory)
    lender = factory.SubFactory(LenderFactory)
    summary = "催收打电话给我的家人。"
    status = Status.DRAFT
    submitted_at = factory.LazyAttribute(
        lambda o: None if o.status == Status.DRAFT else timezone.now() - timedelta(days=1)
    )

    @factory.post_generation
    def consent(obj, create: bool, extracted: object, **kwargs: object) -> None:
        """As in real data: a complaint past its draft was submitted with the filer's
        consent to the handling of sensitive information (a draft's filer gives it when
        submitting; tests of drafts record it themselves)."""
        if create and obj.status != Status.DRAFT:
            from accounts.models import Consent
            from accounts.services import consent_record

            consent_record(user=obj.filer, purpose=Consent.Purpose.SENSITIVE)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    complaint = factory.SubFactory(ComplaintFactory)
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=2))
    channel = Channel.CALL
    kind = HarassmentKind.THIRD_PARTIES
    collector_id = "171 0000 1111"
    collector_id_normalized = "17100001111"


class RegulatorFactory(factory.django.DjangoModelFactory):
    # By label, not by import: this module's imports stay as they were.
    class Meta:
        model = "regulators.Regulator"

    name_zh = factory.Sequence(lambda n: f"监管机构{n}")
    name_en = factory.Sequence(lambda n: f"Regulator {n}")
    kind = "police"
    hotline = "110"


def consented(user: User) -> User:
    """The filer ticked "I agree" to the handling of sensitive information, as the filing
    form asks before a first submission."""
    from accounts.models import Consent
    from accounts.services import consent_record

    consent_record(user=user, purpose=Consent.Purpose.SENSITIVE)
    return user
