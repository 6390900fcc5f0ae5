"""The lenders borrowers most often name (see the domain notes). Admins confirm and extend.

Pairings of brands with funding institutions change over time, so the seed records
brands and well-known institutions separately and lets admins link them.
"""

from __future__ import annotations

from .models import LicenceType

SEED_LENDERS: list[dict[str, object]] = [
    {"name": "小赢卡贷", "other_names": ["小赢科技", "小赢"], "licence_type": LicenceType.PLATFORM},
    {"name": "拍拍贷", "other_names": ["信也科技", "信也"], "licence_type": LicenceType.PLATFORM},
    {
        "name": "360借条",
        "other_names": ["奇富科技", "奇富借条", "360数科"],
        "licence_type": LicenceType.PLATFORM,
    },
    {"name": "分期乐", "other_names": ["乐信"], "licence_type": LicenceType.PLATFORM},
    {
        "name": "安逸花",
        "other_names": ["马上消费金融", "马上消费"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
    },
    {
        "name": "招联好期贷",
        "other_names": ["招联消费金融", "招联金融", "招联"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
    },
    {"name": "微粒贷", "other_names": ["微众银行"], "licence_type": LicenceType.BANK},
    {
        "name": "借呗",
        "other_names": ["花呗", "蚂蚁消费金融", "重庆蚂蚁消费金融"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
    },
    {"name": "京东金条", "other_names": ["京东白条", "京东科技"], "licence_type": LicenceType.PLATFORM},
    {"name": "度小满", "other_names": ["度小满金融", "有钱花"], "licence_type": LicenceType.PLATFORM},
    {"name": "美团借钱", "other_names": ["美团"], "licence_type": LicenceType.PLATFORM},
    {"name": "平安普惠", "other_names": ["平安惠普"], "licence_type": LicenceType.PLATFORM},
    {"name": "捷信", "other_names": ["捷信消费金融"], "licence_type": LicenceType.CONSUMER_FINANCE},
    {"name": "宜人贷", "other_names": ["宜信", "宜人金科"], "licence_type": LicenceType.PLATFORM},
    {"name": "你我贷", "other_names": ["嘉银科技", "嘉银金科"], "licence_type": LicenceType.PLATFORM},
    {"name": "洋钱罐", "other_names": ["瓴岳科技"], "licence_type": LicenceType.PLATFORM},
    {"name": "众安小贷", "other_names": ["众安"], "licence_type": LicenceType.MICRO_LOAN},
    {"name": "羊小咩", "other_names": [], "licence_type": LicenceType.PLATFORM},
    {"name": "桔子分期", "other_names": [], "licence_type": LicenceType.PLATFORM},
]
