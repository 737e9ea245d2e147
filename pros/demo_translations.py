"""Real translations of the demo catalogs (pros/i18n.py explains the shape and the fallback)."""

_JOB_FR = {"label": "Quels travaux faut-il faire ?"}
_JOB_ZH = {"label": "需要什麼服務？"}
_FREQ = {
    "fr-ca": {
        "label": "À quelle fréquence ?",
        "choices": {"once": "Une fois", "weekly": "Chaque semaine", "monthly": "Chaque mois"},
    },
    "zh-hant": {"label": "頻率", "choices": {"once": "單次", "weekly": "每週", "monthly": "每月"}},
    "en": {"label": "How often?", "choices": {"once": "Once", "weekly": "Weekly", "monthly": "Monthly"}},
}

TRANSLATIONS: dict[str, dict[str, dict]] = {
    "maple": {
        "home-repair": {"fr-ca": {"name": "Réparations résidentielles"}, "zh-hant": {"name": "居家修繕"}},
        "plumbing": {
            "fr-ca": {
                "name": "Plomberie",
                "questions": {
                    "job": {
                        **_JOB_FR,
                        "choices": {"repair": "Réparation", "install": "Installation", "drain": "Drain bouché"},
                    }
                },
            },
            "zh-hant": {
                "name": "水管工程",
                "questions": {
                    "job": {**_JOB_ZH, "choices": {"repair": "維修", "install": "安裝", "drain": "排水管疏通"}}
                },
            },
        },
        "electrical": {
            "fr-ca": {
                "name": "Électricité",
                "questions": {
                    "job": {
                        **_JOB_FR,
                        "choices": {"repair": "Réparation", "panel": "Panneau électrique", "lighting": "Éclairage"},
                    }
                },
            },
            "zh-hant": {
                "name": "電力工程",
                "questions": {"job": {**_JOB_ZH, "choices": {"repair": "維修", "panel": "配電盤", "lighting": "照明"}}},
            },
        },
        "renovation": {"fr-ca": {"name": "Rénovation"}, "zh-hant": {"name": "裝潢翻修"}},
        "kitchen-renovation": {
            "fr-ca": {
                "name": "Rénovation de cuisine",
                "questions": {
                    "size": {
                        "label": "Taille de la cuisine",
                        "choices": {"small": "Petite", "medium": "Moyenne", "large": "Grande"},
                    }
                },
            },
            "zh-hant": {
                "name": "廚房翻修",
                "questions": {"size": {"label": "廚房大小", "choices": {"small": "小", "medium": "中", "large": "大"}}},
            },
        },
        "painting": {
            "fr-ca": {"name": "Peinture", "questions": {"rooms": {"label": "Combien de pièces ?"}}},
            "zh-hant": {"name": "油漆粉刷", "questions": {"rooms": {"label": "幾個房間？"}}},
        },
        "cleaning": {"fr-ca": {"name": "Nettoyage"}, "zh-hant": {"name": "清潔"}},
        "house-cleaning": {
            "fr-ca": {"name": "Ménage résidentiel", "questions": {"frequency": _FREQ["fr-ca"]}},
            "zh-hant": {"name": "居家清潔", "questions": {"frequency": _FREQ["zh-hant"]}},
        },
    },
    "formosa": {
        "home-repair": {
            "en": {"name": "Home Repair"},
            "fr-ca": {"name": "Réparations résidentielles"},
            "zh-hant": {"name": "居家修繕"},
        },
        "plumbing-electrical": {
            "en": {
                "name": "Plumbing & Electrical",
                "questions": {
                    "job": {
                        "label": "What needs doing?",
                        "choices": {"repair": "Repair", "install": "Install", "leak": "Leak"},
                    }
                },
            },
            "fr-ca": {
                "name": "Plomberie et électricité",
                "questions": {
                    "job": {**_JOB_FR, "choices": {"repair": "Réparation", "install": "Installation", "leak": "Fuite"}}
                },
            },
            "zh-hant": {
                "name": "水電工程",
                "questions": {"job": {**_JOB_ZH, "choices": {"repair": "維修", "install": "安裝", "leak": "漏水"}}},
            },
        },
        "air-conditioning": {
            "en": {"name": "Air Conditioning", "questions": {"units": {"label": "How many units?"}}},
            "fr-ca": {"name": "Climatisation", "questions": {"units": {"label": "Combien d'appareils ?"}}},
            "zh-hant": {"name": "冷氣安裝", "questions": {"units": {"label": "幾台？"}}},
        },
        "renovation": {"en": {"name": "Renovation"}, "fr-ca": {"name": "Rénovation"}, "zh-hant": {"name": "裝潢"}},
        "interior-design": {
            "en": {"name": "Interior Design", "questions": {"ping": {"label": "Floor area (ping)"}}},
            "fr-ca": {"name": "Design d'intérieur", "questions": {"ping": {"label": "Superficie (ping)"}}},
            "zh-hant": {"name": "室內設計", "questions": {"ping": {"label": "坪數"}}},
        },
        "painting": {"en": {"name": "Painting"}, "fr-ca": {"name": "Peinture"}, "zh-hant": {"name": "油漆粉刷"}},
        "cleaning": {"en": {"name": "Cleaning"}, "fr-ca": {"name": "Nettoyage"}, "zh-hant": {"name": "清潔"}},
        "house-cleaning": {
            "en": {"name": "House Cleaning", "questions": {"frequency": _FREQ["en"]}},
            "fr-ca": {"name": "Ménage résidentiel", "questions": {"frequency": _FREQ["fr-ca"]}},
            "zh-hant": {"name": "居家清潔", "questions": {"frequency": _FREQ["zh-hant"]}},
        },
        "moving": {"en": {"name": "Moving"}, "fr-ca": {"name": "Déménagement"}, "zh-hant": {"name": "搬家"}},
    },
}
