"""The brands borrowers most often name, and the institutions of record behind the few
whose lender is published, from the domain notes (../shared/domain/README.md). Admins
confirm and extend.

Only what can be cited is seeded. The domain notes list the brands (with the group or
company names people use for them) and, for six of them, the lender of record with its
licence and registered province, "as widely reported in public filings and the
companies' own disclosures", to be checked against 国家企业信用信息公示系统 before being
marked verified. So every seeded fact is unverified and carries that source; no hotline,
address or credit code is seeded, because none could be read from a source here: a wrong
number is worse than none. The other brands are platforms lending through several
funders; their funders are left for borrowers (their contracts) and admins to add.

Pinyin and initials are the brand's name spelled out, for search, not facts about it.
"""

from __future__ import annotations

from .models import LicenceType, Province

DOMAIN_SOURCE = (
    "项目领域资料 shared/domain/README.md “Brands whose lender of record is widely published”"
    "（据公开披露，二手资料；须在国家企业信用信息公示系统核实）"
)
DOMAIN_BRANDS_SOURCE = "项目领域资料 shared/domain/README.md “Lenders borrowers often name”（二手资料）"

SEED_LENDERS: list[dict[str, object]] = [
    {
        "name": "小赢卡贷",
        "other_names": ["小赢科技", "小赢"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "xiaoyingkadai",
        "initials": "xykd",
    },
    {
        "name": "拍拍贷",
        "other_names": ["信也科技", "信也"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "paipaidai",
        "initials": "ppd",
    },
    {
        "name": "360借条",
        "other_names": ["奇富科技", "奇富借条", "360数科"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "360jietiao",
        "initials": "360jt",
    },
    {
        "name": "分期乐",
        "other_names": ["乐信"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "fenqile",
        "initials": "fql",
    },
    {
        "name": "安逸花",
        "other_names": ["马上消费金融", "马上消费"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "pinyin": "anyihua",
        "initials": "ayh",
    },
    {
        "name": "招联好期贷",
        "other_names": ["招联消费金融", "招联金融", "招联"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "pinyin": "zhaolianhaoqidai",
        "initials": "zlhqd",
    },
    {
        "name": "微粒贷",
        "other_names": ["微众银行"],
        "licence_type": LicenceType.BANK,
        "pinyin": "weilidai",
        "initials": "wld",
    },
    {
        "name": "借呗",
        "other_names": ["花呗", "蚂蚁消费金融", "重庆蚂蚁消费金融"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "pinyin": "jiebei",
        "initials": "jb",
    },
    {
        "name": "京东金条",
        "other_names": ["京东白条", "京东科技"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "jingdongjintiao",
        "initials": "jdjt",
    },
    {
        "name": "度小满",
        "other_names": ["度小满金融", "有钱花"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "duxiaoman",
        "initials": "dxm",
    },
    {
        "name": "美团借钱",
        "other_names": ["美团"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "meituanjieqian",
        "initials": "mtjq",
    },
    {
        "name": "平安普惠",
        "other_names": ["平安惠普"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "pinganpuhui",
        "initials": "pgph",
    },
    {
        "name": "捷信",
        "other_names": ["捷信消费金融"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "pinyin": "jiexin",
        "initials": "jx",
    },
    {
        "name": "宜人贷",
        "other_names": ["宜信", "宜人金科"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "yirendai",
        "initials": "yrd",
    },
    {
        "name": "你我贷",
        "other_names": ["嘉银科技", "嘉银金科"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "niwodai",
        "initials": "nwd",
    },
    {
        "name": "洋钱罐",
        "other_names": ["瓴岳科技"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "yangqianguan",
        "initials": "yqg",
    },
    {
        "name": "众安小贷",
        "other_names": ["众安"],
        "licence_type": LicenceType.MICRO_LOAN,
        "pinyin": "zhonganxiaodai",
        "initials": "zaxd",
    },
    {
        "name": "羊小咩",
        "other_names": [],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "yangxiaomie",
        "initials": "yxm",
    },
    {
        "name": "桔子分期",
        "other_names": [],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "juzifenqi",
        "initials": "jzfq",
    },
]

# The lenders of record the domain notes name, with the brands they lend through.
SEED_INSTITUTIONS: list[dict[str, object]] = [
    {
        "seed_key": "mashang-consumer-finance",
        "name": "马上消费金融股份有限公司",
        "short_names": ["马上消费金融", "马上消费"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "province": Province.CHONGQING,
        "brands": ["安逸花"],
    },
    {
        "seed_key": "zhaolian-consumer-finance",
        "name": "招联消费金融股份有限公司",
        "short_names": ["招联消费金融", "招联金融"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "province": Province.GUANGDONG,
        "city_code": "440300",  # 深圳市
        "brands": ["招联好期贷"],
    },
    {
        "seed_key": "webank",
        "name": "深圳前海微众银行股份有限公司",
        "short_names": ["微众银行"],
        "licence_type": LicenceType.BANK,
        "province": Province.GUANGDONG,
        "city_code": "440300",
        "brands": ["微粒贷"],
    },
    {
        "seed_key": "chongqing-ant-consumer-finance",
        "name": "重庆蚂蚁消费金融有限公司",
        "short_names": ["蚂蚁消费金融", "重庆蚂蚁消费金融"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "province": Province.CHONGQING,
        "brands": ["借呗"],
    },
    {
        "seed_key": "home-credit-consumer-finance",
        "name": "捷信消费金融有限公司",
        "short_names": ["捷信消费金融"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "province": Province.TIANJIN,
        "brands": ["捷信"],
    },
    {
        "seed_key": "chongqing-zhongan-micro-loan",
        "name": "重庆众安小额贷款有限公司",
        "short_names": ["众安小贷"],
        "licence_type": LicenceType.ONLINE_MICRO_LOAN,
        "province": Province.CHONGQING,
        "brands": ["众安小贷"],
    },
]
