#!/usr/bin/env python3
"""Regenerates the derived lexicon files (sv-sprakbanken.tsv, sv-vader.tsv, en-vader.tsv) in this folder
from the upstream lists in the shared corpora (see NOTICE). Hand-made corrections live in *-custom.tsv,
which the classifier loads last, so they survive regeneration.

Usage (from the repository root): python3 config/lexicons/gen_lexicons.py [CORPORA_DIR]
CORPORA_DIR defaults to $LYSSNA_CORPORA or ../shared/corpora."""
import csv, os, re, sys
HERE = os.path.dirname(os.path.abspath(__file__))
CORPORA = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(
    'LYSSNA_CORPORA', os.path.join(HERE, '..', '..', '..', 'shared', 'corpora'))
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
    if abs(v) < 1.0 or w in V_STOP:
        continue
    s = sb_sign.get(w)
    if s is not None and (s > 0) != (v > 0):
        continue
    vs.append((w, v))

ve = []
seen = set()
for line in open(f'{SRC}/vader-en/vader_lexicon.txt', encoding='utf-8'):
    p = line.rstrip('\n').split('\t')
    if len(p) < 2 or not re.fullmatch(r"[a-z][a-z'-]*", p[0]) or p[0] in seen:
        continue
    seen.add(p[0])
    w, v = p[0], float(p[1])
    if abs(v) < 0.5:
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
