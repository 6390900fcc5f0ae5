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

Beyond the domain notes, more brands, lenders and operators come from stored public pages
(press reports and explainer pages, all secondary): each entry cites its pages, and only what
a page states is seeded. Where pages disagree the link is marked disputed; where a page names
no legal entity, the brand is seeded without one. A page's "as of" date bounds a historical
pairing (`until`): it is the last date a source speaks of, not a known end.
"""

from __future__ import annotations

from datetime import date

from .models import LicenceType, Province, Verification

DOMAIN_SOURCE = (
    "项目领域资料 shared/domain/README.md “Brands whose lender of record is widely published”"
    "（据公开披露，二手资料；须在国家企业信用信息公示系统核实）"
)
DOMAIN_BRANDS_SOURCE = "项目领域资料 shared/domain/README.md “Lenders borrowers often name”（二手资料）"

# Stored public pages (secondary; none checked against 国家企业信用信息公示系统).
TRAVEL_PLATFORMS = (
    "网易号 WEMONEY研究室《三部门约谈背后，高德等六大出行平台的金融生意经》"
    "https://www.163.com/dy/article/KLNUCN0K05399LDO.html：金融监管总局、市场监管总局、人民银行"
    "约谈携程旅行、高德地图、同程旅行、飞猪旅行、航旅纵横、去哪儿旅行六家平台与金融机构合作开展借贷业务中的问题（二手资料）"
)
MEITUAN = (
    "http://www.wzask.com/f/d3313a5ff4832b2c.html；https://www.haokouzi.cc/kz/12579.html；"
    "http://www.manhao6.com/post/14939.html（二手资料，三处一致：美团借钱的放款方为重庆美团三快小额贷款有限公司，"
    "持网络小贷牌照；部分借款由合作银行放款，以合同为准）"
)
DUXIAOMAN = (
    "https://bsnsh.com/so/59020.html（二手资料：度小满的运营主体为重庆度小满小额贷款有限公司，持网络小贷牌照；"
    "多数借款与合作银行联合放贷，以合同为准）"
)
QIFU_360 = (
    "https://www.rlut.cn/news/360-jie-tiao-shi-360-shu-ke-qi-xia-de-zheng-gui-dai-kuan-ping-tai-ma-li-xi-gao-ma-an-quan-ma-ru-he-s.html；"
    "https://sundama66.net/zd/28029.html；http://jcbritw.com/b/335063.html（“在福州小贷名录中”）"
    "（二手资料：360借条由福州三六零网络小额贷款有限公司运营）。"
    "不一致：https://www.bnulight.com/licai/25648.html 称运营主体为上海三六零小额贷款有限公司，"
    "http://miyifa11.com/post/21706.html 称其为助贷平台、由银行和消费金融公司放款"
)
ANT_2020 = (
    "http://xiaotubaobei.com/html/wangdaihbs/11568.html（二手资料，引蚂蚁集团招股书：截至2020年6月末，"
    "重庆市蚂蚁小微小额贷款有限公司为“花呗”主体、重庆市蚂蚁商诚小额贷款有限公司为“借呗”主体）。"
    "此后借呗、花呗的放贷机构见领域资料（重庆蚂蚁消费金融有限公司）；截止日期为来源所及的最后日期，并非确切终止日"
)
XINXI = (
    "https://www.caizhongshe.cn/news-8498667245051944179.html；"
    "http://www.16mn888.com/money/bank/gsdt/2025-03-14/doc-inepruii9461974.shtml"
    "（二手资料，引重庆市地方金融管理局《重庆市小额贷款公司名录》：重庆信喜小额贷款有限公司为开展网络贷款业务的小贷公司，"
    "2025年2月曾被暂停网贷业务资格，11月名录已恢复；报道称其与助贷平台小花钱包关联密切，但未称其为小花钱包的放款方）"
)
YIZHAO = (
    "https://www.163.com/dy/article/KIRNGR2O05399LDO.html（二手资料：“借钱呗”用户协议显示服务由温州市亿兆小额贷款股份有限公司"
    "和杭州晶闪数科科技有限公司共同提供，实际运营由晶闪数科主导；平台为贷款超市，不直接对接资方放款）"
)
XINYONGFEI = (
    "http://www.wzask.com/f/88f1c4fb82769dc5.html（二手资料：信用飞的运营方是上海晓途网络科技有限公司，本身不具备放贷资质，"
    "由合作的银行、消费金融公司等持牌机构出资）"
)
DOUDOUQIAN = (
    "http://www.yingsewang.cn/post/31210.html（二手资料：豆豆钱为维信金科旗下产品，运营主体为上海维信荟智金融科技有限公司；"
    "资金方动态匹配，以合同为准）"
)
HUANBEI = (
    "http://www.looktmt.com/0076/781/66042249441.html（Tao财经《起底还呗》，二手资料：“还呗”运营方为上海数禾信息科技有限公司，"
    "助贷平台，合作方包括银行和消费金融公司）"
)
FENQILE = (
    "http://www.digipub.cc/dy/article/KJ3EILPC05566TBX.html（二手资料：深圳市分期乐网络科技有限公司经营“分期乐”；"
    "所引判决中放款方为银行、代偿方为深圳市乐信融资担保有限公司）"
)

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
    # From stored public pages (see each source); licence_type stays "other" (unknown) where
    # no page says what the brand is.
    {
        "name": "信用飞",
        "other_names": [],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "xinyongfei",
        "initials": "xyf",
        "source": XINYONGFEI,
        "operator": "shanghai-xiaotu-network",
    },
    {
        "name": "豆豆钱",
        "other_names": ["维信金科"],
        "licence_type": LicenceType.OTHER,
        "pinyin": "doudouqian",
        "initials": "ddq",
        "source": DOUDOUQIAN,
        "operator": "shanghai-weixin-huizhi",
    },
    {
        "name": "小花钱包",
        "other_names": ["中腾信"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "xiaohuaqianbao",
        "initials": "xhqb",
        "source": "https://www.caizhongshe.cn/news-8498667245051944179.html（二手资料：中腾信旗下助贷平台小花钱包，未公开披露合作金融机构名单）",
    },
    {
        "name": "放心借",
        "other_names": ["抖音放心借"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "fangxinjie",
        "initials": "fxj",
        "source": (
            "https://m.joammi.com/thread/20201116/11091356.html（二手资料：据放心借《用户服务协议》，放心借仅作为互联网信息及技术服务平台）；"
            "https://www.dydaxue.com/p/4027（抖音“我 → 钱包 → 借钱”入口）"
        ),
    },
    {
        "name": "DOU分期",
        "other_names": [],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "doufenqi",
        "initials": "dfq",
        "source": "https://www.dlllqs.com/lcbj/91778.html（二手资料：抖音钱包中的“DOU分期”属导流服务，放款的是持牌机构）",
    },
    {
        "name": "拿去花",
        "other_names": ["携程拿去花", "携程金融"],
        "licence_type": LicenceType.OTHER,
        "pinyin": "naquhua",
        "initials": "nqh",
        "source": (
            "http://www.kwylx.cn/news/145ADEE245BA4B73（二手资料：携程金融的消费分期产品“拿去花丨信用购”，由携程小贷主导，"
            "并与众多金融机构合作）"
        ),
    },
    {
        "name": "携程旅行",
        "other_names": ["携程"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "xiechenglvxing",
        "initials": "xclx",
        "source": TRAVEL_PLATFORMS,
    },
    {
        "name": "同程旅行",
        "other_names": ["同程"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "tongchenglvxing",
        "initials": "tclx",
        "source": TRAVEL_PLATFORMS,
    },
    {
        "name": "高德地图",
        "other_names": ["高德"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "gaodeditu",
        "initials": "gddt",
        "source": TRAVEL_PLATFORMS,
    },
    {
        "name": "飞猪旅行",
        "other_names": ["飞猪"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "feizhulvxing",
        "initials": "fzlx",
        "source": TRAVEL_PLATFORMS,
    },
    {
        "name": "航旅纵横",
        "other_names": [],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "hanglvzongheng",
        "initials": "hlzh",
        "source": TRAVEL_PLATFORMS,
    },
    {
        "name": "去哪儿旅行",
        "other_names": ["去哪儿"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "qunarlvxing",
        "initials": "qnlx",
        "source": TRAVEL_PLATFORMS,
    },
    {
        "name": "哈啰臻有钱",
        "other_names": ["臻有钱", "哈啰"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "haluozhenyouqian",
        "initials": "hlzyq",
        "source": (
            "https://user.guancha.cn/main/content?id=1526166（二手资料：哈啰的助贷业务“臻有钱”与多家小贷合作）；"
            "https://www.dlllqs.com/lcbj/89859.html（哈啰无自营贷款产品，贷款服务标注“第三方平台提供”）"
        ),
    },
    {
        "name": "松紧贷",
        "other_names": [],
        "licence_type": LicenceType.OTHER,
        "pinyin": "songjindai",
        "initials": "sjd",
        "source": "http://www.senqingzn.com/dy/article/K4AA71FF05569OJ9.html（二手资料：列为网络小贷类借款App）",
    },
    {
        "name": "好分期",
        "other_names": [],
        "licence_type": LicenceType.OTHER,
        "pinyin": "haofenqi",
        "initials": "hfq",
        "source": "http://www.senqingzn.com/dy/article/K4AA71FF05569OJ9.html（二手资料：列为网络小贷类借款App）",
    },
    {
        "name": "中邮钱包",
        "other_names": ["中邮消费金融"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "pinyin": "zhongyouqianbao",
        "initials": "zyqb",
        "source": "http://plcaijing.com/cj/241095.html（二手资料：中邮钱包为中邮消费金融的产品；所载客服电话与他处不一致，未采用）",
    },
    {
        "name": "海尔消费金融",
        "other_names": ["海尔消金"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "pinyin": "haierxiaofeijinrong",
        "initials": "hexfjr",
        "source": "https://dysatnomia.com/rank/3266.html（二手资料：持牌金融机构推出的海尔消费金融App）",
    },
    {
        "name": "中原消费金融",
        "other_names": ["中原消金"],
        "licence_type": LicenceType.CONSUMER_FINANCE,
        "pinyin": "zhongyuanxiaofeijinrong",
        "initials": "zyxfjr",
        "source": "https://www.dlllqs.com/lcbj/89859.html（二手资料：持牌消费金融公司）",
    },
    {
        "name": "网商贷",
        "other_names": ["网商银行"],
        "licence_type": LicenceType.BANK,
        "pinyin": "wangshangdai",
        "initials": "wsd",
        "source": "https://www.dlllqs.com/lcbj/89859.html（二手资料：互联网银行产品，网商银行的网商贷）",
    },
    {
        "name": "乐花卡",
        "other_names": [],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "lehuaka",
        "initials": "lhk",
        "source": "https://www.10100.com/article/37321962（二手资料：乐信旗下，一头对接银行等金融机构获取资金）",
    },
    {
        "name": "KOO钱包",
        "other_names": ["KOO"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "kooqianbao",
        "initials": "kooqb",
        "source": "https://yaliqi.com/new/665450614467073024（二手资料：信也科技旗下小微金融科技品牌，信也科技为助贷平台）",
    },
    {
        "name": "榕树贷款",
        "other_names": ["榕树"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "rongshudaikuan",
        "initials": "rsdk",
        "source": (
            "https://www.laohunote.com/post/501185023234552（二手资料：百融云创旗下导流平台）；"
            "https://www.bbxin.com/articles/783.html。不一致：https://bsnsh.com/so/48075.html 称由一家小贷公司运营，未采用"
        ),
    },
    {
        "name": "钱小乐",
        "other_names": [],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "qianxiaole",
        "initials": "qxl",
        "source": "https://www.laohunote.com/post/501185023234552（二手资料：百融云创旗下导流平台）",
    },
    {
        "name": "宜享花",
        "other_names": ["宜人智科"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "yixianghua",
        "initials": "yxh",
        "source": "http://www.ousaite.com/new/692427025782152192（二手资料：宜人智科的核心助贷平台）",
    },
    {
        "name": "借钱呗",
        "other_names": ["借钱呗极速版", "亿来贷"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "jieqianbei",
        "initials": "jqb",
        "source": YIZHAO,
        "operator": "hangzhou-jingshan-shuke",
    },
]

SEED_LENDERS += [
    {
        "name": "还呗",
        "other_names": ["数禾科技"],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "huanbei",
        "initials": "hb",
        "source": HUANBEI,
        "operator": "shanghai-shuhe-information",
    },
    {
        "name": "甜橙借钱",
        "other_names": [],
        "licence_type": LicenceType.OTHER,
        "pinyin": "tianchengjieqian",
        "initials": "tcjq",
        "source": "http://www.senqingzn.com/dy/article/K415LS5S0556BOXD.html（二手资料：背靠中国电信的借贷平台，黑猫投诉逾6.8万条）",
    },
    {
        "name": "极融",
        "other_names": [],
        "licence_type": LicenceType.PLATFORM,
        "pinyin": "jirong",
        "initials": "jr",
        "source": (
            "https://hknews.cc/article/67e381af9b3713cc83f82a17.html；https://www.caizhongshe.cn/news-5297375490526008967.html"
            "（二手资料：嘉银科技旗下助贷平台，与你我贷并列）"
        ),
    },
    {
        "name": "借贷宝",
        "other_names": [],
        "licence_type": LicenceType.OTHER,
        "pinyin": "jiedaibao",
        "initials": "jdb",
        "source": "https://hknews.cc/article/67e381af9b3713cc83f82a17.html（二手资料：央视3·15晚会以“电子签高利贷”点名）",
    },
    {
        "name": "人人信",
        "other_names": [],
        "licence_type": LicenceType.OTHER,
        "pinyin": "renrenxin",
        "initials": "rrx",
        "source": "https://hknews.cc/article/67e381af9b3713cc83f82a17.html（二手资料：央视3·15晚会以“电子签高利贷”点名）",
    },
]

# Operators of brands already listed, where a page names the company.
SEED_OPERATORS: dict[str, str] = {"分期乐": "shenzhen-fenqile-network"}

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
    # From stored public pages; `source` cites them for the name, licence and registered place.
    {
        "seed_key": "chongqing-meituan-sankuai-micro-loan",
        "name": "重庆美团三快小额贷款有限公司",
        "short_names": ["美团小贷", "三快小贷"],
        "licence_type": LicenceType.ONLINE_MICRO_LOAN,
        "province": Province.CHONGQING,
        "source": MEITUAN,
        "brands": [{"brand": "美团借钱", "source": MEITUAN}],
    },
    {
        "seed_key": "chongqing-duxiaoman-micro-loan",
        "name": "重庆度小满小额贷款有限公司",
        "short_names": ["度小满小贷"],
        "licence_type": LicenceType.ONLINE_MICRO_LOAN,
        "province": Province.CHONGQING,
        "source": DUXIAOMAN,
        "brands": [{"brand": "度小满", "source": DUXIAOMAN}],
    },
    {
        "seed_key": "fuzhou-360-online-micro-loan",
        "name": "福州三六零网络小额贷款有限公司",
        "short_names": ["360小贷"],
        "licence_type": LicenceType.ONLINE_MICRO_LOAN,
        "province": Province.FUJIAN,
        "city_code": "350100",  # 福州市
        "source": QIFU_360,
        "brands": [{"brand": "360借条", "source": QIFU_360, "state": Verification.DISPUTED}],
    },
    {
        "seed_key": "chongqing-ant-shangcheng-micro-loan",
        "name": "重庆市蚂蚁商诚小额贷款有限公司",
        "short_names": ["蚂蚁商诚"],
        "licence_type": LicenceType.MICRO_LOAN,
        "province": Province.CHONGQING,
        "source": ANT_2020,
        "brands": [{"brand": "借呗", "source": ANT_2020, "until": date(2020, 6, 30)}],
    },
    {
        "seed_key": "chongqing-ant-xiaowei-micro-loan",
        "name": "重庆市蚂蚁小微小额贷款有限公司",
        "short_names": ["蚂蚁小微"],
        "licence_type": LicenceType.MICRO_LOAN,
        "province": Province.CHONGQING,
        "source": ANT_2020,
        # "花呗" is one of the brand 借呗's names here.
        "brands": [{"brand": "借呗", "source": ANT_2020, "until": date(2020, 6, 30)}],
    },
    {
        "seed_key": "chongqing-xinxi-micro-loan",
        "name": "重庆信喜小额贷款有限公司",
        "short_names": ["信喜小贷"],
        "licence_type": LicenceType.ONLINE_MICRO_LOAN,
        "province": Province.CHONGQING,
        "source": XINXI,
        "brands": [],
    },
    {
        "seed_key": "wenzhou-yizhao-micro-loan",
        "name": "温州市亿兆小额贷款股份有限公司",
        "short_names": ["亿兆小贷"],
        "licence_type": LicenceType.MICRO_LOAN,
        "province": Province.ZHEJIANG,
        "city_code": "330300",  # 温州市
        "source": YIZHAO,
        "brands": [],
    },
    # Operators (platforms, not lenders); the registered place is the one the name states.
    {
        "seed_key": "shanghai-xiaotu-network",
        "name": "上海晓途网络科技有限公司",
        "short_names": [],
        "licence_type": LicenceType.PLATFORM,
        "province": Province.SHANGHAI,
        "source": XINYONGFEI,
        "brands": [],
    },
    {
        "seed_key": "shanghai-weixin-huizhi",
        "name": "上海维信荟智金融科技有限公司",
        "short_names": ["维信荟智"],
        # The page claims a small-loan qualification the name does not bear out: unknown.
        "licence_type": LicenceType.OTHER,
        "province": Province.SHANGHAI,
        "source": DOUDOUQIAN,
        "brands": [],
    },
    {
        "seed_key": "shenzhen-fenqile-network",
        "name": "深圳市分期乐网络科技有限公司",
        "short_names": [],
        "licence_type": LicenceType.PLATFORM,
        "province": Province.GUANGDONG,
        "city_code": "440300",  # 深圳市
        "source": FENQILE,
        "brands": [],
    },
    {
        "seed_key": "shanghai-shuhe-information",
        "name": "上海数禾信息科技有限公司",
        "short_names": ["数禾科技"],
        "licence_type": LicenceType.PLATFORM,
        "province": Province.SHANGHAI,
        "source": HUANBEI,
        "brands": [],
    },
    {
        "seed_key": "hangzhou-jingshan-shuke",
        "name": "杭州晶闪数科科技有限公司",
        "short_names": ["晶闪数科"],
        "licence_type": LicenceType.PLATFORM,
        "province": Province.ZHEJIANG,
        "city_code": "330100",  # 杭州市
        "source": YIZHAO,
        "brands": [],
    },
]
