"""Demo data for the partner ledger: the six strategic partners and the small firms of
GLOSSARY.md with sectors, buildings and parks, invented contacts, two years of party-building
figures, a few visits (some overdue) and one duplicate spelling for the merge screen."""

from datetime import date, timedelta

from db.accounts import PRIVACY_NOTICE_VERSION, Enterprise, User
from db.base import utcnow
from db.market.periods import local_today
from db.partners.models import PartnerContact, PartnerProfile, PartnerVisit, PartyOrganisation

# name: (credit code, sector, status, building or park, address)
DETAILS = {
    "绿地建设集团": (None, "enterprise", "strategic", "", "虹口区广中路 888 号"),
    "花园坊上汽集团": (
        "91310109MA1G5A2K3W",
        "park",
        "strategic",
        "花园坊节能环保产业园",
        "虹口区广中路 1 号",
    ),
    "宝华集团": (
        "91310109607301218N",
        "building",
        "strategic",
        "宝华大厦",
        "虹口区中山北一路 121 号",
    ),
    "华谊集团": ("91310109132224587W", "enterprise", "strategic", "", "虹口区广纪路 560 号"),
    "明凯集团": (
        "91310109MA1H2B6Q8T",
        "building",
        "strategic",
        "明凯商务楼",
        "虹口区大连西路 300 号",
    ),
    "爱景置业": ("91310109MA1J7D9X4C", "market", "strategic", "广中路市场", "虹口区广中路 600 号"),
    "中广科技园创客工坊": (
        "91310109MA1K0E3R5W",
        "park",
        "joint",
        "中广科技园",
        "虹口区广中路 100 号",
    ),
    "北孚楼宇餐饮管理有限公司": (
        "91310109MA1M3G5U7B",
        "building",
        "joint",
        "北孚大楼",
        "虹口区水电路 200 号",
    ),
    "广中路市场鲜果行": (
        "92310109MA1L2F4T6W",
        "market",
        "joint",
        "广中路市场",
        "虹口区广中路 610 号",
    ),
    "虹口园区设计事务所": (
        "91310109MA1N4H6W8N",
        "park",
        "joint",
        "中广科技园",
        "虹口区广中路 102 号",
    ),
    "同心文化传播有限公司": (None, "building", "joint", "宝华大厦", "虹口区中山北一路 121 号"),
}
DUPLICATE = ("宝华集团有限公司", "宝华集团")  # a typed spelling of a partner, for the merge
# name: (contact name, duty, position, mobile)
CONTACTS = {
    "绿地建设集团": ("周志强", "党委书记", "副总经理", "13800003001"),
    "花园坊上汽集团": ("吴雅琴", "党建联络员", "综合办主任", "13800003002"),
    "宝华集团": ("郑国庆", "党支部书记", "行政总监", "13800003003"),
    "华谊集团": ("孙丽君", "团委书记", "人力资源经理", "13800003004"),
    "明凯集团": ("冯振华", "工会主席", "物业经理", "13800003005"),
    "爱景置业": ("何春梅", "党建联络员", "市场部经理", "13800003006"),
}
# name: (this year's party organisation, members, league, union, employees); last year the
# same with one member fewer, and the joint organisations were still being set up.
PARTY = {
    "绿地建设集团": ("independent", 46, True, True, 620),
    "花园坊上汽集团": ("independent", 31, True, True, 410),
    "宝华集团": ("independent", 18, False, True, 230),
    "华谊集团": ("independent", 52, True, True, 780),
    "明凯集团": ("joint", 6, False, True, 95),
    "爱景置业": ("joint", 4, False, True, 60),
    "中广科技园创客工坊": ("joint", 3, False, False, 25),
    "北孚楼宇餐饮管理有限公司": ("none", 1, False, True, 40),
    "广中路市场鲜果行": ("none", 0, False, False, 8),
    "虹口园区设计事务所": ("joint", 2, True, False, 30),
}
# (enterprise, days ago, kind, topic, needs, follow-up)
VISITS = (
    (
        "绿地建设集团",
        12,
        "frontline",
        "年度党建联建计划对接",
        "希望承办下半年中广党建论坛分会场",
        "in_progress",
    ),
    ("宝华集团", 30, "return_visit", "楼宇党群服务站运行情况", "服务站需增加午间开放时段", "open"),
    ("华谊集团", 45, "frontline", "高级职业经理人研修班推荐学员", "", "none"),
    (
        "花园坊上汽集团",
        160,
        "return_visit",
        "园区企业用工需求",
        "园区新入驻企业招聘信息发布",
        "done",
    ),
    ("爱景置业", 200, "frontline", "爱心超市捐赠对接", "", "none"),
    ("中广科技园创客工坊", 20, "frontline", "联合党组织组建进度", "需要党组织关系转接指导", "open"),
)


def seed_partners():
    """Details, contacts, coverage and visits for the demo enterprises."""
    today = local_today()
    staff = User.get_or_none(User.username == "staff")
    enterprises = {e.name: e for e in Enterprise.select()}
    for name, (code, sector, status, location, address) in DETAILS.items():
        enterprise = enterprises.get(name)
        if enterprise is None:
            continue
        if code and not enterprise.credit_code:
            enterprise.credit_code = code
        enterprise.is_partner = status in ("joint", "strategic")
        enterprise.save()
        signed = date(today.year - 3, 3, 18) if status == "strategic" else None
        PartnerProfile.create(
            enterprise=enterprise,
            sector=sector,
            status=status,
            location=location,
            address=address,
            agreement_signed_on=signed,
            agreement_ends_on=signed.replace(year=signed.year + 5) if signed else None,
            notes="（演示数据）" + ("战略合作协议每五年续签。" if signed else ""),
        )
    duplicate_name, of = DUPLICATE
    if of in enterprises and duplicate_name not in enterprises:
        Enterprise.create(name=duplicate_name)
    for name, (person, duty, position, mobile) in CONTACTS.items():
        if name in enterprises:
            PartnerContact.create(
                enterprise=enterprises[name],
                name=person,
                duty=duty,
                position=position,
                mobile=mobile,
                consent_at=utcnow(),
                consent_version=PRIVACY_NOTICE_VERSION,
            )
    for name, (kind, members, league, union, employees) in PARTY.items():
        if name not in enterprises:
            continue
        for year, change in ((today.year, 0), (today.year - 1, 1)):
            this_kind = "none" if kind == "joint" and change else kind
            PartyOrganisation.create(
                enterprise=enterprises[name],
                year=year,
                party_org=this_kind,
                none_reason=(
                    (
                        "forming"
                        if kind == "joint"
                        else "too_few_members"
                        if members
                        else "no_members"
                    )
                    if this_kind == "none"
                    else ""
                ),
                party_members=max(0, members - change),
                youth_league=league,
                youth_members=12 if league else 0,
                union=union,
                union_members=max(0, employees // 2) if union else 0,
                employees=employees,
                recorded_by=staff,
            )
    for name, days, kind, topic, needs, follow_up in VISITS:
        if name not in enterprises:
            continue
        contact = PartnerContact.get_or_none(PartnerContact.enterprise == enterprises[name])
        PartnerVisit.create(
            enterprise=enterprises[name],
            visited_on=today - timedelta(days=days),
            kind=kind,
            visited_by=staff,
            contact=contact,
            topic=topic,
            needs=needs,
            follow_up=follow_up,
            follow_up_note="已协调园区发布" if follow_up == "done" else "",
            followed_up_at=utcnow() if follow_up == "done" else None,
        )
