"""Demo organizations and logins; plain data so `make run` can print them without
loading Django."""

PASSWORD = "demo-pass-2026"  # noqa: S105 - printed by `make run` on purpose
ROLES = ["admin", "reception", "host", "compliance"]
DEMO = [
    {
        "name": "Acme Industrie",
        "slug": "acme",
        "language": "fr",
        "sites": [
            (
                "Lyon — Siège",
                "12 rue de la République, 69002 Lyon",
                ["Accueil principal", "Quai livraisons"],
            ),
            (
                "Grenoble — Usine",
                "5 avenue des Alpes, 38000 Grenoble",
                ["Poste de garde", "Accueil bâtiment B"],
            ),
        ],
    },
    {
        "name": "Globex Santé",
        "slug": "globex",
        "language": "en",
        "sites": [("Paris — Clinique", "48 boulevard Voltaire, 75011 Paris", ["Accueil", "Urgences"])],
    },
]


# Platform support (the vendor's staff): no organization, no tenant data; the
# support console shows every organization's restore tickets, and a ticket's
# data only through the time-boxed access its customer granted.
SUPPORT_EMAIL = "support@vestibule.demo"


def demo_logins() -> list[tuple[str, str, str]]:
    logins = [(org["slug"], role, f"{role}@{org['slug']}.demo") for org in DEMO for role in ROLES]
    return [*logins, ("platform", "support", SUPPORT_EMAIL)]
