"""The demo shops' static data: products, people's names, addresses, carriers and prices.

Email addresses use the reserved example.* domains so a demo never writes to a real inbox.
"""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    product_id: str
    title: str
    product_type: str
    tags: tuple[str, ...]
    variants: tuple[tuple[str, str, Decimal], ...]  # (variant id, variant title, price incl. tax)
    popularity: int  # relative weight in baskets


def _p(product_id, title, product_type, tags, variants, popularity):
    return Product(
        product_id=product_id,
        title=title,
        product_type=product_type,
        tags=tuple(tags),
        variants=tuple((f"{product_id}{i:02d}", name, Decimal(price)) for i, (name, price) in enumerate(variants)),
        popularity=popularity,
    )


# fmt: off
MAISON_LUMIERE_PRODUCTS = [
    _p("8801", "Bougie parfumée Figuier", "Bougies", ["bougie", "cire végétale", "best-seller"],
       [("200 g", "32.00"), ("400 g", "48.00")], 30),
    _p("8802", "Bougie parfumée Bois de santal", "Bougies", ["bougie", "cire végétale", "boisé"],
       [("200 g", "34.00"), ("400 g", "52.00")], 22),
    _p("8803", "Bougie parfumée Fleur d'oranger", "Bougies", ["bougie", "cire végétale", "floral"],
       [("200 g", "32.00"), ("400 g", "48.00")], 18),
    _p("8804", "Bougie Feu de bois", "Bougies", ["bougie", "cire végétale", "hiver"],
       [("200 g", "34.00"), ("400 g", "52.00")], 14),
    _p("8805", "Coffret trois bougies de voyage", "Bougies", ["bougie", "coffret", "cadeau"],
       [("Figuier, Santal, Oranger", "39.00")], 16),
    _p("8811", "Diffuseur de parfum Linge propre", "Parfums d'intérieur", ["diffuseur", "frais"],
       [("200 ml", "42.00")], 12),
    _p("8812", "Recharge diffuseur Linge propre", "Parfums d'intérieur", ["diffuseur", "recharge"],
       [("200 ml", "29.00")], 9),
    _p("8813", "Brume d'oreiller Lavande", "Parfums d'intérieur", ["brume", "sommeil", "lavande"],
       [("100 ml", "24.00")], 10),
    _p("8821", "Lampe à poser Opaline", "Luminaires", ["lampe", "verre", "nouveauté"],
       [("Blanc opalin", "129.00"), ("Ambre", "129.00")], 5),
    _p("8822", "Suspension en rotin", "Luminaires", ["suspension", "rotin", "fait main"],
       [("Ø 40 cm", "149.00"), ("Ø 60 cm", "189.00")], 3),
    _p("8823", "Applique murale en laiton", "Luminaires", ["applique", "laiton"], [("Laiton brossé", "119.00")], 3),
    _p("8824", "Guirlande lumineuse en coton", "Luminaires", ["guirlande", "cadeau"],
       [("20 boules, lin", "35.00"), ("20 boules, terracotta", "35.00")], 9),
    _p("8825", "Lampe baladeuse rechargeable", "Luminaires", ["lampe", "sans fil", "extérieur"],
       [("Sable", "79.00"), ("Vert sauge", "79.00")], 6),
    _p("8831", "Photophore en verre soufflé", "Décoration", ["photophore", "verre", "fait main"],
       [("Ambre", "28.00"), ("Fumé", "28.00")], 11),
    _p("8832", "Bougeoir en laiton", "Décoration", ["bougeoir", "laiton"], [("Petit", "22.00"), ("Grand", "29.00")], 8),
    _p("8833", "Vase en céramique Dune", "Décoration", ["vase", "céramique"], [("Sable", "49.00"), ("Argile", "49.00")], 6),
    _p("8834", "Miroir rond en rotin", "Décoration", ["miroir", "rotin"], [("Ø 50 cm", "89.00")], 3),
    _p("8835", "Panier en jonc de mer", "Décoration", ["rangement", "fait main"], [("M", "39.00"), ("L", "45.00")], 5),
    _p("8841", "Housse de couette en lin lavé", "Linge de maison", ["lin", "chambre", "best-seller"],
       [("140 × 200, naturel", "119.00"), ("240 × 220, naturel", "159.00"), ("240 × 220, terracotta", "159.00")], 7),
    _p("8842", "Taie d'oreiller en lin lavé", "Linge de maison", ["lin", "chambre"],
       [("65 × 65, naturel", "29.00"), ("50 × 75, blanc", "27.00")], 8),
    _p("8843", "Nappe en lin", "Linge de maison", ["lin", "table"], [("160 × 250", "89.00")], 4),
    _p("8844", "Plaid en laine mérinos", "Linge de maison", ["plaid", "laine", "hiver"],
       [("Écru", "109.00"), ("Caramel", "109.00")], 5),
    _p("8845", "Coussin en velours côtelé", "Linge de maison", ["coussin", "velours"],
       [("45 × 45, rouille", "39.00"), ("45 × 45, olive", "39.00")], 7),
    _p("8851", "Tasse en grès émaillé", "Arts de la table", ["grès", "fait main"],
       [("Sable", "18.00"), ("Bleu nuit", "18.00")], 10),
    _p("8852", "Assiette plate en grès", "Arts de la table", ["grès", "table"], [("Ø 27 cm", "22.00")], 6),
    _p("8853", "Carafe en verre recyclé", "Arts de la table", ["verre", "recyclé"], [("1 l", "34.00")], 5),
    _p("8854", "Verres à eau, lot de quatre", "Arts de la table", ["verre", "recyclé"], [("Lot de 4", "36.00")], 5),
]

WILD_FERN_PRODUCTS = [
    _p("4401", "Speckled stoneware mug", "Mugs", ["stoneware", "handmade"], [("Oat", "24.00"), ("Moss", "24.00")], 20),
    _p("4402", "Pour-over coffee set", "Coffee", ["stoneware", "gift"], [("Oat", "58.00")], 6),
    _p("4403", "Bud vase trio", "Vases", ["vase", "gift"], [("Mixed glazes", "42.00")], 8),
    _p("4404", "Serving bowl", "Tableware", ["stoneware", "table"], [("Large", "48.00")], 5),
]
# fmt: on

FRENCH_FIRST_NAMES = (
    "Camille Léa Manon Chloé Inès Juliette Emma Louise Alice Clara Lucie Mathilde Pauline Anaïs Margaux Élise "
    "Charlotte Hélène Sophie Nathalie Isabelle Claire Aurélie Julie Agathe Thomas Nicolas Julien Antoine Maxime "
    "Hugo Lucas Louis Arthur Paul Baptiste Pierre Mathieu Guillaume Romain Vincent Olivier François Étienne"
).split()
FRENCH_LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia "
    "David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet Legrand Garnier "
    "Faure Rousseau Blanc Guérin Muller Henry Roussel Perrin Morin Clément Gauthier Dumont Fontaine Chevalier Robin"
).split()
ENGLISH_FIRST_NAMES = (
    "Olivia Amelia Isla Ava Emily Sophie Grace Lily Charlotte Ella Hannah Chloe Lucy Eleanor Harriet Rose Oliver "
    "George Harry Jack Charlie Thomas James William Henry Samuel Daniel Edward Joseph Alfie Niamh Aoife Conor Sean"
).split()
ENGLISH_LAST_NAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White Roberts "
    "Green Hall Wood Jackson Clarke Murphy Kelly O'Brien Byrne Ryan Walsh Hughes Turner Bennett Cooper"
).split()
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")

FRENCH_STREETS = (
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Voltaire", "rue des Lilas",
    "place du Marché", "rue Pasteur", "allée des Tilleuls", "rue du Château", "quai des Chartrons",
    "rue Nationale", "chemin des Vignes", "rue Saint-Michel", "avenue de la Gare",
)  # fmt: skip
ENGLISH_STREETS = (
    "High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Avenue", "Queen Street",
    "Harbour Road", "Green Lane",
)  # fmt: skip

# (city, postal code, ISO country), weighted by how often the shop ships there.
FRENCH_CITIES = (
    ("Paris", "75011", 9), ("Paris", "75015", 7), ("Paris", "75018", 5), ("Paris", "75004", 3), ("Lyon", "69003", 6),
    ("Lyon", "69007", 4), ("Marseille", "13006", 4), ("Bordeaux", "33000", 5), ("Nantes", "44000", 4),
    ("Lille", "59000", 4), ("Toulouse", "31000", 4), ("Strasbourg", "67000", 3), ("Rennes", "35000", 3),
    ("Montpellier", "34000", 3), ("Nice", "06000", 3), ("Annecy", "74000", 2), ("Tours", "37000", 2),
    ("Dijon", "21000", 2), ("Grenoble", "38000", 2), ("La Rochelle", "17000", 2), ("Aix-en-Provence", "13100", 2),
    ("Biarritz", "64200", 1), ("Arles", "13200", 1), ("Vannes", "56000", 1),
)  # fmt: skip
FRENCH_SPEAKING_ABROAD = (
    ("Bruxelles", "1050", "BE", 3), ("Liège", "4000", "BE", 1), ("Genève", "1201", "CH", 2),
    ("Lausanne", "1003", "CH", 1), ("Luxembourg", "L-1611", "LU", 1),
)  # fmt: skip
ENGLISH_CITIES = (
    ("London", "N1 7GU", "GB", 6), ("London", "SW4 0LG", "GB", 4), ("Manchester", "M4 1HN", "GB", 2),
    ("Bristol", "BS1 4DJ", "GB", 2), ("Edinburgh", "EH1 1YZ", "GB", 2), ("Brighton", "BN1 1AE", "GB", 1),
    ("Dublin", "D02 X285", "IE", 3), ("Cork", "T12 W8YK", "IE", 1), ("Paris", "75006", "FR", 2),
    ("Nice", "06000", "FR", 1), ("Bordeaux", "33000", "FR", 1),
)  # fmt: skip

REFERRERS = (
    ("https://www.google.com/", 40), ("https://www.instagram.com/", 20), ("https://www.pinterest.fr/", 8),
    ("", 22), ("https://www.facebook.com/", 6), ("https://www.marieclaire.fr/", 4),
)  # fmt: skip


@dataclass(frozen=True)
class ShippingOption:
    carrier: str
    service: str
    price: Decimal
    free_from: Decimal | None  # order subtotal from which shipping is free
    transit_days: tuple[int, int]  # business days from hand-over, (min, max)
    pickup_point: bool = False
    weight: int = 1


def _ship(carrier, service, price, free_from, transit_days, weight, pickup_point=False):
    return ShippingOption(
        carrier=carrier,
        service=service,
        price=Decimal(price),
        free_from=Decimal(free_from) if free_from else None,
        transit_days=transit_days,
        pickup_point=pickup_point,
        weight=weight,
    )


SHIPPING_BY_COUNTRY = {
    "FR": (
        _ship("colissimo", "Colissimo Domicile sans signature", "4.90", "60", (2, 3), 45),
        _ship("mondial_relay", "Mondial Relay Point Relais", "3.90", "60", (3, 5), 25, pickup_point=True),
        _ship("chronopost", "Chronopost 13h", "12.90", None, (1, 1), 15),
        _ship("dpd", "DPD Predict", "6.90", "80", (1, 2), 15),
    ),
    "BE": (
        _ship("mondial_relay", "Mondial Relay Point Relais", "5.90", "90", (3, 6), 60, pickup_point=True),
        _ship("dpd", "DPD Classic", "8.90", "90", (2, 3), 40),
    ),
    "LU": (_ship("dpd", "DPD Classic", "8.90", "90", (2, 3), 1),),
    "CH": (_ship("ups", "UPS Standard", "19.90", None, (3, 5), 1),),
    "GB": (
        _ship("ups", "UPS Standard", "14.90", "150", (3, 5), 60),
        _ship("dhl", "DHL Express Worldwide", "24.90", None, (1, 2), 40),
    ),
    "IE": (
        _ship("ups", "UPS Standard", "12.90", "150", (3, 5), 50),
        _ship("dhl", "DHL Express Worldwide", "22.90", None, (1, 2), 50),
    ),
}
WILD_FERN_SHIPPING = {
    "GB": (
        _ship("royal_mail", "Royal Mail Tracked 48", "3.95", "50", (2, 3), 70),
        _ship("dpd", "DPD Next Day", "7.95", None, (1, 1), 30),
    ),
    "IE": (_ship("dpd", "DPD Classic", "9.95", None, (2, 4), 1),),
}

# Where parcels pass on their way, for believable tracking events.
HUBS = {
    "colissimo": (("Plateforme Colis", "Wissous", "FR"), ("Plateforme Colis", "Chilly-Mazarin", "FR"),
                  ("Agence Colis Gerland", "Lyon", "FR")),
    "chronopost": (("Hub Chronopost", "Chilly-Mazarin", "FR"), ("Agence Chronopost", "Lyon", "FR")),
    "mondial_relay": (("Hub Mondial Relay", "Lille", "FR"), ("Agence Mondial Relay", "Toulouse", "FR")),
    "dpd": (("Hub DPD", "Gonesse", "FR"), ("Dépôt DPD", "Lyon", "FR"), ("Hub DPD", "Bruxelles", "BE")),
    "ups": (("UPS", "Wissous", "FR"), ("UPS Air Hub", "Cologne", "DE"), ("UPS", "East Midlands", "GB")),
    "dhl": (("DHL Hub", "Roissy-en-France", "FR"), ("DHL Hub", "Leipzig", "DE"), ("DHL Hub", "East Midlands", "GB")),
    "royal_mail": (("Mail Centre", "Warrington", "GB"), ("Mail Centre", "Bristol", "GB")),
}  # fmt: skip
WAREHOUSE_CITY = {"maison-lumiere": ("Montreuil", "FR"), "wild-fern": ("Stroud", "GB")}

# What the shop sends as the fulfillment's tracking link, per carrier.
TRACKING_URLS = {
    "colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "chronopost": "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}",
    "mondial_relay": "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition={number}",
    "dpd": "https://trace.dpd.fr/fr/trace/{number}",
    "ups": "https://www.ups.com/track?tracknum={number}",
    "dhl": "https://www.dhl.com/fr-en/home/tracking.html?tracking-id={number}",
    "royal_mail": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
}
