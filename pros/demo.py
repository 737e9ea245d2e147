"""Demo catalog, pros, services and homeowners for the two demo marketplaces (``make run``).

Idempotent: categories and pros are found by slug, users by e-mail. The ratings listed in
``PROS`` become reviews in ``leads.demo`` (a review needs an accepted lead, and leads sit above
pros): they go through ``review_submit``, so every Star Score is computed by the documented
formula, never typed in.
Never run in production (``seed_demo`` is a development command).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from marketplace.models import Marketplace, MembershipTier, Role, User
from pros.demo_translations import TRANSLATIONS
from pros.models import Category, Pro, Service
from pros.services import category_ensure, pro_areas_set, pro_completeness_refresh, star_scores_recompute

# (slug, name, parent slug or None, questions, fees per kind or None)
CATEGORIES: dict[str, list[tuple[Any, ...]]] = {
    "maple": [
        ("home-repair", "Home Repair", None, [], None),
        (
            "plumbing",
            "Plumbing",
            "home-repair",
            [{"key": "job", "label": "What needs doing?", "choices": ["repair", "install", "drain"]}],
            {"matched": 3000},
        ),
        (
            "electrical",
            "Electrical",
            "home-repair",
            [{"key": "job", "label": "What needs doing?", "choices": ["repair", "panel", "lighting"]}],
            None,
        ),
        ("renovation", "Renovation", None, [], None),
        (
            "kitchen-renovation",
            "Kitchen Renovation",
            "renovation",
            [{"key": "size", "label": "Kitchen size", "choices": ["small", "medium", "large"]}],
            {"matched": 5000},
        ),
        (
            "painting",
            "Painting",
            "renovation",
            [{"key": "rooms", "label": "How many rooms?", "choices": ["1", "2", "3", "4+"]}],
            None,
        ),
        ("cleaning", "Cleaning", None, [], None),
        (
            "house-cleaning",
            "House Cleaning",
            "cleaning",
            [{"key": "frequency", "label": "How often?", "choices": ["once", "weekly", "monthly"]}],
            None,
        ),
    ],
    "formosa": [
        ("home-repair", "居家修繕 Home Repair", None, [], None),
        (
            "plumbing-electrical",
            "水電工程 Plumbing & Electrical",
            "home-repair",
            [{"key": "job", "label": "需要什麼服務？", "choices": ["repair", "install", "leak"]}],
            None,
        ),
        (
            "air-conditioning",
            "冷氣安裝 Air Conditioning",
            "home-repair",
            [{"key": "units", "label": "幾台？", "choices": ["1", "2", "3+"]}],
            {"new": 20000, "promotion": 20000},
        ),
        ("renovation", "裝潢 Renovation", None, [], None),
        (
            "interior-design",
            "室內設計 Interior Design",
            "renovation",
            [{"key": "ping", "label": "坪數", "choices": ["<20", "20-40", "40+"]}],
            {"new": 30000, "promotion": 30000},
        ),
        ("painting", "油漆粉刷 Painting", "renovation", [], None),
        ("cleaning", "清潔 Cleaning", None, [], None),
        (
            "house-cleaning",
            "居家清潔 House Cleaning",
            "cleaning",
            [{"key": "frequency", "label": "頻率", "choices": ["once", "weekly", "monthly"]}],
            None,
        ),
        ("moving", "搬家 Moving", "cleaning", [], None),
    ],
}

# name, member?, areas, phone, website, description, services, demo ratings (oldest first)
# service: (category slug, title, price_min, price_max, auto-quote (min, max, message) or None,
#           conditions dict)
PROS: dict[str, list[tuple[Any, ...]]] = {
    "maple": [
        (
            "Queen West Plumbing",
            True,
            ["M5V", "M6J", "M5T"],
            "+1 416 555 0101",
            "https://queenwestplumbing.example",
            "Licensed plumbers in downtown Toronto since 2009. Leaks, fixtures, drains; same-day emergency visits.",
            [
                (
                    "plumbing",
                    "Leak repair and fixture installs",
                    15000,
                    60000,
                    None,
                    {"budget_min": 10000, "attributes": {"job": ["repair", "install"]}},
                )
            ],
            [5, 5, 4, 5, 5, 5, 5],
        ),
        (
            "Danforth Drain Doctors",
            False,
            ["M4C", "M4E", "M4J"],
            "+1 416 555 0102",
            "",
            "Family-run drain specialists serving the east end. Camera inspections and clog removal.",
            [("plumbing", "Drain cleaning", 12000, 35000, None, {"attributes": {"job": ["drain"]}})],
            [4, 5, 3],
        ),
        (
            "Bright Spark Electric",
            True,
            ["M5V", "M4C", "M6J", "M5T"],
            "+1 416 555 0103",
            "https://brightspark.example",
            "ESA-licensed electricians: panels, pot lights, EV chargers. Permits handled for you.",
            [("electrical", "Panel upgrades and lighting", 20000, 400000, None, {"lead_time_days": 3})],
            [5, 5, 5, 4, 5, 5],
        ),
        (
            "Annex Renovations",
            True,
            ["M5R", "M6J", "M5V"],
            "+1 416 555 0104",
            "https://annexreno.example",
            "Design-build kitchens and baths for Toronto's older homes. Fixed-price quotes.",
            [
                (
                    "kitchen-renovation",
                    "Full kitchen renovation",
                    2500000,
                    8000000,
                    None,
                    {"budget_min": 2000000, "lead_time_days": 14},
                ),
                ("painting", "Interior painting", 50000, 400000, None, {}),
            ],
            [5, 4, 5, 5, 5],
        ),
        (
            "Leslieville Painters",
            False,
            ["M4M", "M4C", "M4L"],
            "+1 416 555 0105",
            "https://lesliepaint.example",
            "Careful interior painters. Low-VOC paints, furniture moved and covered.",
            [("painting", "Room painting", 40000, 250000, None, {"attributes": {"rooms": ["1", "2", "3"]}})],
            [4, 4, 5, 3],
        ),
        (
            "Spotless Toronto",
            False,
            ["M5V", "M5T", "M6J", "M4C"],
            "",
            "",
            "Insured house cleaners; weekly and move-out cleans.",
            [("house-cleaning", "Regular house cleaning", 12000, 30000, None, {})],
            [5, 3],
        ),
        (
            "Cabbagetown Handy Plumbing",
            False,
            ["M4X", "M5A"],
            "+1 416 555 0107",
            "",
            "Small jobs welcome: taps, toilets, shut-off valves.",
            [("plumbing", "Small plumbing jobs", 9000, 25000, None, {})],
            [],
        ),
        (
            "Parkdale Electric Co.",
            False,
            ["M6K", "M6J"],
            "+1 416 555 0108",
            "https://parkdaleelectric.example",
            "Knob-and-tube replacement and safety inspections.",
            [("electrical", "Rewiring and inspections", 30000, 900000, None, {"budget_min": 30000})],
            [4],
        ),
        (
            "Mapleleaf Kitchens",
            True,
            ["M5V", "M4C", "M6J", "M5R"],
            "+1 416 555 0109",
            "https://mlkitchens.example",
            "Custom cabinetry and kitchen remodels; showroom on King West.",
            [
                (
                    "kitchen-renovation",
                    "Kitchen remodel",
                    3000000,
                    12000000,
                    None,
                    {"attributes": {"size": ["medium", "large"]}},
                )
            ],
            [5, 5, 5, 5],
        ),
        (
            "East End Clean Team",
            False,
            ["M4C", "M4E", "M4M"],
            "+1 416 555 0110",
            "",
            "Eco-friendly cleaning products, bonded staff.",
            [("house-cleaning", "Deep clean", 15000, 40000, None, {})],
            [3, 4, 4],
        ),
        # Downtown plumbers: with Queen West Plumbing, four members above the Star Score
        # threshold serve M5V, so a platform plumbing request there fans out to four matched
        # leads, three can accept (capacity) and the fourth closes as filled. The last two
        # serve M5V too but are left out: one scores under 80, the other is not a member.
        (
            "Liberty Village Plumbing",
            True,
            ["M5V", "M6K", "M5T"],
            "+1 416 555 0111",
            "https://libertyplumbing.example",
            "Condo and loft plumbing specialists: shut-offs, risers, dishwasher and fridge lines.",
            [("plumbing", "Condo plumbing repairs", 12000, 80000, None, {})],
            [5, 5, 4, 5, 5, 5, 5, 5],
        ),
        (
            "King West Pipe & Drain",
            True,
            ["M5V", "M5T", "M6J"],
            "+1 416 555 0112",
            "https://kingwestpipe.example",
            "Drains, water heaters and fixture installs; upfront flat-rate pricing.",
            [("plumbing", "Fixtures, drains and water heaters", 15000, 250000, None, {})],
            [5, 5, 5, 4, 5, 5, 5, 5],
        ),
        (
            "Harbourfront Plumbing Co.",
            True,
            ["M5V", "M5J"],
            "+1 416 555 0113",
            "https://harbourfrontplumbing.example",
            "Waterfront condos and townhomes; leak detection and emergency repairs.",
            [("plumbing", "Leak detection and repairs", 14000, 90000, None, {})],
            [4, 5, 5, 5, 5, 5, 5, 5],
        ),
        (
            "Spadina Plumbing Pros",
            True,
            ["M5V", "M5T"],
            "+1 416 555 0114",
            "https://spadinaplumbing.example",
            "New to the platform: bathroom plumbing and small renovations.",
            [("plumbing", "Bathroom plumbing", 15000, 120000, None, {})],
            [5, 4],
        ),
        (
            "Fort York Plumbing",
            False,
            ["M5V"],
            "+1 416 555 0115",
            "",
            "Independent plumber; taps, toilets and drains.",
            [("plumbing", "General plumbing", 10000, 60000, None, {})],
            [5, 5, 5, 5, 5, 5, 5, 5],
        ),
    ],
    "formosa": [
        (
            "大安水電行 Da'an Plumbing & Electric",
            True,
            ["106", "100", "110"],
            "+886 2 2700 0101",
            "https://daan-shuidian.example",
            "大安區老字號水電行，漏水檢測、管線更新、熱水器安裝，24小時到府。",
            [
                (
                    "plumbing-electrical",
                    "漏水檢修與管線更新",
                    150000,
                    1200000,
                    (180000, 350000, "您好，我們可在三天內到府檢測，報價含材料與工資。"),
                    {"budget_min": 100000, "attributes": {"job": ["repair", "leak"]}},
                )
            ],
            [5, 5, 5, 4, 5, 5],
        ),
        (
            "信義冷氣工程 Xinyi Air-Con",
            True,
            ["110", "106", "105"],
            "+886 2 2720 0102",
            "https://xinyi-ac.example",
            "日立、大金原廠認證安裝，分離式冷氣標準安裝含拆舊機。",
            [
                (
                    "air-conditioning",
                    "分離式冷氣安裝",
                    300000,
                    900000,
                    (350000, 500000, "標準安裝一台 NT$3,500 起，含 4 米銅管。"),
                    {"lead_time_days": 2},
                )
            ],
            [5, 4, 5, 5, 5],
        ),
        (
            "中正室內設計 Zhongzheng Interiors",
            True,
            ["100", "106", "108"],
            "+886 2 2390 0103",
            "https://zz-interiors.example",
            "北歐與日式風格住宅設計，3D 圖面免費提供。",
            [
                (
                    "interior-design",
                    "住宅室內設計與統包",
                    50000000,
                    300000000,
                    None,
                    {"budget_min": 30000000, "lead_time_days": 30},
                )
            ],
            [5, 5, 4],
        ),
        (
            "板橋油漆工程 Banqiao Painting",
            False,
            ["220", "234"],
            "+886 2 2960 0104",
            "",
            "板橋、永和地區油漆粉刷，防水漆、壁癌處理。",
            [
                (
                    "painting",
                    "室內油漆粉刷",
                    800000,
                    5000000,
                    (1000000, 3000000, "一般 25 坪住宅約 NT$10,000-30,000，可先到府估價。"),
                    {},
                )
            ],
            [4, 4, 3, 5],
        ),
        (
            "台北好清潔 Taipei Clean",
            False,
            ["100", "106", "110", "220"],
            "+886 2 2700 0105",
            "",
            "居家清潔、裝潢後細清、定期打掃，人員皆有保險。",
            [
                (
                    "house-cleaning",
                    "居家定期清潔",
                    150000,
                    400000,
                    (180000, 240000, "定期清潔每次 4 小時 NT$1,800 起。"),
                    {"attributes": {"frequency": ["weekly", "monthly"]}},
                )
            ],
            [5, 5, 4, 4, 5],
        ),
        (
            "小蜜蜂搬家 Little Bee Movers",
            False,
            ["100", "106", "110", "220"],
            "+886 2 2700 0106",
            "https://littlebee-moving.example",
            "小家庭搬家、學生搬家，提供紙箱與包裝。",
            [("moving", "小型搬家", 300000, 1200000, None, {})],
            [4, 5],
        ),
        (
            "永和水電 Yonghe Plumbing",
            False,
            ["234", "220"],
            "+886 2 2920 0107",
            "",
            "馬桶、水龍頭、熱水器更換，小工程也歡迎。",
            [("plumbing-electrical", "小型水電維修", 80000, 300000, None, {})],
            [3],
        ),
        (
            "萬華冷氣行 Wanhua Air-Con",
            False,
            ["108", "100"],
            "+886 2 2300 0108",
            "",
            "冷氣清洗保養、移機、加冷媒。",
            [
                (
                    "air-conditioning",
                    "冷氣清洗保養",
                    150000,
                    300000,
                    (150000, 200000, "清洗一台 NT$1,500，兩台以上九折。"),
                    {},
                )
            ],
            [],
        ),
        (
            "松山設計工作室 Songshan Design",
            True,
            ["105", "110", "114"],
            "+886 2 2760 0109",
            "https://songshan-design.example",
            "老屋翻新與小坪數空間規劃專家。",
            [
                (
                    "interior-design",
                    "老屋翻新設計",
                    30000000,
                    150000000,
                    None,
                    {"attributes": {"ping": ["<20", "20-40"]}},
                ),
                ("painting", "老屋油漆翻新", 1500000, 6000000, None, {}),
            ],
            [5, 5, 5, 5, 4],
        ),
    ],
}


def _user(*, marketplace: Marketplace, email: str, name: str, role: str, pro: Pro | None = None) -> User:
    user = User.objects.filter(marketplace=marketplace, email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email, settings.DEMO_PASSWORD, marketplace=marketplace, role=role, name=name, pro=pro
        )
    return user


def demo_homeowners(marketplace: Marketplace) -> list[User]:
    # One homeowner per demo rating of a pro (at most eight): a homeowner reviews a pro once.
    names = ["Alex Morgan", "Priya Shah", "Chen Wei", "Lin Mei", "Sam Taylor", "Jordan Lee", "Noah Kim", "Riley Chen"]
    return [
        _user(
            marketplace=marketplace, email=f"homeowner{index}@{marketplace.slug}.test", name=name, role=Role.HOMEOWNER
        )
        for index, name in enumerate(names, start=1)
    ]


@transaction.atomic
def seed(marketplace: Marketplace) -> None:
    categories: dict[str, Category] = {}
    for slug, name, parent, questions, fees in CATEGORIES.get(marketplace.slug, []):
        categories[slug] = category_ensure(
            marketplace=marketplace,
            slug=slug,
            name=name,
            parent=categories.get(parent) if parent else None,
            questions=questions,
            fees=fees,
        )
        translated = TRANSLATIONS.get(marketplace.slug, {}).get(slug)
        if translated and not categories[slug].translations:
            categories[slug].translations = translated
            categories[slug].save(update_fields=["translations"])
    demo_homeowners(marketplace)  # leads.demo gives them the jobs they review
    promotion_on = bool(getattr(getattr(marketplace, "policy", None), "promotion_service_enabled", False))
    touched = []
    for index, (name, member, areas, phone, website, description, services, _ratings) in enumerate(
        PROS.get(marketplace.slug, []), start=1
    ):
        slug = f"demo-{marketplace.slug}-{index}"
        pro, created = Pro.objects.get_or_create(
            marketplace=marketplace,
            slug=slug,
            defaults={
                "name": name,
                "tier": MembershipTier.BRAND_BUILDER if member else MembershipTier.BASIC,
                "phone": phone,
                "website": website,
                "description": description,
                "photos": [f"https://picsum.photos/seed/{slug}-{n}/800/600" for n in range(1, 4)] if member else [],
            },
        )
        _user(marketplace=marketplace, email=f"pro{index}@{marketplace.slug}.test", name=name, role=Role.PRO, pro=pro)
        if created:
            pro_areas_set(pro=pro, areas=areas)
        first_service = None
        for category_slug, title, price_min, price_max, auto_quote, conditions in services:
            category = categories[category_slug]
            promotion = auto_quote is not None and promotion_on
            service, _ = Service.objects.get_or_create(
                marketplace=marketplace,
                pro=pro,
                category=category,
                defaults={
                    "title": title,
                    "price_min": price_min,
                    "price_max": price_max,
                    "promotion_enabled": promotion,
                    "auto_quote_price_min": auto_quote[0] if auto_quote else None,
                    "auto_quote_price_max": auto_quote[1] if auto_quote else None,
                    "auto_quote_message": auto_quote[2] if auto_quote else "",
                    "condition_areas": conditions.get("areas", []),
                    "condition_budget_min": conditions.get("budget_min"),
                    "condition_budget_max": conditions.get("budget_max"),
                    "condition_lead_time_days": conditions.get("lead_time_days", 0),
                    "condition_attributes": conditions.get("attributes", {}),
                },
            )
            first_service = first_service or service
        touched.append(pro)
    for pro in touched:
        pro_completeness_refresh(pro=pro)
    if touched:
        star_scores_recompute(pro_ids=[pro.pk for pro in touched])
