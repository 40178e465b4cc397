"""Demo data for consult: fictional member organisations, delegates, staff and comments on the two demo drafts."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class ReplySpec(TypedDict):
    author: tuple[str, int]  # (organisation's short name, index of its delegate in DELEGATES)
    stance: str
    body: str


class CommentSpec(TypedDict):
    draft: str  # the demo draft's slug
    paragraph: int  # its position in version 1
    quote: NotRequired[str | None]
    stance: str
    author: tuple[str, int]
    body: str
    replies: NotRequired[list[ReplySpec]]


class NoteSpec(TypedDict):
    author: tuple[str, int]
    body: str


class InternalDraftSpec(TypedDict):
    draft: str
    paragraph: int
    author: tuple[str, int]
    replace: tuple[str, str]  # (old, new) in the paragraph's text: the internal amendment's proposal
    justification: str
    notes: list[NoteSpec]


ORGANISATIONS = [
    {"name": "Interkultureller Elternverband Brückenschlag e.V.", "short_name": "IEB", "state": "Berlin"},
    {"name": "Netzwerk afrikanischer Vereine an der Elbe e.V.", "short_name": "NAVE", "state": "Hamburg"},
    {
        "name": "Föderation polnischsprachiger Kulturvereine Rhein-Ruhr e.V.",
        "short_name": "FPK",
        "state": "Nordrhein-Westfalen",
    },
    {"name": "Vietnamesisch-Deutsches Begegnungshaus Elbtal e.V.", "short_name": "VDBE", "state": "Sachsen"},
    {"name": "Kurdischer Kultur- und Bildungsverein Mittelhessen e.V.", "short_name": "KKBM", "state": "Hessen"},
    {"name": "Arabischsprachiges Frauennetzwerk Franken e.V.", "short_name": "AFNF", "state": "Bayern"},
    {"name": "Verband italienischer Familien am Oberrhein e.V.", "short_name": "VIFO", "state": "Baden-Württemberg"},
    {"name": "Syrische Nachbarschaftsinitiative Weserbergland e.V.", "short_name": "SNW", "state": "Niedersachsen"},
    {"name": "Griechischer Elternbund Vorderpfalz e.V.", "short_name": "GEBV", "state": "Rheinland-Pfalz"},
    {"name": "Russischsprachiges Kulturforum Havelland e.V.", "short_name": "RKH", "state": "Brandenburg"},
    {"name": "Ghanaisch-Deutscher Gemeinschaftsverein Weser e.V.", "short_name": "GDGW", "state": "Bremen"},
    {"name": "Migrantinnenforum Saar-Blies e.V.", "short_name": "MFSB", "state": "Saarland"},
    {"name": "Junge Vielfalt zwischen den Meeren e.V.", "short_name": "JVM", "state": "Schleswig-Holstein"},
    {"name": "Forum Zugewanderter an der Ostseeküste e.V.", "short_name": "FZO", "state": "Mecklenburg-Vorpommern"},
    {"name": "Interkulturelle Werkstatt Saale-Unstrut e.V.", "short_name": "IWSU", "state": "Sachsen-Anhalt"},
    {"name": "Gemeinschaft vom Horn von Afrika in Thüringen e.V.", "short_name": "GHAT", "state": "Thüringen"},
]

DELEGATES = {
    "IEB": ["Elif Kaya", "Jonas Weber"],
    "NAVE": ["Kwame Mensah", "Abena Owusu"],
    "FPK": ["Katarzyna Nowak", "Tomasz Wiśniewski"],
    "VDBE": ["Nguyễn Thị Hoa", "Phạm Văn Long"],
    "KKBM": ["Rojda Aydın", "Serhat Baran"],
    "AFNF": ["Samira El-Khatib", "Fatima Haddad"],
    "VIFO": ["Giulia Romano", "Marco Esposito"],
    "SNW": ["Rami Al-Hassan", "Lina Darwish"],
    "GEBV": ["Eleni Papadopoulou", "Nikos Georgiou"],
    "RKH": ["Olga Sokolowa", "Dmitri Kusnezow"],
    "GDGW": ["Akosua Boateng", "Kofi Asante"],
    "MFSB": ["Meryem Yıldız", "Hanna Schmitt"],
    "JVM": ["Deniz Öztürk", "Mila Petersen"],
    "FZO": ["Swetlana Becker", "Ahmad Rahimi"],
    "IWSU": ["Mohammed Saleh", "Katrin Lehmann"],
    "GHAT": ["Selam Tesfaye", "Dawit Haile"],
}

STAFF = {
    "moderator": "Leyla Hoffmann",
    "board": "Dr. Aleksandra Şahin",
    "admin": "Tobias Nguyen",
}

COMMENTS: list[CommentSpec] = [
    # --- participation-law ---
    {
        "draft": "participation-law",
        "paragraph": 8,
        "quote": None,
        "stance": "neutral",
        "author": ("JVM", 0),
        "body": "Bei den Zielen fehlt uns die junge Generation. Viele Jugendliche aus Einwandererfamilien engagieren "
        "sich, aber nicht in klassischen Vereinen. Könnte ein fünfter Punkt die Beteiligung junger Menschen "
        "ausdrücklich nennen?",
        "replies": [
            {
                "author": ("KKBM", 0),
                "stance": "support",
                "body": "Das unterstützen wir. Jugendverbände von "
                "Migrantinnen und Migranten sollten auch bei der "
                "Förderung eigens erwähnt werden.",
            },
        ],
    },
    {
        "draft": "participation-law",
        "paragraph": 9,
        "quote": "Diskriminierungserfahrungen unabhängig von der Staatsangehörigkeit erfasst werden",
        "stance": "support",
        "author": ("IEB", 0),
        "body": "Das ist uns sehr wichtig. Viele Kinder in unseren Elternvereinen sind hier geboren, haben einen "
        "deutschen Pass und erleben trotzdem Ausgrenzung in der Schule und bei der Wohnungssuche.",
        "replies": [
            {
                "author": ("SNW", 1),
                "stance": "neutral",
                "body": "Grundsätzlich einverstanden. Es sollte aber klar "
                "geregelt sein, wer diese Daten erhebt und wie der "
                "Datenschutz gesichert wird. In unserer Community "
                "gibt es viel Misstrauen gegenüber Befragungen durch "
                "Behörden.",
            },
        ],
    },
    {
        "draft": "participation-law",
        "paragraph": 11,
        "quote": "Eine starre Quote lehnen wir ab",
        "stance": "concern",
        "author": ("KKBM", 1),
        "body": "Wir verstehen die Vorsicht, aber Zielwerte ohne Konsequenzen haben in der Vergangenheit wenig "
        "bewirkt. Was passiert, wenn eine Behörde ihre Ziele *nicht* erreicht? Das sollte im Gesetz stehen.",
        "replies": [
            {
                "author": ("VIFO", 0),
                "stance": "concern",
                "body": "Wir sehen das ähnlich. Mindestens eine "
                "Begründungspflicht gegenüber dem Bundestag wäre aus "
                "unserer Sicht notwendig.",
            },
            {
                "author": ("IEB", 1),
                "stance": "neutral",
                "body": "Den Kompromiss im Entwurf halten wir für richtig, "
                "eine Quote wäre politisch kaum durchsetzbar. Eine "
                "Berichtspflicht bei verfehlten Zielwerten könnte man "
                "aber ergänzen.",
            },
        ],
    },
    {
        "draft": "participation-law",
        "paragraph": 15,
        "quote": "mehrsprachige Informationen und der Einsatz qualifizierter Sprachmittlung",
        "stance": "support",
        "author": ("VDBE", 0),
        "body": "Sehr gut. Bitte aber ausdrücklich festhalten, dass die Sprachmittlung für die Bürgerinnen und Bürger "
        "*kostenlos* ist. Viele ältere Menschen in unserer Gemeinde gehen gar nicht erst zum Amt, weil sie "
        "die Briefe nicht verstehen.",
        "replies": [
            {
                "author": ("RKH", 0),
                "stance": "support",
                "body": "Das gilt genauso für russischsprachige Seniorinnen "
                "und Senioren. Online-Formulare nur auf Deutsch sind "
                "für viele eine echte Hürde.",
            },
        ],
    },
    {
        "draft": "participation-law",
        "paragraph": 18,
        "quote": "Auch kleine Vereine ohne hauptamtliches Personal",
        "stance": "concern",
        "author": ("GDGW", 1),
        "body": "Unser Verein arbeitet komplett ehrenamtlich. Die Anträge beim Bund sind so kompliziert, dass wir sie "
        "ohne Hilfe nicht schaffen. Wir bitten darum, eine Beratungsstelle für Antragstellung und Abrechnung "
        "direkt in diesen Absatz aufzunehmen.",
        "replies": [
            {
                "author": ("MFSB", 0),
                "stance": "support",
                "body": "Unterstützung von unserer Seite. Dazu gehört auch, "
                "dass Ehrenamtliche eine Aufwandsentschädigung "
                "bekommen können, ohne dass dafür jedes Mal ein "
                "eigener Projektantrag nötig ist.",
            },
        ],
    },
    {
        "draft": "participation-law",
        "paragraph": 20,
        "quote": None,
        "stance": "concern",
        "author": ("AFNF", 0),
        "body": "Frauenorganisationen werden hier nur in einem Halbsatz erwähnt. Wir wünschen uns eine **eigene "
        "Förderlinie** für Migrantinnenorganisationen, weil unsere Arbeit bei großen Verbänden oft übersehen "
        "wird.",
        "replies": [],
    },
    {
        "draft": "participation-law",
        "paragraph": 22,
        "quote": "Seine Mitglieder werden mehrheitlich von bundesweit tätigen Migrantenorganisationen benannt",
        "stance": "concern",
        "author": ("GHAT", 0),
        "body": "Kleinere Communities wie unsere sind meist nicht in bundesweiten Verbänden organisiert. Wie wird "
        "sichergestellt, dass auch wir im Rat eine Stimme haben?",
        "replies": [
            {
                "author": ("FPK", 0),
                "stance": "neutral",
                "body": "Man könnte regionale Zusammenschlüsse zulassen oder "
                "einige Sitze rotierend vergeben. Das sollte dann im "
                "Papier zum Diversitätsrat genauso geregelt werden.",
            },
        ],
    },
    {
        "draft": "participation-law",
        "paragraph": 23,
        "quote": None,
        "stance": "neutral",
        "author": ("FPK", 1),
        "body": "Ein regelmäßiger Bericht ist richtig. Zwei Jahre sind allerdings lang; wir schlagen zusätzlich einen "
        "jährlichen Kurzbericht mit wenigen Kennzahlen vor.",
        "replies": [],
    },
    # --- diversity-council ---
    {
        "draft": "diversity-council",
        "paragraph": 8,
        "quote": "Die Mehrheit der Sitze entfällt auf Vertreterinnen und Vertreter von Migrantenorganisationen",
        "stance": "support",
        "author": ("NAVE", 0),
        "body": "Das ist für uns der entscheidende Punkt. Ein Rat, in dem wir nur am Rand neben Fachleuten sitzen, "
        "hätte in unseren Communities wenig Glaubwürdigkeit.",
        "replies": [
            {
                "author": ("GEBV", 1),
                "stance": "neutral",
                "body": "Grundsätzlich ja. Wir sollten aber vermeiden, dass "
                "am Ende immer dieselben großen Verbände die Sitze "
                "unter sich aufteilen.",
            },
        ],
    },
    {
        "draft": "diversity-council",
        "paragraph": 10,
        "quote": "ein offenes Bewerbungsverfahren",
        "stance": "support",
        "author": ("FZO", 0),
        "body": "Gut, dass an kleinere Communities gedacht wird. Bitte das Verfahren einfach halten und gezielt "
        "Vereine aus Ostdeutschland und aus ländlichen Regionen ansprechen. Dort gibt es oft nur wenige, aber "
        "sehr aktive Initiativen.",
        "replies": [
            {
                "author": ("IWSU", 0),
                "stance": "support",
                "body": "Dem schließen wir uns an. Unsere Ehrenamtlichen "
                "fahren teilweise zwei Stunden zu Sitzungen, "
                "Reisekosten müssen deshalb unbedingt erstattet "
                "werden.",
            },
        ],
    },
    {
        "draft": "diversity-council",
        "paragraph": 13,
        "quote": "in der Regel mindestens vier Wochen",
        "stance": "concern",
        "author": ("SNW", 0),
        "body": "Vier Wochen sind besser als heute, für ehrenamtlich arbeitende Mitglieder aber immer noch knapp, vor "
        "allem in den Sommerferien. Wir schlagen sechs Wochen vor.",
        "replies": [
            {
                "author": ("AFNF", 1),
                "stance": "neutral",
                "body": "Sechs Wochen wären wünschenswert, sind bei "
                "Eilverfahren aber kaum realistisch. Vielleicht eine "
                "Regelfrist von sechs Wochen mit begründeten "
                "Ausnahmen?",
            },
        ],
    },
    {
        "draft": "diversity-council",
        "paragraph": 16,
        "quote": None,
        "stance": "support",
        "author": ("RKH", 1),
        "body": "Die Zusammenfassung in Leichter Sprache und in mehreren Sprachen begrüßen wir ausdrücklich. Bitte "
        "dabei auch Russisch, Ukrainisch, Arabisch und Tigrinya berücksichtigen.",
        "replies": [],
    },
    {
        "draft": "diversity-council",
        "paragraph": 17,
        "quote": None,
        "stance": "neutral",
        "author": ("VIFO", 1),
        "body": "Drei Millionen Euro klingen nach viel, sind für eine Geschäftsstelle mit regionalen Anhörungen aber "
        "eher knapp bemessen. Woher stammt die Schätzung? Eine kurze Aufstellung im Anhang wäre hilfreich.",
        "replies": [],
    },
    {
        "draft": "diversity-council",
        "paragraph": 20,
        "quote": None,
        "stance": "concern",
        "author": ("MFSB", 1),
        "body": "Der Zeitplan ist sehr ehrgeizig. Wir sollten realistisch bleiben und lieber einen Zwischenschritt "
        "einbauen, zum Beispiel ein Rechtsgutachten zur Ausgestaltung des Anhörungsrechts.",
        "replies": [],
    },
]

# An internal draft of one organisation (consult.workspace, "Entwurf unserer Organisation"): Elif Kaya began it,
# Jonas Weber commented on it internally and has not agreed yet. Only IEB's two delegates see it.
INTERNAL_DRAFTS: list[InternalDraftSpec] = [
    {
        "draft": "participation-law",
        "paragraph": 5,
        "author": ("IEB", 0),
        "replace": (
            "Reine Absichtserklärungen bleiben dagegen oft folgenlos.",
            "Reine Absichtserklärungen bleiben dagegen oft folgenlos; ein Bundesgesetz braucht deshalb "
            "überprüfbare Ziele, Fristen und einen jährlichen Bericht an den Bundestag.",
        ),
        "justification": "Die Erfahrungen der Länder zeigen: Ohne Fristen und Berichtspflicht bleibt auch ein "
        "Gesetz folgenlos. Wir schlagen vor, das ausdrücklich zu sagen.",
        "notes": [
            {
                "author": ("IEB", 1),
                "body": "Guter Punkt. Sollen wir *„jährlich“* schreiben oder alle zwei Jahre? Der Bericht der Länder "
                "kommt meist alle zwei Jahre.",
            },
        ],
    },
]
