//! Customer-service rules: criticism and praise that customers write without evaluative words.
//!
//! "Väntat i tre veckor", "ingen svarar", "tog två veckor på sig att svara", "svarade inom en timme":
//! no word in these is negative or positive, yet every reader knows the verdict. A lexicon of phrases
//! would need one entry per duration, verb form and word order; these rules combine word classes
//! (`config/lexicons/service-rules.tsv`) instead, so "väntade nästan två timmar i kö" and "on hold for
//! 45 minutes" are found by the same rule as "väntat i tre veckor".
//!
//! Each rule returns the span it used, so the lexicon scorer does not count its words again ("issue"
//! in "sorted out my billing issue in ten minutes" is part of the praise, not a complaint).

use super::classes::{Class, Marks};

/// A duration's unit, shortest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// A duration found at some position: its unit, how many, and where it ends.
#[derive(Clone, Copy, Debug)]
struct Duration {
    unit: Unit,
    count: f64,
    end: usize,
}

/// One rule's verdict on a span of tokens.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RuleHit {
    pub from: usize,
    pub to: usize,
    pub score: f64,
    pub what: String,
}

/// What the rules read: the token texts ("" for anything that is not a scoreable word), the class
/// marks, and which positions are clause breaks (a negation does not reach across a comma).
pub(crate) struct Cx<'c> {
    pub texts: &'c [&'c str],
    pub marks: &'c Marks,
    pub breaks: &'c [bool],
}

const SERVICE: &[Class] = &[Class::Respond, Class::Work, Class::Deliver, Class::Resolve];
const UNITS: &[(Class, Unit)] = &[
    (Class::Minute, Unit::Minute),
    (Class::Hour, Unit::Hour),
    (Class::Day, Unit::Day),
    (Class::Week, Unit::Week),
    (Class::Month, Unit::Month),
    (Class::Year, Unit::Year),
];

/// The value of a number word or digits ("tre" 3, "a couple" 2, "several" 4, "45" 45).
fn number_value(w: &str) -> Option<f64> {
    if let Ok(n) = w.parse::<f64>() {
        return Some(n);
    }
    Some(match w {
        "en" | "ett" | "a" | "an" | "one" => 1.0,
        "två" | "two" | "par" | "couple" => 2.0,
        "tre" | "three" | "några" | "few" => 3.0,
        "fyra" | "four" | "flera" | "several" => 4.0,
        "fem" | "five" | "många" | "many" => 5.0,
        "sex" | "six" => 6.0,
        "sju" | "seven" => 7.0,
        "åtta" | "eight" => 8.0,
        "nio" | "nine" => 9.0,
        "tio" | "ten" => 10.0,
        "elva" | "eleven" => 11.0,
        "tolv" | "twelve" => 12.0,
        "femton" | "fifteen" => 15.0,
        "tjugo" | "twenty" => 20.0,
        "trettio" | "thirty" => 30.0,
        "fyrtio" | "forty" => 40.0,
        "femtio" | "fifty" => 50.0,
        "hundra" | "hundred" => 100.0,
        _ => return None,
    })
}

impl Cx<'_> {
    fn has(&self, k: usize, c: Class) -> bool {
        self.marks.at(k).has(c)
    }

    /// The longest form of any of `cs` at `k`.
    fn len_any(&self, k: usize, cs: &[Class]) -> Option<usize> {
        cs.iter().filter_map(|&c| self.marks.len(k, c)).max()
    }

    /// A duration starting at `k`: `[approx] number unit` ("nästan två timmar", "45 minutes",
    /// "10 business days") or a plural unit alone ("i veckor", "for months", "hela dagen").
    fn duration(&self, k: usize, end: usize) -> Option<Duration> {
        let mut at = k;
        if let Some(n) = self.marks.len(at, Class::Approx) {
            at += n;
        }
        if let Some(n) = self.marks.len(at, Class::Long) {
            let whole_day = matches!(self.texts[at], "hela" | "all");
            let unit = if whole_day { Unit::Hour } else { Unit::Week };
            return (at + n <= end).then_some(Duration {
                unit,
                count: 2.0,
                end: at + n,
            });
        }
        let (count, n) = match self.marks.len(at, Class::Number) {
            Some(n) => (number_value(self.texts[at]).unwrap_or(3.0), n),
            None => (number_value(self.texts.get(at)?)?, 1),
        };
        at += n;
        let (u, n) = UNITS
            .iter()
            .find_map(|&(c, u)| self.marks.len(at, c).map(|n| (u, n)))?;
        (at + n <= end).then_some(Duration {
            unit: u,
            count,
            end: at + n,
        })
    }

    /// The first duration starting in `from..to` (and ending by `end`).
    fn duration_in(&self, from: usize, to: usize, end: usize) -> Option<(usize, Duration)> {
        (from..to.min(end)).find_map(|j| self.duration(j, end).map(|d| (j, d)))
    }

    /// Whether a clause break lies in `from..to`.
    fn broken(&self, from: usize, to: usize) -> bool {
        let to = to.min(self.breaks.len());
        from < to && self.breaks[from..to].iter().any(|&b| b)
    }

    /// Whether a negator at `k` really negates ("inte bara", "not only" do not).
    fn negates(&self, k: usize, n: usize) -> bool {
        !self.has(k + n, Class::NotNeg)
    }

    fn quote(&self, from: usize, to: usize) -> String {
        let words: Vec<&str> = self.texts[from..to]
            .iter()
            .copied()
            .filter(|w| !w.is_empty())
            .collect();
        format!("\"{}\"", words.join(" "))
    }

    fn hit(&self, from: usize, to: usize, score: f64, label: &str) -> RuleHit {
        RuleHit {
            from,
            to,
            score,
            what: format!("{label}: {}", self.quote(from, to)),
        }
    }

    /// The label for a service word that did not happen.
    fn not_done(&self, k: usize) -> &'static str {
        let m = self.marks.at(k);
        if m.has(Class::Respond) {
            "no answer"
        } else if m.has(Class::Work) {
            "not working"
        } else if m.has(Class::Deliver) {
            "never came"
        } else if m.has(Class::Resolve) {
            "not solved"
        } else {
            "still missing"
        }
    }
}

/// A rule: given the sentence `a..b` and a position `k` in it, the hit starting at `k`, if any.
type Rule = fn(&Cx<'_>, usize, usize, usize) -> Option<RuleHit>;

/// Every rule hit in the sentence `a..b`, non-overlapping, earlier rules first.
pub(crate) fn rules(cx: &Cx<'_>, a: usize, b: usize, out: &mut Vec<RuleHit>) {
    let start = out.len();
    let list: [Rule; 10] = [
        waiting,
        taking,
        late,
        quick,
        repeated,
        charged,
        no_problem,
        negated,
        verb_second,
        promised,
    ];
    for rule in list {
        let mut k = a;
        while k < b {
            if cx.texts[k].is_empty() {
                k += 1;
                continue;
            }
            match rule(cx, a, b, k) {
                Some(h) if !out[start..].iter().any(|o| o.from < h.to && h.from < o.to) => {
                    k = h.to.max(k + 1);
                    out.push(h);
                }
                _ => k += 1,
            }
        }
    }
}

/// "väntat i tre veckor", "on hold for 45 minutes", "över en timme i telefonkö": waiting for a stated
/// time. A few minutes is not a complaint; hours are, days more so.
fn waiting(cx: &Cx<'_>, a: usize, b: usize, k: usize) -> Option<RuleHit> {
    let n = cx.marks.len(k, Class::Wait)?;
    // "utan att behöva vänta", "didn't have to wait": not waiting is no complaint.
    if (k.saturating_sub(3).max(a)..k).any(|j| cx.has(j, Class::Neg) || cx.has(j, Class::SvNeg)) {
        return None;
    }
    // "trying to reach someone about my account for 10 days": the time may come a few words on.
    let after = cx
        .duration_in(k + n, k + n + 7, b)
        .map(|(_, d)| (k, d.end, d));
    let before =
        (k.saturating_sub(5).max(a)..k).find_map(|j| cx.duration(j, k).map(|d| (j, k + n, d)));
    let (from, to, d) = after.or(before)?;
    let score = match d.unit {
        Unit::Minute if d.count < 10.0 => return None,
        Unit::Minute => -1.0,
        Unit::Hour => -1.5,
        _ => -2.0,
    };
    Some(cx.hit(from, to, score, "waiting"))
}

/// "tog två veckor på sig att svara", "took 6 weeks to reply": the time something took. Long for an
/// answer is criticism; weeks for anything is; a day for a setup is not.
fn taking(cx: &Cx<'_>, _a: usize, b: usize, k: usize) -> Option<RuleHit> {
    let n = cx.marks.len(k, Class::Take)?;
    let (_, d) = cx.duration_in(k + n, k + n + 4, b)?;
    let service = (d.end..(d.end + 7).min(b)).find(|&j| cx.len_any(j, SERVICE).is_some());
    let (score, to) = match (service, d.unit) {
        (Some(j), Unit::Minute) if d.count < 10.0 => (1.0, j + 1),
        (Some(_), Unit::Minute) if d.count < 30.0 => return None,
        (Some(j), Unit::Minute | Unit::Hour) => (-1.0, j + 1),
        (Some(j), _) => (-2.0, j + 1),
        (None, u) if u >= Unit::Week => (-1.5, d.end),
        (None, _) => return None,
    };
    let label = if score > 0.0 { "quick" } else { "slow" };
    Some(cx.hit(k, to, score, label))
}

/// "svarade efter tre veckor", "arrived a week later", "två veckor senare": too late.
fn late(cx: &Cx<'_>, _a: usize, b: usize, k: usize) -> Option<RuleHit> {
    if let Some(n) = cx.len_any(k, &[Class::Respond, Class::Deliver, Class::Resolve]) {
        let j = (k + n..(k + n + 4).min(b)).find(|&j| cx.has(j, Class::Late))?;
        let d = cx.duration(j + 1, b)?;
        return (d.unit >= Unit::Day).then(|| cx.hit(k, d.end, -1.5, "late"));
    }
    let d = cx.duration(k, b)?;
    let n = cx.marks.len(d.end, Class::Later)?;
    (d.unit >= Unit::Day).then(|| cx.hit(k, d.end + n, -1.0, "late"))
}

/// "svarade inom en timme", "löste det direkt", "fixed it right away", "kom på en dag": quick
/// service. Not when it was only promised ("lovade återkoppling inom 48 timmar") or is future.
fn quick(cx: &Cx<'_>, a: usize, b: usize, k: usize) -> Option<RuleHit> {
    let n = cx.len_any(k, SERVICE)?;
    let before = k.saturating_sub(3).max(a)..k;
    if before
        .clone()
        .any(|j| cx.has(j, Class::Promised) || cx.has(j, Class::Future) || cx.has(j, Class::Neg))
        || cx.texts[before]
            .iter()
            .any(|w| w.ends_with("'d") || w.ends_with("'ll"))
    {
        return None;
    }
    let deliver = cx.has(k, Class::Deliver);
    for j in k + n..(k + n + 6).min(b) {
        if let Some(q) = cx.marks.len(j, Class::Quick) {
            return Some(cx.hit(k, j + q, 2.0, "quick"));
        }
        if let Some(w) = cx.marks.len(j, Class::Within)
            && let Some(d) = cx.duration(j + w, b)
        {
            let fast = d.unit <= Unit::Hour
                || (d.unit == Unit::Day && (d.count <= 1.0 || (deliver && d.count <= 3.0)));
            return fast.then(|| cx.hit(k, d.end, 2.0, "quick"));
        }
    }
    None
}

/// "tredje gången jag mejlar", "for the fourth time", "emailed you three times": having to repeat
/// oneself.
fn repeated(cx: &Cx<'_>, a: usize, b: usize, k: usize) -> Option<RuleHit> {
    let contact_near =
        |from: usize, to: usize| cx.marks.any_in(from.max(a), to.min(b), Class::Contact);
    if cx.has(k, Class::Ordinal) {
        let o = cx.marks.len(k + 1, Class::Occasion)?;
        let score = if contact_near(k.saturating_sub(4), k + 7) {
            -2.0
        } else {
            -1.5
        };
        return Some(cx.hit(k, k + 1 + o, score, "repeated contact"));
    }
    let count = number_value(cx.texts[k])?;
    let t = cx.marks.len(k + 1, Class::Times)?;
    (count >= 3.0 && contact_near(k.saturating_sub(4), k + 5))
        .then(|| cx.hit(k, k + 1 + t, -2.0, "repeated contact"))
}

/// "charged twice", "drog pengarna två gånger", "debiterade mig dubbelt".
fn charged(cx: &Cx<'_>, _a: usize, b: usize, k: usize) -> Option<RuleHit> {
    let n = cx.marks.len(k, Class::Charge)?;
    let (j, d) =
        (k + n..(k + n + 4).min(b)).find_map(|j| cx.marks.len(j, Class::Double).map(|d| (j, d)))?;
    Some(cx.hit(k, j + d, -2.0, "charged twice"))
}

/// "aldrig haft problem", "inga problem", "no hassle", "inte alls lika krångligt": trouble that did
/// not happen is praise, more than a negated "problem" would say.
fn no_problem(cx: &Cx<'_>, _a: usize, b: usize, k: usize) -> Option<RuleHit> {
    let n = cx.marks.len(k, Class::Neg)?;
    if !cx.negates(k, n) {
        return None;
    }
    let end = (k + n + 4).min(b);
    let (j, p) = cx.marks.find(k + n, end, Class::Problem)?;
    (!cx.broken(k, j)).then(|| cx.hit(k, j + p, 1.5, "no problems"))
}

/// "ingen svarar", "fick aldrig något svar", "never arrived", "can't log in", "inget svar",
/// "utan förklaring": a negator before a service verb or an awaited thing.
fn negated(cx: &Cx<'_>, _a: usize, b: usize, k: usize) -> Option<RuleHit> {
    let n = cx
        .marks
        .len(k, Class::Neg)
        .or_else(|| cx.marks.len(k, Class::SvNeg))?;
    if !cx.negates(k, n) {
        return None;
    }
    let end = (k + n + 3).min(b);
    let (j, len) = (k + n..end).find_map(|j| {
        cx.len_any(j, SERVICE)
            .or_else(|| cx.marks.len(j, Class::Absent))
            .map(|l| (j, l))
    })?;
    if cx.broken(k, j) {
        return None;
    }
    Some(cx.hit(k, j + len, -2.0, cx.not_done(j)))
}

/// Swedish verb-second negation: "fungerar inte", "svarar aldrig", "kom aldrig", "går fortfarande
/// inte" — the negator follows the verb (at most one adverb between).
fn verb_second(cx: &Cx<'_>, _a: usize, b: usize, k: usize) -> Option<RuleHit> {
    let n = cx.len_any(k, SERVICE)?;
    let j = (k + n..(k + n + 2).min(b)).find(|&j| cx.has(j, Class::SvNeg))?;
    if cx.broken(k, j) || !cx.negates(j, 1) {
        return None;
    }
    Some(cx.hit(k, j + 1, -2.0, cx.not_done(k)))
}

/// "lovade att ringa tillbaka", "skulle komma i tisdags", "was supposed to arrive": a promise about
/// service, mentioned because it was not kept.
fn promised(cx: &Cx<'_>, _a: usize, b: usize, k: usize) -> Option<RuleHit> {
    let n = cx.marks.len(k, Class::Promised)?;
    if matches!(cx.texts.get(k + n), Some(&("vilja" | "gärna"))) {
        return None;
    }
    let service = [Class::Respond, Class::Deliver, Class::Resolve];
    let (j, len) =
        (k + n..(k + n + 4).min(b)).find_map(|j| cx.len_any(j, &service).map(|l| (j, l)))?;
    Some(cx.hit(k, j + len, -1.0, "promise not kept"))
}

#[cfg(test)]
mod tests {
    use super::super::classes::Classes;
    use super::*;

    fn run(text: &str) -> Vec<(String, f64)> {
        let mut classes = Classes::default();
        classes
            .add(include_str!("../../../config/lexicons/service-rules.tsv"))
            .expect("parses");
        let lower = text.to_lowercase();
        let texts: Vec<&str> = lower.split_whitespace().collect();
        let breaks = vec![false; texts.len()];
        let mut marks = Marks::default();
        classes.marks(&texts, &mut marks);
        let cx = Cx {
            texts: &texts,
            marks: &marks,
            breaks: &breaks,
        };
        let mut out = Vec::new();
        rules(&cx, 0, texts.len(), &mut out);
        out.into_iter().map(|h| (h.what, h.score)).collect()
    }

    fn one(text: &str) -> (String, f64) {
        let hits = run(text);
        assert_eq!(hits.len(), 1, "{text}: {hits:?}");
        hits[0].clone()
    }

    #[test]
    fn waiting_for_a_stated_time() {
        assert_eq!(
            one("har väntat i tre veckor på svar"),
            ("waiting: \"väntat i tre veckor\"".into(), -2.0)
        );
        assert_eq!(one("on hold for 45 minutes now").1, -1.0);
        assert_eq!(one("över en timme i telefonkö till skatteverket").1, -1.5);
        assert_eq!(one("måste vänta 10 bankdagar").1, -2.0);
        assert!(run("waited 5 minutes").is_empty());
        assert!(run("i'm waiting for my appointment").is_empty());
        assert!(run("utan att behöva vänta en timme").is_empty());
    }

    #[test]
    fn how_long_it_took() {
        assert_eq!(
            one("gomonday tog två veckor på sig att svara mig"),
            ("slow: \"tog två veckor på sig att svara\"".into(), -2.0)
        );
        assert_eq!(one("they took 6 weeks to reply").1, -2.0);
        assert_eq!(one("it only took five minutes to fix").1, 1.0);
        assert!(run("setup took about a day").is_empty());
    }

    #[test]
    fn negated_service_in_both_word_orders() {
        for text in [
            "ingen svarar",
            "fick aldrig något svar",
            "kundtjänsten svarar inte på mejl",
            "wifi fungerar aldrig",
            "never arrived",
            "can't log in",
            "inget svar",
            "utan förklaring",
            "no one has answered my emails",
            "har inte kommit",
            "har ni slutat svara",
        ] {
            assert_eq!(one(text).1, -2.0, "{text}");
        }
        assert!(run("inte bara svarade de").is_empty());
        assert!(run("det är inte min bild alls").is_empty());
    }

    #[test]
    fn quick_service_is_praise_unless_only_promised() {
        assert_eq!(
            one("gomonday answered within four hours"),
            ("quick: \"answered within four hours\"".into(), 2.0)
        );
        for text in [
            "supporten svarade inom en timme",
            "löste det direkt",
            "sorted out my billing issue in ten minutes",
            "ny telefon kom på tre dagar",
            "they fixed it right away",
        ] {
            assert_eq!(one(text).1, 2.0, "{text}");
        }
        // Only promised: not praise, and a promise mentioned is usually one not kept.
        assert_eq!(one("lovade återkoppling inom 48 timmar").1, -1.0);
        assert!(run("they'll answer within 24 hours").is_empty());
        assert!(run("svarade inom tre veckor").is_empty());
    }

    #[test]
    fn repeated_contact_double_charges_and_broken_promises() {
        assert_eq!(one("tredje gången jag ringer om samma faktura").1, -2.0);
        assert_eq!(one("this is the fourth time").1, -1.5);
        assert_eq!(one("jag har mejlat er fem gånger nu").1, -2.0);
        assert!(run("vi har varit där två gånger").is_empty());
        assert_eq!(one("charged twice for the same order").1, -2.0);
        assert_eq!(one("de drog pengarna två gånger").1, -2.0);
        assert_eq!(one("lovade att ringa tillbaka").1, -1.0);
        assert!(run("jag skulle vilja ha hjälp").is_empty());
    }

    #[test]
    fn late_answers_and_trouble_that_did_not_happen() {
        assert_eq!(one("svarade efter tre veckor").1, -1.5);
        assert_eq!(one("arrived a week later").1, -1.0);
        assert_eq!(one("aldrig haft problem").1, 1.5);
        assert_eq!(one("inte alls lika krångligt som förut").1, 1.5);
        assert_eq!(one("no hassle").1, 1.5);
    }
}
