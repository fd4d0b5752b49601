"""Invented text fragments the renderer assembles into posts.

Rules that keep the ground truth unambiguous (checked by the tests):

* plain fragments never contain ``#``, ``@``, ``&``, ``<``, ``>`` or ``http``, so every hashtag,
  mention and link in a post is one the renderer placed (and recorded an entity for), and no
  HTML escaping (which Twitter applies to ``&<>``) can shift an index;
* the phrase "me too" (as whole words, any case) appears only in :data:`PHRASE_REPLIES` and
  :data:`QUOTE_ORIGIN` — never by accident in a story — so "replies to the origin with the
  phrase" is exactly the set the model meant.

Stories are short, first-person and deliberately non-graphic.

Roles (issue 25): every authored post is planted with one role — disclosure, support,
commentary, opposition, other — and worded from that role's fragments in its language
(:data:`ROLE_TEXTS`). A share of posts is worded from :data:`AMBIGUOUS` instead: texts whose
words leave the planted role open (support telling of someone else's experience, commentary
quoting a disclosure, sarcasm that reads as support, one-word replies, posts mixing two
roles). The planted role is the truth; the words are only the evidence.
"""

from __future__ import annotations

ORIGIN_TEXT = ("If you\u2019ve been sexually harassed or assaulted write \u2018me too\u2019 as a "
               "reply to this tweet.")
FOLLOWUP_TEXT = "Thank you to everyone sharing tonight. You are heard and you are not alone."

#: Written forms of each campaign hashtag with their weights: mixed case as people type it,
#: plus rare full-width forms (the ``＃`` sign and ``Ｍｅ Ｔｏｏ`` letters) that NFKC folds.
METOO = (("#MeToo", 0.68), ("#metoo", 0.20), ("#Metoo", 0.05), ("#METOO", 0.04),
         ("#meToo", 0.01), ("\uff03MeToo", 0.01), ("#\uff2d\uff45\uff34\uff4f\uff4f", 0.01))
IBELIEVEYOU = (("#IBelieveYou", 0.75), ("#ibelieveyou", 0.20), ("#IbelieveYou", 0.05))
VARIANT_TAGS = {
    1: (("#BalanceTonPorc", 0.70), ("#balancetonporc", 0.25), ("#BALANCETONPORC", 0.05)),
    2: (("#YoTambien", 0.75), ("#yotambien", 0.20), ("#YOTAMBIEN", 0.05)),
    3: (("#QuellaVoltaChe", 0.60), ("#quellavoltache", 0.40)),
}
CO_TAGS = ("#YouAreNotAlone", "#Survivors", "#EndTheSilence")

EMOJI = ("\U0001f494", "\U0001f64f", "\u270a", "\U0001f49c", "\U0001f622", "\u2764\ufe0f")

STORIES = (
    "It happened at my first job. I was 19 and too scared to say anything.",
    "I was 15. He was a family friend.",
    "A manager told me it was just how things worked in that office.",
    "I stayed quiet for years because I thought it was my fault.",
    "It took me twenty years to say this out loud.",
    "On a crowded train, more than once.",
    "At a party in college. Nobody believed me then.",
    "My boss made comments every single day for two years.",
    "I changed my route home for a whole year because of one man.",
    "I was told to smile more and stop making a fuss.",
    "I reported it. Nothing happened, except that I lost my job.",
    "Walking home from school. I was twelve.",
    "A teacher. I never told my parents.",
    "I still flinch when someone stands too close behind me.",
    "In a job interview, of all places.",
    "It was a coworker everyone liked, so I said nothing.",
    "More times than I can count, starting when I was a teenager.",
    "Every woman I know has a story like this.",
    "I was a waitress and the regulars thought it came with the service.",
    "A director said that is how you get cast.",
    "He was my supervisor and he knew I needed the job.",
    "At a conference, in a hotel bar, in front of colleagues.",
    "I was 17 and it was my first summer job.",
    "I never said anything because I was sure nobody would care.",
    "It happened at church, of all places.",
    "I have three stories and I am only telling the first one today.",
    "He laughed it off and so did everyone else in the room.",
    "I left a career I loved because of it.",
)
SOLIDARITY = (
    "Reading these stories and I can't stop crying.",
    "To everyone sharing tonight: you are not alone.",
    "So many of us. This is the magnitude of the problem.",
    "Standing with every survivor speaking up today.",
    "If you haven't posted, you don't owe anyone your story.",
    "Believe survivors.",
    "Men, read these. All of them.",
    "This is not a trend. This is our reality.",
    "Scroll through this and tell yourself it isn't everywhere.",
    "Proud of every single person speaking up.",
    "My timeline tonight is heartbreaking.",
)
SUPPORT = (
    "I believe you.",
    "I'm so sorry this happened to you.",
    "Sending you strength and love.",
    "You are so brave for sharing this.",
    "Thank you for telling your story.",
    "None of it was your fault.",
    "Holding space for you tonight.",
    "I hear you. I believe you.",
    "Thank you for trusting us with this.",
    "You did nothing wrong.",
)
#: Bodies of origin replies that contain the phrase "me too" as whole words.
PHRASE_REPLIES = (
    ("Me too.",), ("me too",), ("Me too.", "{story}"), ("Me too", "{emoji}"), ("ME TOO.",),
    ("Me too, more times than I can count.",), ("Sadly, me too.",), ("Me too. I was 14.",),
    ("me too.", "{story}"), ("Me too. Every woman I know.",),
)
#: Origin replies without the phrase ("Me. Too." is the deliberate near miss).
OTHER_ORIGIN_REPLIES = (
    ("Thank you for starting this.",), ("Me. Too.",), ("This thread is heartbreaking.",),
    ("Reading every single reply here.",), ("Sending love to everyone in these replies.",),
    ("So many of us.",), ("Thank you for this.",),
)
QUOTE_COMMENTS = ("This.", "Please read this.", "Every word of this.", "Read the replies.",
                  "This is why it matters.", "Please, listen.", "Important thread.")
QUOTE_ORIGIN = ("Me too.", "Me too. Still.", "Read the replies to this.", "Me too. All of us.")

FR_STORIES = (
    "Il m'a dit que je devais sourire plus si je voulais une promotion.",
    "Un coll\u00e8gue, devant tout le monde, et personne n'a rien dit.",
    "J'avais 17 ans, c'\u00e9tait mon ma\u00eetre de stage.",
    "Dans le m\u00e9tro, plusieurs fois par semaine.",
    "Mon ancien chef m'envoyait des messages la nuit.",
    "On m'a dit de ne pas faire d'histoires.",
    "Un client r\u00e9gulier, et la patronne trouvait \u00e7a dr\u00f4le.",
)
FR_SUPPORT = ("Je te crois.", "Courage \u00e0 toi.", "Merci d'avoir parl\u00e9.",
              "Ce n'est pas de ta faute.", "On est l\u00e0.")
ES_STORIES = (
    "Ten\u00eda 16 a\u00f1os y era mi profesor.",
    "Mi jefe dec\u00eda que era una broma.",
    "En el autob\u00fas, camino al trabajo, durante meses.",
    "Nunca se lo cont\u00e9 a nadie hasta hoy.",
    "Me dijeron que no exagerara.",
    "En mi primer trabajo, con 19 a\u00f1os.",
)
ES_SUPPORT = ("Te creo.", "Mucho \u00e1nimo.", "Gracias por contarlo.", "No fue tu culpa.",
              "No est\u00e1s sola.")
IT_STORIES = (
    "il mio capo mi disse che la gonna era troppo lunga.",
    "un collega mi segu\u00ec fino alla macchina.",
    "avevo 14 anni e nessuno mi credette.",
    "ho cambiato lavoro per non incontrarlo pi\u00f9.",
    "un professore mi chiese di restare dopo la lezione.",
)
IT_SUPPORT = ("Ti credo.", "Forza.", "Grazie per averlo raccontato.", "Non \u00e8 colpa tua.")
VARIANT_TEXT = {1: (FR_STORIES, FR_SUPPORT, "fr"), 2: (ES_STORIES, ES_SUPPORT, "es"),
                3: (IT_STORIES, IT_SUPPORT, "it")}

#: The roles of authored posts (issue 25), in the order the truth and the sidecar name them.
ROLES = ("disclosure", "support", "commentary", "opposition", "other")
DISCLOSURE, SUPPORT_ROLE, COMMENTARY, OPPOSITION, OTHER = range(5)
LANGS = ("en", "fr", "es", "it")

EN_SOLIDARITY_MORE = (
    "Listen to the women in your life this week.",
    "Nobody should have to carry this alone.",
    "To every survivor reading this: we believe you.",
)
EN_COMMENTARY = (
    "Over a million posts in two days, according to one count.",
    "The studio says it is reviewing its policies after the allegations.",
    "Every newsroom should be asking who knew, and for how long.",
    "Workplace harassment rules have barely changed in thirty years.",
    "Interesting how fast this spread once famous names joined in.",
    "Three more accusers came forward today. His lawyer denies everything.",
    "Worth reading: a long piece on how these cases get buried at work.",
    "A new survey puts the numbers at one in three women.",
    "Will anything change in the law this time? Hard to say.",
    "The hashtag is trending in more than eighty countries today.",
    "Companies are suddenly rewriting their codes of conduct.",
    "Two senators now call for hearings on harassment in Congress.",
)
EN_OPPOSITION = (
    "This is a witch hunt and everyone knows it.",
    "Now a compliment is harassment? Give me a break.",
    "Half of these stories are made up for attention.",
    "Men can't even talk to a coworker anymore.",
    "Another hashtag for people who want to feel important.",
    "Nobody reported anything for years and now everyone remembers.",
    "This hysteria will ruin innocent careers.",
    "Grown adults crying on the internet. Get over it.",
    "If it was so bad, why not go to the police back then?",
    "Ruining lives with a tweet. What a system.",
)
EN_OTHER = (
    "Big sale this weekend only, all mugs half price.",
    "Follow for daily cat pictures.",
    "Good morning everyone, coffee time.",
    "Testing, testing. Is this thing on?",
    "Lunch was great today.",
    "New video up on my channel, go watch.",
    "Win a free phone, repost and follow to enter.",
    "Trending topics tonight, let us see what is going on.",
)
EN_OTHER_REPLIES = ("lol", "ok", "Wait what?", "Who is this?", "Good night all.")

FR_SOLIDARITY = (
    "Solidarit\u00e9 avec toutes celles qui parlent aujourd'hui.",
    "Lisez ces t\u00e9moignages, tous, jusqu'au bout.",
    "Vous n'\u00eates pas seules.",
    "Fi\u00e8re de toutes celles qui osent parler.",
)
FR_COMMENTARY = (
    "Des milliers de t\u00e9moignages en deux jours, selon la presse.",
    "Le gouvernement promet une loi contre le harc\u00e8lement de rue.",
    "Une journaliste a lanc\u00e9 le mouvement, la suite est impressionnante.",
    "Les entreprises devront enfin r\u00e9pondre \u00e0 ces questions.",
    "Le d\u00e9bat arrive \u00e0 l'Assembl\u00e9e la semaine prochaine.",
)
FR_OPPOSITION = (
    "C'est de la d\u00e9lation, rien d'autre.",
    "On ne peut plus rien dire, ni draguer.",
    "Encore une chasse aux sorci\u00e8res.",
    "Tout le monde se dit victime maintenant.",
    "Une m\u00e9diatisation ridicule.",
)
FR_OTHER = ("Bonjour tout le monde.", "Promo sur toute la boutique ce week-end.",
            "Qui regarde le match ce soir ?", "Je teste juste le hashtag.")
ES_SOLIDARITY = (
    "Toda mi solidaridad con las que hablan hoy.",
    "Lean estos testimonios, todos.",
    "No est\u00e1is solas.",
    "Orgullosa de cada mujer que se atreve a contarlo.",
)
ES_COMMENTARY = (
    "Miles de testimonios en dos d\u00edas, seg\u00fan la prensa.",
    "El ministerio anuncia un protocolo contra el acoso laboral.",
    "El movimiento ya ha llegado a toda Am\u00e9rica Latina.",
    "Las empresas tendr\u00e1n que dar explicaciones.",
    "Un estudio dice que una de cada tres mujeres lo ha sufrido.",
)
ES_OPPOSITION = (
    "Esto es una caza de brujas.",
    "Ya no se puede decir nada a nadie.",
    "Todo el mundo quiere ser v\u00edctima ahora.",
    "Cuento chino para tener seguidores.",
    "Qu\u00e9 exageraci\u00f3n, por favor.",
)
ES_OTHER = ("Buenas noches a todos.", "Oferta especial solo este fin de semana.",
            "Probando el hashtag.", "Qu\u00e9 calor hace hoy.")
IT_SOLIDARITY = (
    "Solidariet\u00e0 a tutte quelle che parlano oggi.",
    "Leggete queste storie, tutte.",
    "Non siete sole.",
    "Orgogliosa di ogni donna che trova il coraggio.",
)
IT_COMMENTARY = (
    "Migliaia di racconti in due giorni, scrivono i giornali.",
    "Il ministero promette nuove regole contro le molestie.",
    "Il movimento \u00e8 arrivato anche nelle universit\u00e0.",
    "Le aziende dovranno dare delle risposte.",
    "Un sondaggio dice che una donna su tre ne ha subite.",
)
IT_OPPOSITION = (
    "\u00c8 una caccia alle streghe.",
    "Ormai non si pu\u00f2 dire pi\u00f9 niente.",
    "Tutte vittime, all'improvviso.",
    "Solo una moda per avere visibilit\u00e0.",
    "Che esagerazione.",
)
IT_OTHER = ("Buongiorno a tutti.", "Saldi in negozio questo fine settimana.",
            "Provo questo hashtag.", "Che pizza stasera.")

#: Clear fragments per language and role: disclosure, support in posts of one's own,
#: support addressed to someone (replies and quotes), commentary, opposition, other.
ROLE_TEXTS = {
    "en": {"disclosure": STORIES, "support": SOLIDARITY + EN_SOLIDARITY_MORE,
           "support_to": SUPPORT, "commentary": EN_COMMENTARY, "opposition": EN_OPPOSITION,
           "other": EN_OTHER},
    "fr": {"disclosure": FR_STORIES, "support": FR_SOLIDARITY, "support_to": FR_SUPPORT,
           "commentary": FR_COMMENTARY, "opposition": FR_OPPOSITION, "other": FR_OTHER},
    "es": {"disclosure": ES_STORIES, "support": ES_SOLIDARITY, "support_to": ES_SUPPORT,
           "commentary": ES_COMMENTARY, "opposition": ES_OPPOSITION, "other": ES_OTHER},
    "it": {"disclosure": IT_STORIES, "support": IT_SOLIDARITY, "support_to": IT_SUPPORT,
           "commentary": IT_COMMENTARY, "opposition": IT_OPPOSITION, "other": IT_OTHER},
}
#: Texts whose words leave the planted role (the key) open, per language: one-word or
#: hashtag-only posts ("" is no words at all), support telling of someone else's experience,
#: commentary quoting or retelling a disclosure, sarcasm worded as support, a disclosure
#: mixed with support or commentary (the guideline's order makes those disclosures).
AMBIGUOUS = {
    "en": {
        "disclosure": ("Same.", "", "Yes. Also me.", "Not ready to share details. Just adding "
                       "my voice.", "It happened at my first job too. Sending love to everyone "
                       "sharing tonight.", "Mine was a professor. Universities still have no "
                       "real process for this.", "Years ago. I still think about it.",
                       "I don't want to write it down. But yes."),
        "support": ("Yes.", "My sister went through this at her first job. I believe every "
                    "one of you.", "My mother never told anyone. I am so glad you can.",
                    "A friend told me her story today. I had no idea.",
                    "So many stories tonight. Reading every one of them."),
        "commentary": ("One post tonight: I was 15, he was a family friend. There are "
                       "thousands like it.", "A woman in my feed writes that her boss did "
                       "this for two years. Companies need to answer.", "Hm.",
                       "Harassment at work, on trains, at school: the replies read like a "
                       "survey.", "Some of these accounts will be hard to verify, but the "
                       "numbers are striking."),
        "opposition": ("So brave. Truly. A hashtag and a selfie.", "I believe you. And I "
                       "also believe in unicorns.", "Sending love to all the brave warriors "
                       "of the internet.", "Thank you for sharing. Now share some evidence.",
                       "Wow, so many victims all at once. Amazing timing.",
                       "Sure. Everyone is a survivor now."),
        "other": ("Wow.", "Interesting.", "What is this hashtag about?",
                  "Saw this trending, no idea what it is.", "Same here."),
    },
    "fr": {
        "disclosure": ("Pareil.", "", "Moi aussi, mais je n'en parlerai pas.",
                       "\u00c7a m'est arriv\u00e9 aussi. Courage \u00e0 toutes."),
        "support": ("Oui.", "Ma s\u0153ur a v\u00e9cu la m\u00eame chose. Je vous crois.",
                    "Une amie m'a racont\u00e9 la sienne ce soir."),
        "commentary": ("Une femme \u00e9crit : il m'a coinc\u00e9e dans l'ascenseur. Des "
                       "milliers de messages comme celui-l\u00e0.", "Hum.",
                       "Certains r\u00e9cits seront difficiles \u00e0 v\u00e9rifier, mais "
                       "les chiffres frappent."),
        "opposition": ("Bravo, quel courage, un hashtag.", "Je vous crois toutes, bien "
                       "s\u00fbr. Toutes.", "Merci pour le t\u00e9moignage, et les preuves ?"),
        "other": ("Ah bon ?", "Int\u00e9ressant.", "C'est quoi ce hashtag ?"),
    },
    "es": {
        "disclosure": ("Igual.", "", "Yo tambi\u00e9n, pero no lo voy a contar.",
                       "Tambi\u00e9n me pas\u00f3. Mucho \u00e1nimo a todas."),
        "support": ("S\u00ed.", "A mi hermana le pas\u00f3 lo mismo. Os creo.",
                    "Una amiga me cont\u00f3 lo suyo hoy."),
        "commentary": ("Una mujer escribe: mi jefe lo hizo durante a\u00f1os. Hay miles "
                       "as\u00ed.", "Mmm.", "Algunos relatos ser\u00e1n dif\u00edciles de "
                       "comprobar, pero las cifras impresionan."),
        "opposition": ("Qu\u00e9 valientes, con un hashtag.", "Os creo a todas, claro. A "
                       "todas.", "Gracias por contarlo. Ahora las pruebas."),
        "other": ("Vaya.", "Interesante.", "\u00bfDe qu\u00e9 va este hashtag?"),
    },
    "it": {
        "disclosure": ("Anche io.", "", "Anche a me, ma non lo racconto.",
                       "\u00c8 successo anche a me. Forza a tutte."),
        "support": ("S\u00ec.", "Mia sorella ha vissuto la stessa cosa. Vi credo.",
                    "Un'amica mi ha raccontato la sua stasera."),
        "commentary": ("Una donna scrive: il mio capo per due anni. Ce ne sono migliaia "
                       "cos\u00ec.", "Mah.", "Alcuni racconti saranno difficili da "
                       "verificare, ma i numeri colpiscono."),
        "opposition": ("Che coraggio, un hashtag.", "Vi credo tutte, certo. Tutte.",
                       "Grazie per il racconto. Ora le prove."),
        "other": ("Boh.", "Interessante.", "Cos'\u00e8 questo hashtag?"),
    },
}
#: Background posts worded as commentary on the news of their topic, by the topic's hashtag
#: in :data:`BACKGROUND` (the same language).
BACKGROUND_COMMENTARY = {
    "#MondayMotivation": ("A new study says four-day weeks raise output.",
                          "Fewer people commute on Mondays than before, says a survey."),
    "#NBA": ("The league fined two teams for resting healthy players.",
             "Ticket prices went up again this season, says a fan survey."),
    "#nowplaying": ("Streaming now pays artists less per play than radio did.",),
    "#WorldSeries": ("TV ratings for the series are the best in a decade.",),
    "#photography": ("The museum opens a retrospective of press photography next week.",),
    "#travel": ("Airlines added new fees for carry-on bags this year.",),
    "#amwriting": ("Publishers say print sales rose for the third year in a row.",),
    "#fitness": ("The city will open two new public pools next year.",),
    "#FelizLunes": ("El gobierno presenta hoy los presupuestos.",),
    "#caf\u00e9": ("La gr\u00e8ve des transports continue demain.",),
    "": ("The council votes on the new bus lanes tonight.",
         "Interest rates held steady again this month.",
         "Turnout in the local election was the lowest in decades."),
}
BACKGROUND_COMMENTARY_REPLIES = ("Depends on the budget, honestly.",
                                 "The article says otherwise.", "Source?")

#: Background chatter: (hashtag or "", lang, lines). Steady, never campaign tags.
BACKGROUND = (
    ("#MondayMotivation", "en", ("New week, new goals.", "Start where you are.",
                                 "Coffee first, then conquer the week.")),
    ("#NBA", "en", ("What a finish tonight!", "That fourth quarter was unreal.",
                    "Opening week and I'm already stressed.")),
    ("#nowplaying", "en", ("Neon Harbor - The Velvet Tides", "Paper Lanterns - Juniper Street",
                           "Slow Orbit - Marble Coast")),
    ("#WorldSeries", "en", ("Game tonight. Who's watching?", "Can't believe that ninth inning.",
                            "Nervous and it's only the second inning.")),
    ("#photography", "en", ("Morning light over the bay.", "Fog rolling in at sunrise.")),
    ("#travel", "en", ("Finally booked the trip.", "Airport coffee never disappoints.")),
    ("#amwriting", "en", ("Two thousand words today.", "Chapter twelve is fighting me.")),
    ("#fitness", "en", ("Leg day done.", "Five kilometres before work.")),
    ("#FelizLunes", "es", ("Buenos d\u00edas a todos.", "A por la semana.")),
    ("#caf\u00e9", "fr", ("Premier caf\u00e9 de la journ\u00e9e.",
                          "Pause bien m\u00e9rit\u00e9e.")),
    ("", "en", ("Traffic is terrible this morning.", "Anyone else still awake?",
                "Best pizza in town, no contest.", "Rain again. Of course.")),
)
BACKGROUND_REPLIES = ("Haha so true", "Congrats!", "Totally agree.", "Same here.",
                      "Wait, really?", "Love this.")
BACKGROUND_QUOTES = ("Ha!", "Exactly.", "Big if true.", "Look at this.")


def all_plain_fragments() -> list[str]:
    """Every fixed fragment (used by the tests that guard the rules above)."""
    out = [FOLLOWUP_TEXT, *STORIES, *SOLIDARITY, *SUPPORT, *QUOTE_COMMENTS, *BACKGROUND_REPLIES,
           *BACKGROUND_QUOTES, *FR_STORIES, *FR_SUPPORT, *ES_STORIES, *ES_SUPPORT, *IT_STORIES,
           *IT_SUPPORT]
    for _, _, lines in BACKGROUND:
        out.extend(lines)
    for body in OTHER_ORIGIN_REPLIES:
        out.extend(b for b in body if not b.startswith("{"))
    for banks in (*ROLE_TEXTS.values(), *AMBIGUOUS.values()):
        for texts in banks.values():
            out.extend(t for t in texts if t)
    out.extend(EN_OTHER_REPLIES)
    out.extend(BACKGROUND_COMMENTARY_REPLIES)
    for lines in BACKGROUND_COMMENTARY.values():
        out.extend(lines)
    return out
