"""The collection-conduct rules the checks start from (ConductRule rows an admin then keeps)."""

from __future__ import annotations

from datetime import time
from typing import Any

from complaints.models import Channel as C
from complaints.models import HarassmentKind as H

from .models import CheckKind

# From the domain notes' "Collection-conduct rules (for the violation checker)" and the
# harassment taxonomy's "Maps to" column. None is seeded confirmed: every source there is
# a press report or a secondary summary, and the article numbers of the NIFA and CBA
# texts could not be checked. An admin ticks `confirmed` after reading the original.

NIFA_2024 = "中国互联网金融协会《互联网金融贷后催收业务指引》"
NIFA_2024_READ = (
    "yaliqi.com/new/5e7c07eaa209453ca429dc3fe9deb4d0; laitimes.com/article/6s2cp_78en6.html; "
    "bvvic.com/honghe/wenti/1543.html (secondary; 2024 by context)"
)
CBA = "中国银行业协会《金融机构个人消费类贷款催收工作指引（试行）》"
CBA_READ = (
    "163.com/dy/article/KKKKMEEH0553TEXM.html; gzlysc.com/falv/8158.html; "
    "cydcjw.com/caijing/406.html (secondary; article numbers unconfirmed)"
)
CBIRC_41 = "《银行保险机构消费者权益保护管理办法》（银保监会令2022年第9号）第41条"
CBIRC_41_READ = "233.com/ccbp/zhishiku (secondary summary)"
NIFA_2018 = "中国互联网金融协会《互联网金融逾期债务催收自律公约（试行）》"
NIFA_2018_READ = (
    "ifuun.com/a2018032811429444 (财联社); hefeilaws.com/hf/337976.html (secondary); "
    "article-level text unconfirmed"
)

CONDUCT_RULES: list[dict[str, Any]] = [
    {
        "code": "nifa-quiet-hours",
        "order": 10,
        "check_kind": CheckKind.QUIET_HOURS,
        "quiet_from": time(22, 0),
        "quiet_until": time(8, 0),
        "channels": [],
        "name_zh": "夜间催收（22:00至次日8:00）",
        "name_en": "Collection at night (22:00–08:00)",
        "description_zh": "除另有约定外，不得在每日22:00至次日8:00催收。适用于银行、消费金融公司、小额贷款公司、汽车金融公司及债权受让方。",
        "description_en": "No collection between 22:00 and 08:00 unless agreed. Covers banks, consumer finance, "
        "small-loan and auto-finance companies, and debt buyers.",
        "source": NIFA_2024,
        "source_reference": NIFA_2024_READ,
    },
    {
        "code": "cba-quiet-hours",
        "order": 11,
        "check_kind": CheckKind.QUIET_HOURS,
        "quiet_from": time(22, 0),
        "quiet_until": time(8, 0),
        "channels": [C.CALL, C.VISIT],
        "name_zh": "夜间致电或上门（22:00至次日8:00）",
        "name_en": "Calls or visits at night (22:00–08:00)",
        "description_zh": "未经债务人同意，不得在每日22:00至次日8:00致电或上门催收。",
        "description_en": "No calls or visits between 22:00 and 08:00 without the debtor's consent.",
        "source": CBA,
        "source_reference": CBA_READ,
    },
    {
        "code": "nifa-connected-calls",
        "order": 20,
        "check_kind": CheckKind.CALLS_PER_DAY,
        "max_per_day": 3,
        "channels": [C.CALL],
        "name_zh": "每日接通的催收电话超过上限",
        "name_en": "More connected calls a day than allowed",
        "description_zh": "同一债务人每日接通的语音催收合计不超过3次，出借机构及其委托的催收机构合并计算。",
        "description_en": "At most 3 connected collection calls a day per debtor, the lender and its agencies "
        "counted together.",
        "source": NIFA_2024,
        "source_reference": NIFA_2024_READ,
    },
    {
        "code": "cba-dials-per-contact",
        "order": 21,
        "check_kind": CheckKind.CALLS_PER_CONTACT,
        "max_per_day": 6,
        "channels": [C.CALL],
        "name_zh": "每日拨打同一联系人超过上限",
        "name_en": "More calls a day to one person than allowed",
        "description_zh": "对同一联系人每日拨打未接通的电话不超过6次。",
        "description_en": "At most 6 unanswered dials a day to the same contact.",
        "source": CBA,
        "source_reference": CBA_READ,
    },
    {
        "code": "cba-third-parties",
        "order": 30,
        "check_kind": CheckKind.THIRD_PARTIES,
        "channels": [],
        "name_zh": "向无关第三方催收",
        "name_en": "Collecting from unrelated third parties",
        "description_zh": "第三方分为与债务相关和无关两类；不得向无关第三方催收，事先约定的联系人仅可用于联系债务人，不得向其透露债务信息。",
        "description_en": "Third parties are either debt-related or unrelated. Unrelated ones may not be "
        "contacted about the debt; a pre-agreed contact may be called only to reach the debtor, and "
        "told nothing about the debt.",
        "source": CBA,
        "source_reference": CBA_READ,
    },
    {
        "code": "cba-impersonation",
        "order": 40,
        "check_kind": CheckKind.INCIDENT_KIND,
        "incident_kinds": [H.IMPERSONATION],
        "channels": [],
        "name_zh": "冒充行政机关或司法机关",
        "name_en": "Posing as an administrative or judicial body",
        "description_zh": "禁止冒充行政机关、司法机关（公安、法院、检察院等）催收。",
        "description_en": "Collectors may not pose as administrative or judicial bodies (police, courts, "
        "prosecutors).",
        "source": f"{CBA}；{CBIRC_41}",
        "source_reference": f"{CBA_READ}; {CBIRC_41_READ}",
    },
    {
        "code": "cba-fake-legal-documents",
        "order": 41,
        "check_kind": CheckKind.INCIDENT_KIND,
        "incident_kinds": [H.IMPERSONATION],
        # The incident form has one kind for posing as an authority and for fake legal
        # documents; a letter or parcel that poses as one is a fake document. An admin
        # can add channels (a photo of a fake summons sent by WeChat) here.
        "channels": [C.LETTER],
        "name_zh": "伪造律师函、传票等法律文书",
        "name_en": "Fake lawyer's letters, summonses or court papers",
        "description_zh": "禁止伪造或假冒律师函、传票、判决书、仲裁或立案通知书等法律文书，作误导性或夸大其词的陈述。",
        "description_en": "No fake lawyer's letters, summonses, judgments, arbitration or case-filing "
        "notices, and no misleading or exaggerated claims.",
        "source": CBA,
        "source_reference": CBA_READ,
    },
    {
        "code": "cba-public-disclosure",
        "order": 50,
        "check_kind": CheckKind.INCIDENT_KIND,
        "incident_kinds": [H.PUBLIC_SHAMING],
        "channels": [],
        "name_zh": "散布债务人隐私、公开曝光",
        "name_en": "Spreading the debtor's private information",
        "description_zh": "禁止散布债务人隐私，包括张贴、在网上发布债务人的照片、证件或债务信息。",
        "description_en": "No spreading of the debtor's private information, such as posters or posting "
        "photos, ID or debts online.",
        "source": CBA,
        "source_reference": CBA_READ,
    },
    {
        "code": "cba-threats",
        "order": 60,
        "check_kind": CheckKind.INCIDENT_KIND,
        "incident_kinds": [H.THREATS],
        "channels": [],
        "name_zh": "恐吓、威胁",
        "name_en": "Intimidation and threats",
        "description_zh": "禁止以恐吓、威胁或暴力方式催收。",
        "description_en": "No collection by intimidation, threats or violence.",
        "source": f"{CBA}；{CBIRC_41}",
        "source_reference": f"{CBA_READ}; {CBIRC_41_READ}",
    },
    {
        "code": "cba-insults",
        "order": 61,
        "check_kind": CheckKind.INCIDENT_KIND,
        "incident_kinds": [H.INSULTS],
        "channels": [],
        "name_zh": "侮辱、辱骂",
        "name_en": "Insults",
        "description_zh": "禁止以侮辱方式催收。",
        "description_en": "No collection by insults.",
        "source": CBA,
        "source_reference": CBA_READ,
    },
    {
        "code": "cba-visits",
        "order": 70,
        "check_kind": CheckKind.INCIDENT_KIND,
        "incident_kinds": [H.VISIT],
        "channels": [],
        # An incident does not record how many collectors came: the rule can only be
        # pointed out, not found broken.
        "possible_only": True,
        "name_zh": "上门催收须不少于2人",
        "name_en": "Visits need at least two collectors",
        "description_zh": "上门催收应不少于2人；本系统未记录上门人数，请核实是否只有1人上门。",
        "description_en": "A visit needs at least two collectors. Incidents do not record how many came: "
        "check whether only one did.",
        "source": f"{CBA}第22条",
        "source_reference": CBA_READ,
    },
    {
        "code": "nifa-unlawful-fees",
        "order": 80,
        "check_kind": CheckKind.INCIDENT_KIND,
        "incident_kinds": [H.UNLAWFUL_FEES],
        "channels": [],
        "name_zh": "催收超过法定上限的利息和费用",
        "name_en": "Collecting interest and fees above the legal limits",
        "description_zh": "不得催收总费用和利息中超过法律规定上限的部分。",
        "description_en": "The part of the total fees and interest above the legal limits may not be collected.",
        "source": NIFA_2018,
        "source_reference": NIFA_2018_READ,
    },
]
