"""Which laws and rules each kind of harassment breaks, as letters cite them.

From the domain notes (../shared/domain/README.md, "Collection-conduct rules" and
"Privacy law relevant to 爆通讯录"). Every citation says whether its article number and
content were checked against the official text; letters print the caveat beside an
unchecked one, so no borrower cites a wrong article without being told. The summaries
paraphrase (they are not quotations), in the formal Chinese the letters use.

Kept as a table in code for now: the letter template reads it. The conduct rules each
incident is checked against (limits, hours, sources) are data admins edit already:
ConductRule, applied by escalations.conduct; a later step may move these citations too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from complaints.models import HarassmentKind, Outcome
from regulators.models import RegulatorKind

UNCONFIRMED_ARTICLE = "条款序号未经核实"
SECONDARY = "依据公开报道或二手资料整理，未核对原文"


@dataclass(frozen=True)
class Citation:
    key: str
    instrument: str  # the law or rule, with its 《》
    article: str  # "第1033条第（一）项"; empty when the article is not known
    summary: str
    confirmed: bool  # article and content checked against the text
    caveat: str = ""

    @property
    def heading(self) -> str:
        return f"{self.instrument}{self.article}"

    @property
    def caveat_text(self) -> str:
        if self.confirmed:
            return ""
        return self.caveat or UNCONFIRMED_ARTICLE


CITATIONS: dict[str, Citation] = {
    c.key: c
    for c in [
        Citation(
            key="civil_1032",
            instrument="《中华人民共和国民法典》",
            article="第1032条",
            summary="自然人享有隐私权，隐私包括私人生活安宁；任何组织或者个人不得以刺探、侵扰、泄露、公开等方式侵害他人的隐私权。",
            confirmed=True,
        ),
        Citation(
            key="civil_1033",
            instrument="《中华人民共和国民法典》",
            article="第1033条第（一）项",
            summary="除法律另有规定或者权利人明确同意外，任何组织或者个人不得以电话、短信、即时通讯工具、电子邮件、传单等方式侵扰他人的私人生活安宁。该规定同样保护被催收方联系的亲友、同事。",
            confirmed=True,
        ),
        Citation(
            key="pipl_5_6",
            instrument="《中华人民共和国个人信息保护法》",
            article="第5条、第6条",
            summary="处理个人信息应当遵循合法、正当、必要和诚信原则，不得通过误导、欺诈、胁迫等方式处理个人信息；应当限于实现处理目的的最小范围，不得过度收集个人信息。",
            confirmed=True,
        ),
        Citation(
            key="pipl_10",
            instrument="《中华人民共和国个人信息保护法》",
            article="第10条",
            summary="任何组织、个人不得非法收集、使用、加工、传输他人个人信息，不得非法买卖、提供或者公开他人个人信息。",
            confirmed=True,
        ),
        Citation(
            key="pipl_25",
            instrument="《中华人民共和国个人信息保护法》",
            article="第25条",
            summary="个人信息处理者不得公开其处理的个人信息，取得个人单独同意的除外。",
            confirmed=True,
        ),
        Citation(
            key="pipl_44_47",
            instrument="《中华人民共和国个人信息保护法》",
            article="第44条、第47条",
            summary="个人有权限制或者拒绝他人对其个人信息进行处理；个人撤回同意或者个人信息处理者违法处理个人信息的，应当主动删除个人信息。",
            confirmed=True,
        ),
        Citation(
            key="pipl_65",
            instrument="《中华人民共和国个人信息保护法》",
            article="第65条",
            summary="任何组织、个人有权对违法个人信息处理活动向履行个人信息保护职责的部门进行投诉、举报；收到投诉、举报的部门应当依法及时处理，并将处理结果告知投诉、举报人。",
            confirmed=True,
        ),
        Citation(
            key="necessary_info",
            instrument="《常见类型移动互联网应用程序必要个人信息范围规定》（2021年5月1日起施行）",
            article="",
            summary="借贷类App的必要个人信息为注册用户移动电话号码及借款人姓名、证件信息、银行卡等，通讯录不属于必要个人信息；用户拒绝提供非必要个人信息的，App不得因此拒绝提供基本功能服务。",
            confirmed=False,
            caveat="未列明条款序号；" + SECONDARY,
        ),
        Citation(
            key="cba_third_parties",
            instrument="中国银行业协会《金融机构个人消费类贷款催收工作指引（试行）》",
            article="",
            summary="区分与债务相关和无关的第三方；事先约定的联系人仅可用于联系债务人，不得向其透露债务信息。",
            confirmed=False,
            caveat=f"{UNCONFIRMED_ARTICLE}；{SECONDARY}",
        ),
        Citation(
            key="cba_banned",
            instrument="中国银行业协会《金融机构个人消费类贷款催收工作指引（试行）》",
            article="",
            summary="禁止冒充行政机关或司法机关，禁止散布债务人隐私、恐吓、侮辱、欺诈、威胁或使用暴力，禁止作误导性或夸大其词的陈述，禁止诱导以贷还贷。",
            confirmed=False,
            caveat=f"{UNCONFIRMED_ARTICLE}；{SECONDARY}",
        ),
        Citation(
            key="cba_hours",
            instrument="中国银行业协会《金融机构个人消费类贷款催收工作指引（试行）》",
            article="",
            summary="未经同意，不得在每日22:00至次日8:00致电或上门催收；对同一联系人每日未接通的拨打不超过6次。",
            confirmed=False,
            caveat=f"{UNCONFIRMED_ARTICLE}；{SECONDARY}",
        ),
        Citation(
            key="cba_visit",
            instrument="中国银行业协会《金融机构个人消费类贷款催收工作指引（试行）》",
            article="第22条",
            summary="上门催收应不少于2人，且不得在22:00至次日8:00进行（经同意的除外）。",
            confirmed=False,
            caveat=SECONDARY,
        ),
        Citation(
            key="nifa_2024",
            instrument="中国互联网金融协会《互联网金融贷后催收业务指引》",
            article="",
            summary="除另有约定外，不得在22:00至次日8:00催收；同一债务人每日接通的语音催收合计不超过3次（出借机构及其委托机构合并计算）。",
            confirmed=False,
            caveat=f"{UNCONFIRMED_ARTICLE}；{SECONDARY}",
        ),
        Citation(
            key="nifa_2018",
            instrument="中国互联网金融协会《互联网金融逾期债务催收自律公约（试行）》",
            article="",
            summary="不得催收超过法律规定上限的利息和费用。",
            confirmed=False,
            caveat=f"{UNCONFIRMED_ARTICLE}；{SECONDARY}",
        ),
        Citation(
            key="cbirc_41",
            instrument="《银行保险机构消费者权益保护管理办法》（银保监会令2022年第9号）",
            article="第41条",
            summary="委外催收前应告知债务人；不得冒充司法机关，不得使用暴力、恐吓、欺诈等不当手段催收。",
            confirmed=False,
            caveat="依据二手摘要，未核对原文",
        ),
        Citation(
            key="psal_42",
            instrument="《中华人民共和国治安管理处罚法》",
            article="第42条（2012年修正文本）",
            summary="写恐吓信或者以其他方法威胁他人人身安全，公然侮辱他人或者捏造事实诽谤他人，多次发送淫秽、侮辱、恐吓或者其他信息干扰他人正常生活，散布他人隐私的，处拘留或者罚款。",
            confirmed=False,
            caveat="2025年修订后条款序号已调整，现行序号未经核实",
        ),
        Citation(
            key="criminal_293_1",
            instrument="《中华人民共和国刑法》",
            article="第293条之一（催收非法债务罪）",
            summary="使用暴力、胁迫方法，限制他人人身自由或者侵入他人住宅，或者恐吓、跟踪、骚扰他人，催收高利放贷等产生的非法债务，情节严重的，构成犯罪。",
            confirmed=True,
        ),
        Citation(
            key="criminal_246",
            instrument="《中华人民共和国刑法》",
            article="第246条",
            summary="以暴力或者其他方法公然侮辱他人或者捏造事实诽谤他人，情节严重的，构成侮辱罪、诽谤罪。",
            confirmed=True,
        ),
    ]
}

H = HarassmentKind

BY_KIND: dict[str, tuple[str, ...]] = {
    H.THIRD_PARTIES: ("civil_1033", "pipl_10", "pipl_5_6", "cba_third_parties", "necessary_info"),
    H.THREATS: ("psal_42", "criminal_293_1", "cba_banned", "cbirc_41"),
    H.INSULTS: ("psal_42", "criminal_246", "cba_banned"),
    H.PUBLIC_SHAMING: ("pipl_25", "civil_1032", "psal_42", "criminal_246"),
    H.NIGHT_CALLS: ("civil_1033", "nifa_2024", "cba_hours"),
    H.EXCESSIVE_FREQUENCY: ("civil_1033", "nifa_2024", "cba_hours"),
    H.IMPERSONATION: ("cba_banned", "cbirc_41"),
    H.VISIT: ("cba_visit", "criminal_293_1"),
    H.UNLAWFUL_FEES: ("nifa_2018",),
    H.OTHER: (),
}

# Some requests rest on a right of their own.
BY_OUTCOME: dict[str, tuple[str, ...]] = {
    Outcome.DELETE_DATA: ("pipl_44_47",),
}

# What a body's own complaint channel rests on.
BY_REGULATOR_KIND: dict[str, tuple[str, ...]] = {
    RegulatorKind.CYBERSPACE: ("pipl_65",),
}


def citations_for(
    *, kinds: Iterable[str], outcomes: Iterable[str] = (), regulator_kind: str = ""
) -> list[Citation]:
    """The citations for these incident kinds and requests, each once, first mention first."""
    keys: list[str] = []
    for kind in kinds:
        keys.extend(BY_KIND.get(kind, ()))
    for outcome in outcomes:
        keys.extend(BY_OUTCOME.get(outcome, ()))
    keys.extend(BY_REGULATOR_KIND.get(regulator_kind, ()))
    seen: dict[str, Citation] = {}
    for key in keys:
        seen.setdefault(key, CITATIONS[key])
    return list(seen.values())
