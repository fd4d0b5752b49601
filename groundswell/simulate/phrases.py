"""Invented text fragments the renderer assembles into posts.

Rules that keep the ground truth unambiguous (checked by the tests):

* plain fragments never contain ``#``, ``@``, ``&``, ``<``, ``>`` or ``http``, so every hashtag,
  mention and link in a post is one the renderer placed (and recorded an entity for), and no
  HTML escaping (which Twitter applies to ``&<>``) can shift an index;
* the phrase "me too" (as whole words, any case) appears only in :data:`PHRASE_REPLIES` and
  :data:`QUOTE_ORIGIN` — never by accident in a story — so "replies to the origin with the
  phrase" is exactly the set the model meant.

Stories are short, first-person and deliberately non-graphic.
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
    return out
