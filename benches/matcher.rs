//! Brand matcher benchmark: `cargo bench --bench matcher` (LYSSNA_BENCH_MB=5 for a quick run).
//!
//! Text: ≥ 50 MB (default; `LYSSNA_BENCH_MB` overrides) of mixed Swedish and English, cut into items of
//! roughly 1–3 KB (a title sentence and a body). Sentences come from the corpora when present
//! (`LYSSNA_CORPORA`, else `../shared/corpora` next to the crate: UCI review sentences and Språkbanken
//! lexicon example sentences) and from generated sentences: a xorshift64* PRNG seeded with 0x5EED
//! picks a template and fills it from Swedish and English word lists (with å, ä, ö, upper case and
//! punctuation). About 3 % of sentences mention a generated brand (a phrase, the joined name, its
//! domain or the name in upper case), skewed towards low brand numbers so every query set has hits.
//!
//! Query sets: 64, 500, 2,000 and 5,000 generated brands of realistic shapes (phrase OR name OR
//! domain, NOT, NEAR with a word group, prefix wildcard, title field, context words; every 7th brand
//! has an exclude).
//!
//! Measured per set, in MB of original text per second:
//! (a) a raw Aho-Corasick scan (DFA, as the matcher uses; the default builder's figure is printed
//!     too) of all the matcher's normalised literals over the pre-normalised text: the cost of the
//!     literal search alone, with tokenising and normalising done beforehand and not timed;
//! (b) the full matcher: raw-text prefilter, then for the documents it lets through tokenisation,
//!     normalisation, automaton, evaluation, spans (the prefilter's speed alone and the share of
//!     text it lets through are printed too);
//! (c) one `regex::Regex` per brand (`(?i)\b(?:lit|lit…)\b`, Unicode word boundaries, the query's name
//!     terms as alternatives (see `regex_for`); tokens of a phrase joined by `\W+`, `x*` → `x\w*`),
//!     `is_match` on title and body, on a time-boxed sample;
//! (d) one `regex::RegexSet` of the same patterns, on a sample (up to 2,000 patterns);
//! and the compile time of the matcher.

use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use lyssna::domain::query::parser::{Query, Wildcard};
use lyssna::domain::query::text::{Fold, NormField, token_ranges};
use lyssna::domain::query::{BrandSpec, Document, Matcher, parse};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// xorshift64*: tiny, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const SYLLABLES: &[&str] = &[
    "nor", "vik", "sol", "berg", "ström", "lund", "tek", "nova", "lux", "mar", "kal", "rin",
    "åker", "fjäll", "ek", "gran", "vind", "sjö", "dal", "ber", "lin", "kor", "tor", "ham", "sten",
    "ås", "by", "mo", "vall", "öd",
];

/// Brand `i`'s two name parts (unique for i < 27,000).
fn brand_parts(i: usize) -> (String, String) {
    let n = SYLLABLES.len();
    let a = format!("{}{}", SYLLABLES[i % n], SYLLABLES[(i / n) % n]);
    let b = SYLLABLES[(i / (n * n) + i) % n].to_string() + "a";
    (a, b)
}

fn brand_spec(i: usize) -> BrandSpec {
    let (a, b) = brand_parts(i);
    let ab = format!("{a}{b}");
    let query = match i % 6 {
        0 => format!("\"{a} {b}\" OR {ab} OR {ab}.se"),
        1 => format!("{ab} NOT \"{ab} spam\""),
        2 => format!("{ab} NEAR/5 (bank OR appen OR kundtjänst OR support)"),
        3 => format!("{a}{b}* -{ab}bot"),
        4 => format!("title:{ab} OR \"{a} {b}\""),
        _ => format!("{ab} (service OR svar OR tack OR problem)"),
    };
    BrandSpec {
        name: ab.clone(),
        query,
        exclude: if i.is_multiple_of(7) {
            vec![format!("\"{ab} morning\"")]
        } else {
            Vec::new()
        },
        context: Vec::new(),
        fold_diacritics: i.is_multiple_of(11),
        compounds: false,
    }
}

const SV_WORDS: &[&str] = &[
    "och",
    "att",
    "det",
    "som",
    "en",
    "på",
    "är",
    "av",
    "för",
    "med",
    "till",
    "den",
    "har",
    "de",
    "inte",
    "om",
    "ett",
    "men",
    "var",
    "jag",
    "så",
    "kundtjänst",
    "svar",
    "bankkontot",
    "tjänsten",
    "företaget",
    "ledningen",
    "år",
    "ar",
    "Örjan",
    "GÖTEBORG",
    "Malmö",
    "väldigt",
    "dålig",
    "bra",
    "fantastisk",
    "väntetid",
    "leverans",
    "pengarna",
    "tillbaka",
    "åtgärd",
    "bemötande",
    "kvalitet",
    "möte",
    "försenad",
    "ärligt",
    "problem",
    "tack",
    "appen",
    "butiken",
];
const EN_WORDS: &[&str] = &[
    "the",
    "and",
    "to",
    "of",
    "a",
    "in",
    "is",
    "it",
    "that",
    "for",
    "was",
    "on",
    "with",
    "service",
    "support",
    "delivery",
    "refund",
    "terrible",
    "great",
    "waited",
    "answer",
    "manager",
    "bank",
    "account",
    "app",
    "store",
    "quality",
    "never",
    "again",
    "recommend",
    "Monday",
    "morning",
    "staff",
    "experience",
    "problem",
    "price",
    "order",
    "late",
    "thanks",
    "CEO",
];
const PUNCT: &[&str] = &[" ", " ", " ", " ", " ", ", ", " - ", " (", ") ", "; "];
const ENDS: &[&str] = &[". ", "! ", "? ", ".\n", "...\n\n"];

fn generated_sentence(rng: &mut Rng, out: &mut String) {
    let words = if rng.below(2) == 0 {
        SV_WORDS
    } else {
        EN_WORDS
    };
    let n = 6 + rng.below(14);
    for k in 0..n {
        let w = rng.pick(words);
        if k == 0 {
            let mut cs = w.chars();
            if let Some(c) = cs.next() {
                out.extend(c.to_uppercase());
                out.push_str(cs.as_str());
            }
        } else {
            out.push_str(w);
        }
        if k + 1 < n {
            out.push_str(rng.pick(PUNCT));
        }
    }
    out.push_str(rng.pick(ENDS));
}

fn brand_mention(rng: &mut Rng, out: &mut String) {
    // Skewed: half the mentions name one of the first 64 brands.
    let i = if rng.below(2) == 0 {
        rng.below(64)
    } else {
        rng.below(5000)
    };
    let (a, b) = brand_parts(i);
    let m = match rng.below(5) {
        0 => format!("{a} {b}"),
        1 => format!("{a}{b}"),
        2 => format!("www.{a}{b}.se"),
        3 => format!("{a}{b}").to_uppercase(),
        _ => format!("{a}-{b} support"),
    };
    out.push_str(&format!(
        "{} {m} {} ",
        rng.pick(&["Om", "About", "Hos", "At", "Tack", "Hej"]),
        rng.pick(&[
            "svarade.", "bank", "appen.", "is late.", "morning", "problem."
        ])
    ));
}

fn corpus_sentences() -> Vec<String> {
    let dir = std::env::var("LYSSNA_CORPORA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpora").to_string());
    let mut out = Vec::new();
    for f in ["amazon", "imdb", "yelp"] {
        let path = format!("{dir}/sentiment/uci/{f}.json");
        if let Ok(s) = std::fs::read_to_string(&path)
            && let Ok(serde_json::Value::Array(v)) = serde_json::from_str(&s)
        {
            out.extend(
                v.iter()
                    .filter_map(|x| x.get("text")?.as_str().map(str::to_string)),
            );
        }
    }
    if let Ok(s) = std::fs::read_to_string(format!("{dir}/lexicons/sprakbanken/sentimentlex.csv")) {
        for line in s.lines().skip(1) {
            // The example sentence is the last, quoted column.
            if let Some(q) = line.strip_suffix('"')
                && let Some(start) = q.rfind(",\"")
            {
                out.push(q[start + 2..].replace(" .", ".").replace(" ,", ","));
            }
        }
    }
    if out.is_empty() {
        eprintln!("note: corpora not found at {dir}; all text is generated");
    }
    out
}

struct Item {
    title: String,
    body: String,
    url: String,
}

fn build_items(target: usize) -> Vec<Item> {
    let corpus = corpus_sentences();
    let mut rng = Rng(0x5EED);
    let mut items = Vec::new();
    let mut total = 0;
    while total < target {
        let sentence = |rng: &mut Rng, s: &mut String| {
            let r = rng.below(100);
            if r < 3 {
                brand_mention(rng, s);
            } else if r < 30 && !corpus.is_empty() {
                s.push_str(&corpus[rng.below(corpus.len())]);
                s.push(' ');
            } else {
                generated_sentence(rng, s);
            }
        };
        let mut title = String::new();
        sentence(&mut rng, &mut title);
        title.truncate(title.trim_end().len());
        let mut body = String::new();
        for _ in 0..(8 + rng.below(25)) {
            sentence(&mut rng, &mut body);
        }
        let url = format!(
            "https://forum{}.example.se/t/{}",
            rng.below(20),
            items.len()
        );
        total += title.len() + body.len();
        items.push(Item { title, body, url });
    }
    items
}

fn doc(it: &Item) -> Document<'_> {
    Document {
        title: &it.title,
        body: &it.body,
        author: "",
        url: &it.url,
        lang: None,
    }
}

/// `(?i)\b(?:…)\b` over the query's name terms: every branch of an OR, the first positive operand of
/// an AND or NEAR (the brand's name in every generated shape), nothing under NOT. That is the regex a
/// regex-based monitor keeps per brand; adding the context words (`bank`, `support`) would make most
/// regexes stop at the first common word and measure nothing useful.
fn regex_for(query: &str) -> String {
    fn walk(q: &Query, out: &mut Vec<String>) -> bool {
        match q {
            Query::Term(t) => {
                let parts: Vec<String> = t
                    .tokens
                    .iter()
                    .map(|tok| {
                        let e = regex::escape(&tok.text);
                        match tok.wildcard {
                            Wildcard::None => e,
                            Wildcard::Prefix => format!("{e}\\w*"),
                            Wildcard::Suffix => format!("\\w*{e}"),
                        }
                    })
                    .collect();
                out.push(parts.join("\\W+"));
                true
            }
            Query::Or(v) => v.iter().fold(false, |any, c| walk(c, out) | any),
            Query::And(v) => v.iter().any(|c| walk(c, out)),
            Query::Near { left, right, .. } => walk(left, out) || walk(right, out),
            Query::Not(_) => false,
            Query::Field { query, .. } => walk(query, out),
        }
    }
    let mut alts = Vec::new();
    if let Ok(q) = parse(query) {
        walk(&q, &mut alts);
    }
    format!("(?i)\\b(?:{})\\b", alts.join("|"))
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64().max(1e-9)
}

/// Runs `f` over items until all are done or `budget` has passed; returns (bytes, time).
fn timed_sample(
    items: &[Item],
    budget: Duration,
    mut f: impl FnMut(&Item) -> usize,
) -> (usize, Duration, usize) {
    let t = Instant::now();
    let mut bytes = 0;
    let mut hits = 0;
    for it in items {
        hits += f(it);
        bytes += it.title.len() + it.body.len();
        if t.elapsed() > budget {
            break;
        }
    }
    (bytes, t.elapsed(), hits)
}

fn main() {
    let mb: f64 = std::env::var("LYSSNA_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50.0);
    let t = Instant::now();
    let items = build_items((mb * 1e6) as usize);
    let text_bytes: usize = items.iter().map(|i| i.title.len() + i.body.len()).sum();
    println!(
        "text: {:.1} MB in {} items (built in {:.1} s)",
        text_bytes as f64 / 1e6,
        items.len(),
        t.elapsed().as_secs_f64()
    );
    let sizes: Vec<usize> = std::env::var("LYSSNA_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![64, 500, 2000, 5000]);
    // LYSSNA_BENCH_NO_REGEX=1 skips (c) and (d), e.g. to profile the matcher alone.
    let regex_budget = if std::env::var_os("LYSSNA_BENCH_NO_REGEX").is_some() {
        Duration::ZERO
    } else {
        Duration::from_secs(4)
    };
    let mut summary = Vec::new();
    for &n in &sizes {
        let specs: Vec<BrandSpec> = (0..n).map(brand_spec).collect();
        let t = Instant::now();
        let matcher = match Matcher::compile(&specs) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("compile failed: {e}");
                return;
            }
        };
        let compile = t.elapsed();

        // (a) raw Aho-Corasick over the normalised text.
        let literals: Vec<Vec<u8>> = matcher
            .literal_patterns()
            .into_iter()
            .map(|p| p.into_iter().filter(|&b| b != 0).collect())
            .collect();
        // The same automaton kind the matcher uses (a DFA): `AhoCorasick::new` picks a contiguous
        // NFA above 100 patterns, which scans 3-4x slower here and made (a) an easy target.
        let ac = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .build(&literals)
            .or_else(|_| AhoCorasick::new(&literals))
            .expect("literals build an automaton");
        let ac_default = AhoCorasick::new(&literals).expect("literals build an automaton");
        let normalised: Vec<NormField> = items
            .iter()
            .flat_map(|it| [&it.title, &it.body])
            .map(|s| NormField::build(s, &token_ranges(s), Fold::Case))
            .collect();
        let t = Instant::now();
        let raw_hits: usize = normalised
            .iter()
            .map(|nf| ac.find_iter(&nf.buf[..]).count())
            .sum();
        let a = mbps(text_bytes, t.elapsed());
        let t = Instant::now();
        let default_hits: usize = normalised
            .iter()
            .map(|nf| ac_default.find_iter(&nf.buf[..]).count())
            .sum();
        let a_default = mbps(text_bytes, t.elapsed());
        assert_eq!(
            default_hits, raw_hits,
            "both automata find the same literals"
        );

        // (b) the full matcher.
        let t = Instant::now();
        let mut matched = 0;
        for it in &items {
            matched += matcher.match_document(&doc(it)).len();
        }
        let b = mbps(text_bytes, t.elapsed());
        // How much text the prefilter lets through, and how fast it is alone.
        let t = Instant::now();
        let full_path: usize = items
            .iter()
            .filter(|it| matcher.passes_prefilter(&doc(it)))
            .map(|it| it.title.len() + it.body.len())
            .sum();
        let pre = mbps(text_bytes, t.elapsed());

        // (c) Vec<Regex> and (d) RegexSet, on a time-boxed sample.
        let patterns: Vec<String> = specs.iter().map(|s| regex_for(&s.query)).collect();
        let t = Instant::now();
        let regexes: Vec<Regex> = patterns
            .iter()
            .take(if regex_budget.is_zero() {
                0
            } else {
                usize::MAX
            })
            .filter_map(|p| RegexBuilder::new(p).size_limit(1 << 26).build().ok())
            .collect();
        let regex_compile = t.elapsed();
        let (cb, ct, c_hits) = if regexes.is_empty() {
            (0, Duration::ZERO, 0)
        } else {
            timed_sample(&items, regex_budget, |it| {
                regexes
                    .iter()
                    .filter(|r| r.is_match(&it.title) || r.is_match(&it.body))
                    .count()
            })
        };
        // 0 when skipped (LYSSNA_BENCH_NO_REGEX): no ratio is printed against it.
        let c = if cb == 0 { 0.0 } else { mbps(cb, ct) };
        let t = Instant::now();
        // A RegexSet of 5,000 Unicode-aware patterns takes ~25 s just to compile here, and it is
        // already hundreds of times slower than the matcher at 2,000: measured up to 2,000 only.
        let set: Option<RegexSet> = if n <= 2000 && !regex_budget.is_zero() {
            RegexSetBuilder::new(&patterns)
                .size_limit(1 << 28)
                .dfa_size_limit(1 << 28)
                .build()
                .ok()
        } else {
            None
        };
        let set_compile = t.elapsed();
        let (d, d_note) = match &set {
            Some(set) => {
                let (db, dt, _) = timed_sample(&items, regex_budget, |it| {
                    let t = set.matches(&it.title);
                    let b = set.matches(&it.body);
                    (0..set.len())
                        .filter(|&i| t.matched(i) || b.matched(i))
                        .count()
                });
                (mbps(db, dt), format!("{:.1} MB sample", db as f64 / 1e6))
            }
            None if n > 2000 => (0.0, "not measured above 2,000 patterns".to_string()),
            None => (0.0, "did not compile".to_string()),
        };
        println!(
            "\n{n} brands ({} literals): compile {:.1} ms (Vec<Regex> {:.0} ms, RegexSet {:.0} ms)",
            literals.len(),
            compile.as_secs_f64() * 1e3,
            regex_compile.as_secs_f64() * 1e3,
            set_compile.as_secs_f64() * 1e3,
        );
        println!(
            "  (a) raw aho-corasick scan  {a:8.1} MB/s  ({raw_hits} literal hits; default builder {a_default:.1} MB/s)"
        );
        println!(
            "  (b) full matcher           {b:8.1} MB/s  ({matched} brand matches; prefilter alone {pre:.0} MB/s, passes {:.0} % of the text)",
            100.0 * full_path as f64 / text_bytes as f64
        );
        println!(
            "  (c) Vec<Regex>             {c:8.2} MB/s  ({:.2} MB sample, {c_hits} brand hits)",
            cb as f64 / 1e6
        );
        println!("  (d) RegexSet               {d:8.2} MB/s  ({d_note})");
        let bd = if d > 0.0 {
            format!("{:.1}x", b / d)
        } else {
            "n/a".to_string()
        };
        let bc = if c > 0.0 {
            format!("{:.1}x", b / c)
        } else {
            "n/a".to_string()
        };
        println!(
            "  ratios: b/a = {:.2} (default-builder a: {:.2}), b/c = {bc}, b/d = {bd}",
            b / a,
            b / a_default
        );
        summary.push((n, a, b, c, d, compile, a_default));
    }
    let get = |n: usize| summary.iter().find(|r| r.0 == n);
    println!("\ngoals:");
    if let Some(&(_, a, b, .., a_default)) = get(2000) {
        println!(
            "  b >= 50% of a at 2000:   {:.0}% {} (against the default-builder a: {:.0}%)",
            100.0 * b / a,
            ok(b >= 0.5 * a),
            100.0 * b / a_default
        );
    }
    if let Some(&(_, _, b, c, ..)) = get(500).filter(|r| r.3 > 0.0) {
        println!(
            "  b >= 20x c at 500:        {:.0}x {}",
            b / c,
            ok(b >= 20.0 * c)
        );
    }
    for &(n, _, b, _, d, ..) in summary.iter().filter(|r| r.4 > 0.0) {
        println!(
            "  b >= d at {n}:{}{:.1}x {}",
            " ".repeat(12usize.saturating_sub(n.to_string().len())),
            b / d.max(1e-9),
            ok(b >= d)
        );
    }
    if let (Some(&(_, _, b5000, ..)), Some(&(_, _, b500, ..))) = (get(5000), get(500)) {
        println!(
            "  b(5000) >= 50% b(500):    {:.0}% {}",
            100.0 * b5000 / b500,
            ok(b5000 >= 0.5 * b500)
        );
    }
    if let Some(&(.., compile, _)) = get(5000) {
        println!(
            "  compile 5000 <= 250 ms:   {:.1} ms {}",
            compile.as_secs_f64() * 1e3,
            ok(compile <= Duration::from_millis(250))
        );
    }
}

fn ok(b: bool) -> &'static str {
    if b { "ok" } else { "MISSED" }
}
