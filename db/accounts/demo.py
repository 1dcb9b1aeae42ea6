"""The accounts module's demo data (GLOSSARY.md): partner enterprises, small firms and the
five demo accounts."""

from db.accounts.enterprises import Enterprise
from db.accounts.models import User

PARTNER_ENTERPRISES = (
    ("绿地建设集团", "91310000132149237G"),
    ("花园坊上汽集团", None),
    ("宝华集团", None),
    ("华谊集团", None),
    ("明凯集团", None),
    ("爱景置业", None),
)
SMALL_FIRMS = (
    "中广科技园创客工坊",
    "北孚楼宇餐饮管理有限公司",
    "广中路市场鲜果行",
    "虹口园区设计事务所",
    "同心文化传播有限公司",
)

# (username, name, role, mobile, enterprise, position, password)
DEMO_ACCOUNTS = (
    ("admin", "系统管理员", "admin", None, None, "", "demo-admin-1"),
    ("staff", "王晓红", "staff", None, None, "", "demo-staff-1"),
    (
        "13800000001",
        "李建国",
        "entrepreneur",
        "13800000001",
        "绿地建设集团",
        "总经理",
        "demo-entre-1",
    ),
    (
        "13800000002",
        "陈佳怡",
        "entrepreneur",
        "13800000002",
        "宝华集团",
        "人力资源总监",
        "demo-entre-1",
    ),
    ("kiosk", "服务大厅自助终端", "kiosk", None, None, "", "demo-kiosk-1"),
)
DEMO_ACCOUNTS_PRINTABLE = tuple((a[0], a[6], a[2]) for a in DEMO_ACCOUNTS)


def seed_accounts():
    """Partner enterprises, small firms and the five demo accounts."""
    for name, credit_code in PARTNER_ENTERPRISES:
        Enterprise.create(name=name, credit_code=credit_code, is_partner=True)
    for name in SMALL_FIRMS:
        Enterprise.create(name=name)
    for username, name, role, mobile, enterprise, position, password in DEMO_ACCOUNTS:
        user = User(
            username=username,
            name=name,
            role=role,
            mobile=mobile,
            enterprise=Enterprise.get(Enterprise.name == enterprise) if enterprise else None,
            position=position,
        )
        user.set_password(password)
        user.save()


demo_seeders = (("accounts", seed_accounts),)
