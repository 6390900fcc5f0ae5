"""The regulator directory's starting point, from the domain notes (../shared/domain/README.md).

Every entry is seeded unverified (`verified_at` empty), so the admin's "needs checking"
filter lists all of them until someone has checked each against its official source.
Figures the domain notes mark as secondary or unconfirmed say so in the entry's notes.

Local entries carry no contact details on purpose: a wrong number on a page meant for
people under pressure does harm, so an admin fills them in from the official source.
The websites of the national bodies are their well-known official portals.
"""

from __future__ import annotations

from typing import Any

from complaints.models import HarassmentKind as H
from complaints.models import LicenceType as L
from complaints.models import Province

from .models import RegulatorKind as K

NFRA_HOTLINE = "12378"
NFRA_DEADLINE: dict[str, Any] = {
    "deadline_days": 15,
    "deadline_working_days": True,
    "deadline_rule": "12378 投诉反馈时限（二手资料称15个工作日，未经核实） / "
    "12378 feedback time (15 working days per secondary sites; unconfirmed)",
    "deadline_source": "szcga.com/zhengceinfo.asp?ID=1173 (secondary; unconfirmed)",
}

NATIONAL: list[dict[str, Any]] = [
    {
        "seed_key": "nfra",
        "name_zh": "国家金融监督管理总局",
        "name_en": "National Financial Regulatory Administration (NFRA)",
        "kind": K.NFRA,
        "hotline": NFRA_HOTLINE,
        "website": "https://www.nfra.gov.cn/",
        "licence_types": [L.BANK, L.CONSUMER_FINANCE],
        "harassment_kinds": [],
        **NFRA_DEADLINE,
        "notes": "监管银行、消费金融公司和保险机构。12378 热线仍由国家金融监督管理总局运营。"
        "催收规定见《银行保险机构消费者权益保护管理办法》（银保监会令2022年第9号）第41条（二手摘要）。"
        "“15个工作日反馈”仅见于二手资料（szcga.com/zhengceinfo.asp?ID=1173），未经核实。",
        "notes_en": "Supervises banks, consumer finance companies and insurers. NFRA still runs the 12378 "
        "hotline. Collection rules: 《银行保险机构消费者权益保护管理办法》 (CBIRC Order 2022 No. 9), "
        "Art 41 (secondary summary). The '15 working days' figure comes only from a secondary site "
        "(szcga.com/zhengceinfo.asp?ID=1173) and is unconfirmed.",
    },
    {
        "seed_key": "pboc",
        "name_zh": "中国人民银行",
        "name_en": "People's Bank of China (PBoC)",
        "kind": K.CENTRAL_BANK,
        "hotline": "12363",
        "website": "https://www.pbc.gov.cn/",
        "licence_types": [],
        "harassment_kinds": [H.OTHER],
        "notes": "受理支付和征信（信用报告）相关投诉，例如信用报告记录有误。骚扰本身请找其他机构。",
        "notes_en": "Takes complaints about payments and credit reporting (征信), for example a wrong "
        "entry in your credit report. For the harassment itself, turn to the other bodies.",
    },
    {
        "seed_key": "samr-12315",
        "name_zh": "市场监督管理部门 / 消费者协会（12315）",
        "name_en": "Market regulation / consumer association (12315)",
        "kind": K.MARKET_REGULATION,
        "hotline": "12315",
        "website": "https://www.12315.cn/",
        "licence_types": [],
        "harassment_kinds": [H.UNLAWFUL_FEES, H.OTHER],
        "deadline_days": 7,
        "deadline_working_days": True,
        "deadline_rule": "《市场监督管理投诉举报处理暂行办法》第14条：7个工作日内决定是否受理 / "
        "Art 14: accept or reject within 7 working days",
        "deadline_source": "LawRefBook/Laws: 部门规章/市场监督管理总局/市场监督管理投诉举报处理暂行办法(2022-03-24).md",
        "notes": "不属于市场监管部门职责范围的投诉不予受理（第15条第1项），金融类投诉可能被拒。"
        "调解45个工作日内未达成协议的终止调解（第21条第5项），7个工作日内告知。"
        "违法线索15个工作日内核查，可延长15个工作日（第23条）。",
        "notes_en": "Complaints outside SAMR's remit are not accepted (Art 15(1)), so finance cases may be "
        "turned away. Mediation ends without agreement after 45 working days (Art 21(5)), with notice "
        "within 7 working days. Violation leads are checked within 15 working days, +15 (Art 23).",
    },
    {
        "seed_key": "cac-12377",
        "name_zh": "中央网信办（国家互联网信息办公室）违法和不良信息举报中心",
        "name_en": "Cyberspace Administration of China, Illegal and Harmful Information Reporting Centre",
        "kind": K.CYBERSPACE,
        "hotline": "12377",
        "website": "https://www.12377.cn/",
        "licence_types": [],
        "harassment_kinds": [H.THIRD_PARTIES, H.PUBLIC_SHAMING],
        "notes": "个人信息滥用（爆通讯录、网上曝光）可依《个人信息保护法》第65条投诉举报，主管部门应当处理并告知结果。"
        "各省另有“App违法违规收集使用个人信息”举报专区（如山东：guanhai.com.cn/p/162981.html）。"
        "借贷类App的必要个人信息不包括通讯录（《常见类型移动互联网应用程序必要个人信息范围规定》）。",
        "notes_en": "Personal-information abuse (contact-list blasting, shaming online) can be reported under "
        "PIPL Art 65; the authority must handle it and tell you the result. Provinces also run report "
        "areas for apps that collect personal data unlawfully (e.g. Shandong: guanhai.com.cn/p/162981.html). "
        "For lending apps the contact list is not necessary data (必要个人信息范围规定, 2021).",
    },
    {
        "seed_key": "miit-12321",
        "name_zh": "12321网络不良与垃圾信息举报受理中心",
        "name_en": "12321 Internet Harmful Information and Spam Reporting Centre",
        "kind": K.TELECOMS_REPORTING,
        "hotline": "12321",
        "website": "https://www.12321.cn/",
        "licence_types": [],
        "harassment_kinds": [H.NIGHT_CALLS, H.EXCESSIVE_FREQUENCY, H.THIRD_PARTIES],
        "notes": "受工业和信息化部委托、由中国互联网协会运营。受理骚扰电话、垃圾短信、个人信息泄露举报（12321.cn 指南，二手资料）。",
        "notes_en": "Commissioned by MIIT and run by the Internet Society of China. Takes reports of harassing "
        "calls, spam SMS and leaked personal data (12321.cn guide; secondary).",
    },
    {
        "seed_key": "nifa",
        "name_zh": "中国互联网金融协会",
        "name_en": "National Internet Finance Association of China (NIFA)",
        "kind": K.INDUSTRY_ASSOCIATION,
        "website": "https://jubao.nifa.org.cn/",
        "licence_types": [],
        "harassment_kinds": [],
        "notes": "行业自律组织，不是政府监管机构。只接受实名举报，每人每天最多5条；线索会转交有关部门"
        "（qllr.org/peizipingtai/19623.html，二手资料）。《互联网金融逾期债务催收自律公约（试行）》："
        "不得催收超过法定上限的费用和利息。",
        "notes_en": "An industry self-regulation body, not a government regulator. Real-name reports only, "
        "at most 5 a day; leads are forwarded to the authorities (qllr.org/peizipingtai/19623.html; "
        "secondary). Its 2018 collection convention bars collecting fees and interest above legal limits.",
    },
    {
        "seed_key": "police-110",
        "name_zh": "公安机关（110）",
        "name_en": "Police (110)",
        "kind": K.POLICE,
        "hotline": "110",
        "in_person": "到就近的派出所报案，带上录音、截图、聊天记录等证据。",
        "licence_types": [],
        "harassment_kinds": [H.THREATS, H.INSULTS, H.PUBLIC_SHAMING, H.IMPERSONATION, H.VISIT],
        "notes": "紧急情况直接拨打110。《治安管理处罚法》第42条（2012年文本）：写恐吓信、公然侮辱诽谤、多次发送淫秽侮辱恐吓信息、"
        "散布他人隐私，可处拘留（crsrw.com/falvjiangtang/158180.html）；2025年修订后条文序号有变（未经核实）。"
        "《刑法》第293条之一催收非法债务罪，最高三年有期徒刑。",
        "notes_en": "In an emergency call 110. Public Security Administration Punishments Law Art 42 (2012 "
        "text): threatening letters, public insult or defamation, repeated obscene, insulting or "
        "threatening messages and spreading others' privacy can lead to detention "
        "(crsrw.com/falvjiangtang/158180.html); the 2025 revision renumbered articles (unconfirmed). "
        "Criminal Law Art 293-1 (illegal debt collection): up to 3 years.",
    },
    {
        "seed_key": "legal-aid-12348",
        "name_zh": "公共法律服务 / 法律援助（12348）",
        "name_en": "Public legal services and legal aid (12348)",
        "kind": K.LEGAL_AID,
        "hotline": "12348",
        "website": "https://www.12348.gov.cn/",
        "licence_types": [],
        "harassment_kinds": [],
        "notes": "免费法律咨询；符合条件的可申请法律援助，包括提起民事诉讼（《民法典》第1032、1033条）。",
        "notes_en": "Free legal advice; legal aid for those who qualify, including a civil suit "
        "(Civil Code Arts 1032 and 1033).",
    },
    {
        "seed_key": "court",
        "name_zh": "人民法院",
        "name_en": "People's courts",
        "kind": K.COURT,
        "in_person": "到有管辖权的基层人民法院诉讼服务中心立案。起诉前可拨打12348咨询。",
        "licence_types": [],
        "harassment_kinds": [],
        "notes": "侵害隐私和个人信息可提起民事诉讼：《民法典》第1032、1033条；《个人信息保护法》第69–70条（未经核实）。",
        "notes_en": "A civil suit for invasion of privacy and personal information: Civil Code Arts 1032 "
        "and 1033; PIPL Arts 69-70 (unconfirmed).",
    },
]

# code: (full Chinese name, short name used in NFRA bureau names, English name)
PROVINCE_NAMES: dict[str, tuple[str, str, str]] = {
    Province.BEIJING: ("北京市", "北京", "Beijing"),
    Province.TIANJIN: ("天津市", "天津", "Tianjin"),
    Province.HEBEI: ("河北省", "河北", "Hebei"),
    Province.SHANXI: ("山西省", "山西", "Shanxi"),
    Province.INNER_MONGOLIA: ("内蒙古自治区", "内蒙古", "Inner Mongolia"),
    Province.LIAONING: ("辽宁省", "辽宁", "Liaoning"),
    Province.JILIN: ("吉林省", "吉林", "Jilin"),
    Province.HEILONGJIANG: ("黑龙江省", "黑龙江", "Heilongjiang"),
    Province.SHANGHAI: ("上海市", "上海", "Shanghai"),
    Province.JIANGSU: ("江苏省", "江苏", "Jiangsu"),
    Province.ZHEJIANG: ("浙江省", "浙江", "Zhejiang"),
    Province.ANHUI: ("安徽省", "安徽", "Anhui"),
    Province.FUJIAN: ("福建省", "福建", "Fujian"),
    Province.JIANGXI: ("江西省", "江西", "Jiangxi"),
    Province.SHANDONG: ("山东省", "山东", "Shandong"),
    Province.HENAN: ("河南省", "河南", "Henan"),
    Province.HUBEI: ("湖北省", "湖北", "Hubei"),
    Province.HUNAN: ("湖南省", "湖南", "Hunan"),
    Province.GUANGDONG: ("广东省", "广东", "Guangdong"),
    Province.GUANGXI: ("广西壮族自治区", "广西", "Guangxi"),
    Province.HAINAN: ("海南省", "海南", "Hainan"),
    Province.CHONGQING: ("重庆市", "重庆", "Chongqing"),
    Province.SICHUAN: ("四川省", "四川", "Sichuan"),
    Province.GUIZHOU: ("贵州省", "贵州", "Guizhou"),
    Province.YUNNAN: ("云南省", "云南", "Yunnan"),
    Province.TIBET: ("西藏自治区", "西藏", "Tibet"),
    Province.SHAANXI: ("陕西省", "陕西", "Shaanxi"),
    Province.GANSU: ("甘肃省", "甘肃", "Gansu"),
    Province.QINGHAI: ("青海省", "青海", "Qinghai"),
    Province.NINGXIA: ("宁夏回族自治区", "宁夏", "Ningxia"),
    Province.XINJIANG: ("新疆维吾尔自治区", "新疆", "Xinjiang"),
}

FILL_IN_ZH = "联系方式尚未填写：须由管理员从官方渠道查实后填写，并记录核实时间。正式名称各省可能不同。"
FILL_IN_EN = (
    "No contact details yet: an admin must fill them in from the official source and record when "
    "they were checked. The official name may differ by province."
)


def local_financial_bureau(code: str) -> dict[str, Any]:
    full, _short, en = PROVINCE_NAMES[code]
    return {
        "seed_key": f"lfb-{code}",
        "name_zh": f"{full}地方金融管理局",
        "name_en": f"{en} Local Financial Administration",
        "kind": K.LOCAL_FINANCIAL_BUREAU,
        "province": code,
        "licence_types": [L.MICRO_LOAN],
        "harassment_kinds": [],
        "notes": f"{FILL_IN_ZH}监管本省的小额贷款公司（含网络小贷），依据国家金融监督管理总局2025-01-17发布的"
        "《小额贷款公司监督管理暂行办法》，该办法将“不当催收”列为要解决的问题"
        "（shanghai.dacheng.com 评论；条文未核实）。",
        "notes_en": f"{FILL_IN_EN} Supervises the province's small-loan companies (incl. online) under "
        "NFRA's 《小额贷款公司监督管理暂行办法》 of 2025-01-17, which names improper collection among "
        "the problems it addresses (shanghai.dacheng.com commentary; article text unconfirmed).",
    }


def nfra_local_bureau(code: str) -> dict[str, Any]:
    _full, short, en = PROVINCE_NAMES[code]
    return {
        "seed_key": f"nfra-{code}",
        "name_zh": f"国家金融监督管理总局{short}监管局",
        "name_en": f"NFRA {en} Bureau",
        "kind": K.NFRA,
        "province": code,
        "hotline": NFRA_HOTLINE,
        "licence_types": [L.BANK, L.CONSUMER_FINANCE],
        "harassment_kinds": [],
        **NFRA_DEADLINE,
        "notes": "拨打12378投诉银行或消费金融公司，投诉会转到本地监管局。"
        "本局的地址、网站等其他联系方式尚未填写，须由管理员查实后填写。"
        "“15个工作日反馈”仅见于二手资料，未经核实。",
        "notes_en": "Call 12378 to complain about a bank or consumer finance company; the complaint "
        "reaches the local bureau. Its address, website and other channels are not filled in yet: an "
        "admin must check them first. The '15 working days' figure is from a secondary site and "
        "unconfirmed.",
    }


def seed_entries() -> list[dict[str, Any]]:
    """Every seeded entry: the national bodies, then two local ones per province."""
    local = []
    for code in Province.values:
        local.append(nfra_local_bureau(code))
        local.append(local_financial_bureau(code))
    return [*NATIONAL, *local]


# --- Collection-conduct rules ----------------------------------------------------------
