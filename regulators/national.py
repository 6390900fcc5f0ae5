"""China's national emergency and complaint numbers, as constants in code.

These never come from the directory: an import once put a province's "police" number
(12345678) on the button people in danger press. The directory adds local offices
beside these numbers, never instead of them, and nothing an admin or a spreadsheet
does can change what "call the police now" dials.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NationalNumber:
    key: str
    number: str
    name: Promise
    when: Promise

    @property
    def tel(self) -> str:
        return self.number


POLICE = NationalNumber(
    "police", "110", _("Police emergency"), _("You are threatened, followed, or someone comes to your door.")
)
AMBULANCE = NationalNumber("ambulance", "120", _("Ambulance"), _("Someone is hurt or in medical danger."))
LEGAL_AID = NationalNumber(
    "legal_aid", "12348", _("Public legal services"), _("Free legal advice, and legal aid if you qualify.")
)
NFRA = NationalNumber(
    "nfra",
    "12378",
    _("Banking and insurance consumer hotline (NFRA)"),
    _("Complaints about banks, consumer finance companies and their collectors."),
)
CENTRAL_BANK = NationalNumber(
    "central_bank",
    "12363",
    _("Financial consumer rights hotline (People's Bank of China)"),
    _("Complaints about payment and credit-reporting matters."),
)
CYBERSPACE = NationalNumber(
    "cyberspace",
    "12377",
    _("Illegal and harmful information reporting"),
    _("Your photo or details spread online, or shaming posts and groups."),
)
TELECOMS = NationalNumber(
    "telecoms",
    "12321",
    _("Spam calls and messages reporting"),
    _("Harassing calls and messages from numbers you do not know."),
)
MARKET = NationalNumber(
    "market",
    "12315",
    _("Market regulation complaints"),
    _("Unfair fees and terms of a lending app or its company."),
)

# In the order the legal-step page lists them: emergencies first.
NATIONAL_NUMBERS = (POLICE, AMBULANCE, LEGAL_AID, NFRA, CENTRAL_BANK, CYBERSPACE, TELECOMS, MARKET)
