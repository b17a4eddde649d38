//! Date strings from feeds, forums and review sites → UTC instants.
//!
//! Real pages write dates in every way imaginable (`Idag, 14:05`, `5 mars 2024 kl. 14.22`,
//! `Mon, 03/30/2020 - 19:19`, `för 3 timmar sedan`), so besides an explicit strftime `format` this module
//! has a tolerant, token-based reader. It is deliberately conservative: a token it does not understand
//! makes the whole string unparseable (`None`, which callers report) rather than producing a wrong date,
//! because a wrong date silently misplaces a mention in the weekly report while a missing one is visible.
//!
//! Pure: `now` is always a parameter. Never panics on any input.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, Months, NaiveDate, NaiveDateTime,
    NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

/// How a source writes its dates.
#[derive(Debug, Clone, PartialEq)]
pub struct DateSpec {
    /// A chrono strftime format (`%Y-%m-%d, %H:%M`), or one of the names `unix`, `unix_ms`, `rfc3339`,
    /// `rfc2822`. When the format does not match, the automatic forms are tried, so a forum whose old posts
    /// use the format and whose new ones say `Idag 14:05` still parses.
    pub format: Option<String>,
    /// `"sv"` or `"en"`: month and weekday names in a `format` are read in this language, and an ambiguous
    /// numeric date like `05/03/2024` is read month-first for `"en"` and day-first otherwise.
    pub locale: Option<String>,
    /// The zone of times written without an offset, and of relative forms (`Igår 09:12`).
    pub timezone: Tz,
}

impl DateSpec {
    /// Automatic parsing in `timezone`, no format, no locale.
    pub fn auto(timezone: Tz) -> DateSpec {
        DateSpec {
            format: None,
            locale: None,
            timezone,
        }
    }
}

/// A parsed date and whether it had to be clamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDate {
    pub at: DateTime<Utc>,
    /// True when the text named an instant after `now` and `at` was set to `now` instead.
    pub clamped: bool,
}

/// Parses `s`; `None` when it cannot be read (the caller reports it and keeps the item).
///
/// A date after `now` is clamped to `now`: a post cannot be from the future, and a future date (a wrong
/// zone, a server clock ahead, `Idag 23:50` read at 23:40) would otherwise sort above everything for hours.
/// Use [`parse_date_detailed`] to learn whether clamping happened.
pub fn parse_date(s: &str, spec: &DateSpec, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    parse_date_detailed(s, spec, now).map(|p| p.at)
}

/// [`parse_date`] that also says whether the result was clamped to `now`.
pub fn parse_date_detailed(s: &str, spec: &DateSpec, now: DateTime<Utc>) -> Option<ParsedDate> {
    // Pages can hand us anything; a date is short, so refuse to tokenise a novel.
    if s.len() > 200 {
        return None;
    }
    let cleaned = clean(s);
    if cleaned.is_empty() {
        return None;
    }
    let at = spec
        .format
        .as_deref()
        .and_then(|f| parse_with_format(&cleaned, f, spec))
        .or_else(|| parse_auto(&cleaned, spec, now))?;
    Some(if at > now {
        ParsedDate {
            at: now,
            clamped: true,
        }
    } else {
        ParsedDate { at, clamped: false }
    })
}

/// Trims, replaces non-breaking spaces and control characters, drops `(…)` comments such as
/// `(Coordinated Universal Time)`, and removes a literal `\n` some feeds leave in.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.replace("\\n", " ").chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------------
// Explicit formats
// ---------------------------------------------------------------------------------------------------

fn parse_with_format(s: &str, format: &str, spec: &DateSpec) -> Option<DateTime<Utc>> {
    match format {
        "unix" => return parse_unix(s, false),
        "unix_ms" => return parse_unix(s, true),
        "rfc3339" => {
            return DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|d| d.with_timezone(&Utc));
        }
        "rfc2822" => {
            return DateTime::parse_from_rfc2822(s)
                .ok()
                .map(|d| d.with_timezone(&Utc));
        }
        _ => {}
    }
    let input = match spec.locale.as_deref() {
        Some("sv") => translate_names_to_english(s),
        _ => s.to_string(),
    };
    if let Ok(d) = DateTime::parse_from_str(&input, format) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(n) = NaiveDateTime::parse_from_str(&input, format) {
        return resolve_local(n, spec.timezone);
    }
    if let Ok(d) = NaiveDate::parse_from_str(&input, format) {
        return resolve_local(d.and_time(NaiveTime::MIN), spec.timezone);
    }
    None
}

/// Unix seconds (or milliseconds), possibly with a fraction (`1520932969.5`).
fn parse_unix(s: &str, millis: bool) -> Option<DateTime<Utc>> {
    let value: f64 = s.trim().parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    let ms = if millis { value } else { value * 1000.0 };
    // ±10^15 ms is ±31,000 years: beyond that the cast would saturate into nonsense.
    if ms.abs() > 1e15 {
        return None;
    }
    DateTime::from_timestamp_millis(ms.round() as i64)
}

/// Replaces Swedish month and weekday names (whole words) with English ones so chrono's `%B`/`%b`/`%A`/
/// `%a` can read them; punctuation (`okt.`) is kept so a format written with the dot still matches.
fn translate_names_to_english(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let lower = word.to_lowercase();
        if let Some(m) = lookup(SV_MONTHS, &lower) {
            out.push_str(EN_MONTHS_FULL[(m - 1) as usize]);
        } else if let Some(d) = lookup(SV_WEEKDAYS, &lower) {
            out.push_str(EN_WEEKDAYS_FULL[d as usize]);
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in s.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------------
// Name tables
// ---------------------------------------------------------------------------------------------------

const EN_MONTHS_FULL: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const EN_WEEKDAYS_FULL: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

const SV_MONTHS: &[(&str, u32)] = &[
    ("januari", 1),
    ("jan", 1),
    ("februari", 2),
    ("feb", 2),
    ("mars", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("maj", 5),
    ("juni", 6),
    ("jun", 6),
    ("juli", 7),
    ("jul", 7),
    ("augusti", 8),
    ("aug", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("oktober", 10),
    ("okt", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];
const SV_WEEKDAYS: &[(&str, u32)] = &[
    ("måndag", 0),
    ("mån", 0),
    ("tisdag", 1),
    ("tis", 1),
    ("onsdag", 2),
    ("ons", 2),
    ("torsdag", 3),
    ("tor", 3),
    ("tors", 3),
    ("fredag", 4),
    ("fre", 4),
    ("lördag", 5),
    ("lör", 5),
    ("söndag", 6),
    ("sön", 6),
];

/// Month names the automatic reader knows: Swedish and English, plus the German and French names that
/// appear in real feeds (Miniflux's date corpus).
const OTHER_MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("february", 2),
    ("march", 3),
    ("may", 5),
    ("june", 6),
    ("july", 7),
    ("august", 8),
    ("october", 10),
    ("oct", 10),
    ("januar", 1),
    ("jän", 1),
    ("februar", 2),
    ("märz", 3),
    ("mär", 3),
    ("mai", 5),
    ("dezember", 12),
    ("dez", 12),
    ("janvier", 1),
    ("janv", 1),
    ("février", 2),
    ("févr", 2),
    ("fév", 2),
    ("avril", 4),
    ("avr", 4),
    ("juin", 6),
    ("juillet", 7),
    ("juil", 7),
    ("août", 8),
    ("septembre", 9),
    ("octobre", 10),
    ("novembre", 11),
    ("décembre", 12),
    ("déc", 12),
];

const WEEKDAY_WORDS: &[&str] = &[
    "monday",
    "mon",
    "tuesday",
    "tue",
    "tues",
    "wednesday",
    "wed",
    "thursday",
    "thu",
    "thur",
    "thurs",
    "friday",
    "fri",
    "saturday",
    "sat",
    "sunday",
    "sun", // English
    "måndag",
    "mån",
    "tisdag",
    "tis",
    "onsdag",
    "ons",
    "torsdag",
    "tor",
    "tors",
    "fredag",
    "fre",
    "lördag",
    "lör",
    "söndag",
    "sön", // Swedish
    "montag",
    "mo",
    "dienstag",
    "di",
    "mittwoch",
    "mi",
    "donnerstag",
    "do",
    "freitag",
    "fr",
    "samstag",
    "sa",
    "sonntag",
    "so", // German
    "lundi",
    "lun",
    "mardi",
    "mar",
    "mercredi",
    "mer",
    "jeudi",
    "jeu",
    "vendredi",
    "ven",
    "samedi",
    "sam",
    "dimanche",
    "dim", // French
];

/// Words that carry no date information in these positions (`5 mars 2024 kl. 14.22`, `June 22 at 1 PM`).
const NOISE_WORDS: &[&str] = &[
    "-", "–", "—", "at", "kl", "klockan", "den", "on", "@", "|", "the", "of", "le", "à", "um",
    "om",
    // phpBB's "by NAME » Sun May 26, 2019 4:34 pm" and other breadcrumb-like separators.
    "»", "«", "•", "·",
];

fn lookup(table: &[(&str, u32)], word: &str) -> Option<u32> {
    table
        .iter()
        .find(|(name, _)| *name == word)
        .map(|&(_, v)| v)
}

fn month_from_word(word: &str) -> Option<u32> {
    lookup(SV_MONTHS, word).or_else(|| lookup(OTHER_MONTHS, word))
}

// ---------------------------------------------------------------------------------------------------
// Automatic reading
// ---------------------------------------------------------------------------------------------------

fn parse_auto(s: &str, spec: &DateSpec, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    // A bare Unix timestamp (seconds: 9–10 digits; milliseconds: 13).
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.len() {
            9 | 10 => parse_unix(s, false),
            13 => parse_unix(s, true),
            _ => None,
        };
    }
    let lower = s.to_lowercase();
    if let Some(d) = parse_relative(&lower, spec.timezone, now) {
        return Some(d);
    }
    parse_tokens(s, &lower, spec, now)
}

/// `Idag 14:05`, `Igår, 09:12`, `today`, `yesterday at 10:00`, `för 3 timmar sedan`, `2 days ago`,
/// `just now`, `nyss`.
fn parse_relative(lower: &str, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| !w.is_empty())
        .collect();
    let joined = words.join(" ");
    if matches!(
        joined.as_str(),
        "just now" | "now" | "nyss" | "alldeles nyss" | "just nu" | "a moment ago" | "moments ago"
    ) {
        return Some(now);
    }
    // Day words, optionally followed by a time.
    let day_words: &[(&str, i64)] = &[
        ("idag", 0),
        ("i dag", 0),
        ("today", 0),
        ("igår", 1),
        ("i går", 1),
        ("igår", 1),
        ("yesterday", 1),
        ("i förrgår", 2),
        ("förrgår", 2),
    ];
    for &(word, days_back) in day_words {
        if let Some(rest) = joined.strip_prefix(word) {
            if !(rest.is_empty() || rest.starts_with(' ')) {
                continue;
            }
            let rest: Vec<&str> = rest
                .split(' ')
                .filter(|w| !w.is_empty() && !NOISE_WORDS.contains(w))
                .collect();
            let time = match rest.as_slice() {
                [] => NaiveTime::MIN,
                [t] => read_time(t, None)?.0,
                [t, ampm] => read_time(t, Some(ampm))?.0,
                _ => return None,
            };
            let today = now.with_timezone(&tz).date_naive();
            let day = today.checked_sub_signed(Duration::days(days_back))?;
            return resolve_local(day.and_time(time), tz);
        }
    }
    // "[för] N unit sedan" / "N unit ago" / "about an hour ago".
    let mut ws: Vec<&str> = words.clone();
    let ago = matches!(ws.last(), Some(&"sedan") | Some(&"ago"));
    if !ago {
        return None;
    }
    ws.pop();
    if ws.first() == Some(&"för")
        || ws.first() == Some(&"about")
        || ws.first() == Some(&"ungefär")
        || ws.first() == Some(&"cirka")
    {
        ws.remove(0);
    }
    let (n, unit) = match ws.as_slice() {
        [n, unit] => (count_word(n)?, *unit),
        [compact] => {
            // "3h", "5min", "2d"
            let digits: String = compact.chars().take_while(|c| c.is_ascii_digit()).collect();
            let unit = &compact[digits.len()..];
            (digits.parse().ok()?, unit)
        }
        _ => return None,
    };
    relative_offset(n, unit, tz, now)
}

fn count_word(w: &str) -> Option<i64> {
    match w {
        "a" | "an" | "one" | "en" | "ett" => Some(1),
        "two" | "två" => Some(2),
        "three" | "tre" => Some(3),
        "några" | "a few" | "few" => Some(3),
        _ => w.parse().ok().filter(|n: &i64| (0..=100_000).contains(n)),
    }
}

fn relative_offset(n: i64, unit: &str, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let unit = unit.trim_end_matches('.');
    let seconds = |k: i64| now.checked_sub_signed(Duration::try_seconds(n.checked_mul(k)?)?);
    match unit {
        "s" | "sec" | "secs" | "second" | "seconds" | "sekund" | "sekunder" | "sek" => seconds(1),
        "m" | "min" | "mins" | "minute" | "minutes" | "minut" | "minuter" => seconds(60),
        "h" | "hr" | "hrs" | "hour" | "hours" | "timme" | "timmar" | "tim" | "t" => seconds(3600),
        "d" | "day" | "days" | "dag" | "dagar" | "dygn" => local_days_back(n, tz, now),
        "w" | "wk" | "wks" | "week" | "weeks" | "vecka" | "veckor" | "v" => {
            local_days_back(n.checked_mul(7)?, tz, now)
        }
        "mo" | "month" | "months" | "månad" | "månader" | "mån" => local_months_back(n, tz, now),
        "y" | "yr" | "yrs" | "year" | "years" | "år" => {
            local_months_back(n.checked_mul(12)?, tz, now)
        }
        _ => None,
    }
}

/// Calendar days back in the local zone, so "2 days ago" keeps the wall-clock time across a DST change.
fn local_days_back(days: i64, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&tz).naive_local();
    resolve_local(local.checked_sub_signed(Duration::try_days(days)?)?, tz)
}

fn local_months_back(months: i64, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = now.with_timezone(&tz).naive_local();
    resolve_local(
        local.checked_sub_months(Months::new(u32::try_from(months).ok()?))?,
        tz,
    )
}

/// A wall-clock time in `tz` → UTC. In the autumn overlap the earlier instant is taken; in the spring gap
/// (02:30 does not exist in Stockholm on the last Sunday of March) the time is moved one hour forward, as
/// a clock would show it.
fn resolve_local(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(d) => Some(d.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, _) => Some(a.with_timezone(&Utc)),
        LocalResult::None => match tz.from_local_datetime(&(naive + Duration::hours(1))) {
            LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => Some(d.with_timezone(&Utc)),
            LocalResult::None => None,
        },
    }
}

/// The zone written in the string, if any.
#[derive(Debug, Clone, Copy)]
enum Zone {
    Fixed(FixedOffset),
    Named(Tz),
}

#[derive(Debug, Default)]
struct Parts {
    ymd: Option<(i32, u32, u32)>,
    /// A numeric date whose order is unknown: (first, second, year?).
    ambiguous: Option<(u32, u32, Option<i32>)>,
    month: Vec<(u32, bool)>, // (month, could also be a weekday)
    numbers: Vec<u32>,
    year: Option<i32>,
    time: Option<NaiveTime>,
    ampm: Option<bool>, // Some(true) = pm
    zone: Option<Zone>,
}

fn parse_tokens(
    original: &str,
    lower: &str,
    spec: &DateSpec,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut parts = Parts::default();
    let orig_tokens: Vec<&str> = original
        .split([' ', ','])
        .filter(|t| !t.is_empty())
        .collect();
    let tokens: Vec<&str> = lower.split([' ', ',']).filter(|t| !t.is_empty()).collect();
    if tokens.len() != orig_tokens.len() || tokens.len() > 12 {
        return None;
    }
    let mut after_kl = false;
    for (i, &tok) in tokens.iter().enumerate() {
        let was_kl = after_kl;
        after_kl = matches!(tok, "kl" | "kl." | "klockan");
        if !read_token(tok, orig_tokens[i], was_kl, &mut parts)? {
            return None;
        }
    }
    assemble(parts, spec, now)
}

/// Reads one token into `parts`. `Some(false)` = not understood.
fn read_token(tok: &str, orig: &str, after_kl: bool, parts: &mut Parts) -> Option<bool> {
    let bare = tok.trim_end_matches('.');
    if NOISE_WORDS.contains(&bare) || tok == "kl." {
        return Some(true);
    }
    if let Some(ampm) = ampm_word(tok) {
        parts.ampm = Some(ampm);
        return Some(true);
    }
    if let Some(m) = month_from_word(bare) {
        parts.month.push((m, WEEKDAY_WORDS.contains(&bare)));
        return Some(true);
    }
    if WEEKDAY_WORDS.contains(&bare) {
        return Some(true);
    }
    if let Some(zone) = read_zone(tok, orig) {
        if parts.zone.is_none() {
            parts.zone = Some(zone);
        }
        return Some(true);
    }
    // ISO date, possibly with `T` and a time: 2018-12-12T12:12, 2020-11-08T16:20:00-05:00Z
    if let Some((date, rest)) = read_iso_date(tok) {
        set_once(&mut parts.ymd, date)?;
        if let Some(rest) = rest {
            read_time_into(rest, parts)?;
        }
        return Some(true);
    }
    // A time: 14:22, 3:09pm, 00:00:00-13:00, and 14.22 after "kl."
    if tok.contains(':') || (after_kl && tok.contains('.')) {
        return Some(read_time_into(tok, parts).is_some());
    }
    // Dotted, slashed or dashed numeric dates; dashed only with the year last (`06-15-2016`, the
    // vBulletin default), since `2016-06-15` is ISO and read above.
    let dashed =
        bare.split('-').count() == 3 && bare.rsplit('-').next().is_some_and(|y| y.len() == 4);
    let segments: Vec<&str> = if dashed {
        bare.split('-').collect()
    } else {
        bare.split(['.', '/']).collect()
    };
    if segments.len() >= 2
        && segments
            .iter()
            .all(|s| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
    {
        let nums: Vec<u32> = segments.iter().filter_map(|s| s.parse().ok()).collect();
        let dotted = bare.contains('.');
        match nums.as_slice() {
            [y, m, d] if segments[0].len() == 4 => set_once(&mut parts.ymd, (*y as i32, *m, *d))?,
            [d, m, y] if dotted => set_once(
                &mut parts.ymd,
                (expand_year(*y, segments[2].len())?, *m, *d),
            )?,
            [a, b, y] => set_once(
                &mut parts.ambiguous,
                (*a, *b, Some(expand_year(*y, segments[2].len())?)),
            )?,
            [d, m] if dotted && segments[1].len() <= 2 => {
                set_once(&mut parts.ambiguous, (*d, *m, None))?
            }
            [a, b] if !dotted => set_once(&mut parts.ambiguous, (*a, *b, None))?,
            _ => return Some(false),
        }
        return Some(true);
    }
    // Plain numbers: years and day numbers (with ordinal suffixes: 16th, 16., 5:e).
    let digits: String = bare.chars().take_while(|c| c.is_ascii_digit()).collect();
    if !digits.is_empty() {
        let suffix = &bare[digits.len()..];
        if !matches!(suffix, "" | "st" | "nd" | "rd" | "th" | ":e" | ":a" | "e") {
            return Some(false);
        }
        let n: u32 = digits.parse().ok()?;
        if digits.len() == 4 {
            if parts.year.is_some() {
                return None;
            }
            parts.year = Some(n as i32);
        } else if digits.len() <= 2 {
            parts.numbers.push(n);
        } else {
            return Some(false);
        }
        return Some(true);
    }
    Some(false)
}

/// Sets a slot that may be filled only once; a second value means the string is not one date.
fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

fn ampm_word(tok: &str) -> Option<bool> {
    match tok {
        "am" | "a.m." | "a.m" => Some(false),
        "pm" | "p.m." | "p.m" => Some(true),
        _ => None,
    }
}

/// Two-digit years: 00–69 → 2000s, 70–99 → 1900s (the POSIX `%y` rule).
fn expand_year(y: u32, digits: usize) -> Option<i32> {
    match digits {
        4 => Some(y as i32),
        2 if y < 70 => Some(2000 + y as i32),
        2 => Some(1900 + y as i32),
        _ => None,
    }
}

/// `YYYY-MM-DD` (or with `/`), optionally followed by `T…` (the rest returned).
/// A calendar date as (year, month, day).
type Ymd = (i32, u32, u32);

fn read_iso_date(tok: &str) -> Option<(Ymd, Option<&str>)> {
    let (date, rest) = match tok.find('t') {
        Some(i) => (&tok[..i], Some(&tok[i + 1..])),
        None => (tok, None),
    };
    let sep = if date.contains('-') { '-' } else { '/' };
    let segs: Vec<&str> = date.split(sep).collect();
    if segs.len() != 3
        || segs[0].len() != 4
        || segs[1].is_empty()
        || segs[2].is_empty()
        || segs[1].len() > 2
        || segs[2].len() > 2
    {
        return None;
    }
    if !segs.iter().all(|s| s.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let y = segs[0].parse().ok()?;
    let m = segs[1].parse().ok()?;
    let d = segs[2].parse().ok()?;
    Some(((y, m, d), rest.filter(|r| !r.is_empty())))
}

/// Reads `HH:MM[:SS[.frac]]` (or `HH.MM`) with an optional glued am/pm or zone suffix.
fn read_time_into(tok: &str, parts: &mut Parts) -> Option<()> {
    let split = tok
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.' || c == ','))
        .unwrap_or(tok.len());
    let (clock, suffix) = tok.split_at(split);
    let (time, _) = read_time(clock, None)?;
    set_once(&mut parts.time, time)?;
    if suffix.is_empty() {
        return Some(());
    }
    if let Some(ampm) = ampm_word(suffix) {
        parts.ampm = Some(ampm);
        return Some(());
    }
    // "-05:00z": an offset, with a stray Z after it.
    let zone_text = suffix
        .strip_suffix('z')
        .filter(|s| !s.is_empty())
        .unwrap_or(suffix);
    let zone = read_zone(zone_text, zone_text)?;
    if parts.zone.is_none() {
        parts.zone = Some(zone);
    }
    Some(())
}

/// `14:05`, `14:05:59`, `14:05:59.123`, `14.22`, `9:12` (+ optional am/pm word) → a time.
fn read_time(clock: &str, ampm: Option<&str>) -> Option<(NaiveTime, ())> {
    let (clock, glued) = match clock.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&clock[..i], Some(&clock[i..])),
        None => (clock, None),
    };
    let pm = match ampm.or(glued) {
        Some(w) => Some(ampm_word(w)?),
        None => None,
    };
    let sep = if clock.contains(':') { ':' } else { '.' };
    let mut segs = clock.split(sep);
    let h: u32 = two_digits(segs.next()?)?;
    let m: u32 = two_digits(segs.next()?)?;
    let (s, nanos) = match segs.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = match sec.split_once(['.', ',']) {
                Some((w, f)) => (w, Some(f)),
                None => (sec, None),
            };
            let nanos = match frac {
                Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
                    let f9: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
                    f9.parse().ok()?
                }
                Some(_) => return None,
                None => 0,
            };
            (two_digits(whole)?, nanos)
        }
    };
    if segs.next().is_some() {
        return None;
    }
    let h = apply_ampm(h, pm)?;
    Some((NaiveTime::from_hms_nano_opt(h, m, s, nanos)?, ()))
}

fn two_digits(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn apply_ampm(h: u32, pm: Option<bool>) -> Option<u32> {
    match pm {
        None => Some(h),
        Some(_) if h == 0 || h > 12 => None,
        Some(false) => Some(h % 12),
        Some(true) => Some(h % 12 + 12),
    }
}

/// Zone tokens: `z`, `gmt`, `utc`, `+0100`, `-05:00`, `gmt+0000`, `gmt-07:00`, US/European abbreviations,
/// and IANA names (`Europe/Brussels`).
fn read_zone(tok: &str, orig: &str) -> Option<Zone> {
    let hours = |h: i32| FixedOffset::east_opt(h * 3600).map(Zone::Fixed);
    match tok {
        "z" | "gmt" | "utc" | "ut" | "wet" => return hours(0),
        "bst" | "cet" | "west" | "met" => return hours(1),
        "cest" | "eet" | "mest" => return hours(2),
        "eest" | "msk" => return hours(3),
        "est" => return hours(-5),
        "edt" | "cdt" => return hours(if tok == "edt" { -4 } else { -5 }),
        "cst" => return hours(-6),
        "mst" => return hours(-7),
        "mdt" => return hours(-6),
        "pst" => return hours(-8),
        "pdt" => return hours(-7),
        _ => {}
    }
    let offset_text = tok
        .strip_prefix("gmt")
        .or_else(|| tok.strip_prefix("utc"))
        .unwrap_or(tok);
    if let Some(sign) = offset_text
        .chars()
        .next()
        .filter(|c| *c == '+' || *c == '-')
    {
        let digits: String = offset_text[1..].chars().filter(|c| *c != ':').collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) || !(digits.len() == 2 || digits.len() == 4)
        {
            return None;
        }
        let h: i32 = digits[..2].parse().ok()?;
        let m: i32 = if digits.len() == 4 {
            digits[2..].parse().ok()?
        } else {
            0
        };
        if m >= 60 {
            return None;
        }
        let secs = (h * 3600 + m * 60) * if sign == '-' { -1 } else { 1 };
        return FixedOffset::east_opt(secs).map(Zone::Fixed);
    }
    if orig.contains('/') && orig.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return orig.parse::<Tz>().ok().map(Zone::Named);
    }
    None
}

fn assemble(mut p: Parts, spec: &DateSpec, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // "mar." is Tuesday in French and March in English: with two month words, drop the ambiguous one.
    if p.month.len() > 1 {
        p.month.retain(|&(_, could_be_weekday)| !could_be_weekday);
    }
    if p.month.len() > 1 {
        return None;
    }
    let month_word = p.month.first().map(|&(m, _)| m);
    let month_first = spec.locale.as_deref() == Some("en");
    let (year, month, day) = if let Some(ymd) = p.ymd {
        if month_word.is_some()
            || p.ambiguous.is_some()
            || !p.numbers.is_empty()
            || p.year.is_some()
        {
            return None;
        }
        (Some(ymd.0), ymd.1, ymd.2)
    } else if let Some((a, b, y)) = p.ambiguous {
        if month_word.is_some() || !p.numbers.is_empty() || (y.is_some() && p.year.is_some()) {
            return None;
        }
        let (d, m) = if a > 12 {
            (a, b)
        } else if b > 12 || month_first {
            (b, a)
        } else {
            (a, b)
        };
        (y.or(p.year), m, d)
    } else if let Some(m) = month_word {
        // One day number; a second small number with no 4-digit year is a two-digit year.
        match p.numbers.as_slice() {
            [d] => (p.year, m, *d),
            [d, y] if p.year.is_none() => (Some(expand_year(*y, 2)?), m, *d),
            _ => return None,
        }
    } else {
        // "Sat, 11 04 2020": day month year, as in RFC 2822 order.
        match (p.numbers.as_slice(), p.year) {
            ([d, m], Some(y)) => (Some(y), *m, *d),
            _ => return None,
        }
    };
    let time = match (p.time, p.ampm) {
        (Some(t), Some(pm)) => {
            use chrono::Timelike;
            let h = apply_ampm(t.hour(), Some(pm))?;
            t.with_hour(h)?
        }
        (Some(t), None) => t,
        (None, _) => NaiveTime::MIN,
    };
    let year = match year {
        Some(y) => y,
        None => {
            // `5 mars kl. 14:22`: this year, unless that is in the future, then last year.
            let local_now = now.with_timezone(&spec.timezone);
            let this_year = local_now.year();
            let candidate = NaiveDate::from_ymd_opt(this_year, month, day)?.and_time(time);
            if candidate > local_now.naive_local() + Duration::days(1) {
                this_year - 1
            } else {
                this_year
            }
        }
    };
    let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_time(time);
    match p.zone {
        Some(Zone::Fixed(off)) => off
            .from_local_datetime(&naive)
            .single()
            .map(|d| d.with_timezone(&Utc)),
        Some(Zone::Named(tz)) => resolve_local(naive, tz),
        None => resolve_local(naive, spec.timezone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Stockholm;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("test literal")
            .with_timezone(&Utc)
    }

    fn sthlm() -> DateSpec {
        DateSpec::auto(Stockholm)
    }

    /// Wednesday 2024-03-06 12:00 Stockholm (11:00 UTC).
    fn now() -> DateTime<Utc> {
        utc("2024-03-06T11:00:00Z")
    }

    fn p(s: &str) -> Option<String> {
        parse_date(s, &sthlm(), now()).map(|d| d.to_rfc3339())
    }

    #[test]
    fn standard_forms() {
        assert_eq!(
            p("2024-03-05T14:22:00+01:00").as_deref(),
            Some("2024-03-05T13:22:00+00:00")
        );
        assert_eq!(
            p("Tue, 05 Mar 2024 14:22:00 +0100").as_deref(),
            Some("2024-03-05T13:22:00+00:00")
        );
        assert_eq!(
            p("2024-03-05T14:22:00.123Z").as_deref(),
            Some("2024-03-05T14:22:00.123+00:00")
        );
        assert_eq!(
            p("2024-03-05 14:22:00").as_deref(),
            Some("2024-03-05T13:22:00+00:00")
        );
        assert_eq!(
            p("2024-03-05T14:22").as_deref(),
            Some("2024-03-05T13:22:00+00:00")
        );
        assert_eq!(
            p("2024-03-05").as_deref(),
            Some("2024-03-04T23:00:00+00:00")
        );
        assert_eq!(
            p("2024-03-05 14:22:00+00:00").as_deref(),
            Some("2024-03-05T14:22:00+00:00")
        );
    }

    #[test]
    fn forum_forms() {
        let want = Some("2024-03-05T13:22:00+00:00");
        assert_eq!(p("2024-03-05, 14:22").as_deref(), want);
        assert_eq!(p("05.03.2024 14:22").as_deref(), want);
        assert_eq!(p("5 mars 2024 kl. 14.22").as_deref(), want);
        assert_eq!(p("5 mars 2024 kl 14:22").as_deref(), want);
        assert_eq!(p("den 5 mars 2024, 14:22").as_deref(), want);
        assert_eq!(p("March 5, 2024 2:22 pm").as_deref(), want);
        assert_eq!(p("Mar. 5, 2024, 2:22 p.m.").as_deref(), want);
        assert_eq!(p("tisdag 5 mars 2024 14:22").as_deref(), want);
        assert_eq!(p("5 Mar 2024 14:22").as_deref(), want);
        assert_eq!(p("» Tue Mar 05, 2024 2:22 pm").as_deref(), want);
        assert_eq!(p("5/3 2024").as_deref(), Some("2024-03-04T23:00:00+00:00"));
        assert_eq!(
            p("5 okt. 2023").as_deref(),
            Some("2023-10-04T22:00:00+00:00")
        );
        assert_eq!(
            p("12 maj 2023").as_deref(),
            Some("2023-05-11T22:00:00+00:00")
        );
        // No year: this year, or last year if that would be in the future.
        assert_eq!(p("5 mars kl. 14.22").as_deref(), want);
        assert_eq!(
            p("24 dec 18:00").as_deref(),
            Some("2023-12-24T17:00:00+00:00")
        );
    }

    #[test]
    fn ambiguous_numeric_dates_follow_locale() {
        let en = DateSpec {
            locale: Some("en".into()),
            ..sthlm()
        };
        assert_eq!(
            parse_date("03/05/2024", &en, now())
                .map(|d| d.to_rfc3339())
                .as_deref(),
            Some("2024-03-04T23:00:00+00:00")
        );
        assert_eq!(
            p("05/03/2024").as_deref(),
            Some("2024-03-04T23:00:00+00:00")
        );
        assert_eq!(
            p("03/30/2020").as_deref(),
            Some("2020-03-29T22:00:00+00:00")
        );
        // vBulletin's default `m-d-Y, h:i A`.
        assert_eq!(
            p("06-15-2016, 03:03 PM").as_deref(),
            Some("2016-06-15T13:03:00+00:00")
        );
        assert_eq!(
            parse_date("06-09-2016, 05:21 PM", &en, now())
                .map(|d| d.to_rfc3339())
                .as_deref(),
            Some("2016-06-09T15:21:00+00:00")
        );
    }

    #[test]
    fn relative_forms() {
        // now = 12:00 Stockholm on 2024-03-06
        assert_eq!(
            p("Idag 11:05").as_deref(),
            Some("2024-03-06T10:05:00+00:00")
        );
        assert_eq!(
            p("Idag, 11:05").as_deref(),
            Some("2024-03-06T10:05:00+00:00")
        );
        assert_eq!(
            p("Igår 09:12").as_deref(),
            Some("2024-03-05T08:12:00+00:00")
        );
        assert_eq!(
            p("Igår, 23:59").as_deref(),
            Some("2024-03-05T22:59:00+00:00")
        );
        assert_eq!(
            p("yesterday 10:00").as_deref(),
            Some("2024-03-05T09:00:00+00:00")
        );
        assert_eq!(
            p("Yesterday at 10:00 PM").as_deref(),
            Some("2024-03-05T21:00:00+00:00")
        );
        assert_eq!(p("today").as_deref(), Some("2024-03-05T23:00:00+00:00"));
        assert_eq!(
            p("för 3 timmar sedan").as_deref(),
            Some("2024-03-06T08:00:00+00:00")
        );
        assert_eq!(
            p("3 hours ago").as_deref(),
            Some("2024-03-06T08:00:00+00:00")
        );
        assert_eq!(
            p("2 days ago").as_deref(),
            Some("2024-03-04T11:00:00+00:00")
        );
        assert_eq!(
            p("för 5 minuter sedan").as_deref(),
            Some("2024-03-06T10:55:00+00:00")
        );
        assert_eq!(
            p("1 vecka sedan").as_deref(),
            Some("2024-02-28T11:00:00+00:00")
        );
        assert_eq!(
            p("för en timme sedan").as_deref(),
            Some("2024-03-06T10:00:00+00:00")
        );
        assert_eq!(
            p("an hour ago").as_deref(),
            Some("2024-03-06T10:00:00+00:00")
        );
        assert_eq!(p("just now").as_deref(), Some("2024-03-06T11:00:00+00:00"));
        assert_eq!(p("nyss").as_deref(), Some("2024-03-06T11:00:00+00:00"));
        assert_eq!(
            p("I förrgår 08:00").as_deref(),
            Some("2024-03-04T07:00:00+00:00")
        );
        assert_eq!(
            p("för 2 månader sedan").as_deref(),
            Some("2024-01-06T11:00:00+00:00")
        );
    }

    #[test]
    fn relative_forms_use_the_spec_timezone() {
        // 00:30 in Stockholm on 2024-03-06 is still 2024-03-05 in UTC: "Idag" is the Stockholm day.
        let now = utc("2024-03-05T23:30:00Z");
        let d = parse_date("Idag 00:10", &sthlm(), now).map(|d| d.to_rfc3339());
        assert_eq!(d.as_deref(), Some("2024-03-05T23:10:00+00:00"));
        let ny = DateSpec::auto(chrono_tz::America::New_York);
        let d = parse_date("Today 18:00", &ny, now).map(|d| d.to_rfc3339());
        assert_eq!(d.as_deref(), Some("2024-03-05T23:00:00+00:00"));
    }

    #[test]
    fn dst_in_stockholm() {
        let now = utc("2024-12-01T00:00:00Z");
        let q = |s: &str| parse_date(s, &sthlm(), now).map(|d| d.to_rfc3339());
        // Summer time: +02:00.
        assert_eq!(
            q("2024-07-01, 12:00").as_deref(),
            Some("2024-07-01T10:00:00+00:00")
        );
        // Winter time: +01:00.
        assert_eq!(
            q("2024-01-15, 12:00").as_deref(),
            Some("2024-01-15T11:00:00+00:00")
        );
        // Spring gap: 02:30 on 2024-03-31 does not exist; read as 03:30 CEST = 01:30 UTC.
        assert_eq!(
            q("2024-03-31 02:30").as_deref(),
            Some("2024-03-31T01:30:00+00:00")
        );
        // Autumn overlap: 02:30 on 2024-10-27 happens twice; the first (CEST) is taken.
        assert_eq!(
            q("2024-10-27 02:30").as_deref(),
            Some("2024-10-27T00:30:00+00:00")
        );
        // "Igår" across the spring change keeps the wall clock.
        let after = utc("2024-03-31T10:00:00Z");
        let d = parse_date("Igår 12:00", &sthlm(), after).map(|d| d.to_rfc3339());
        assert_eq!(d.as_deref(), Some("2024-03-30T11:00:00+00:00"));
        let d = parse_date("1 dag sedan", &sthlm(), after).map(|d| d.to_rfc3339());
        assert_eq!(d.as_deref(), Some("2024-03-30T11:00:00+00:00"));
    }

    #[test]
    fn explicit_formats() {
        let spec = DateSpec {
            format: Some("%Y-%m-%d, %H:%M".into()),
            locale: Some("sv".into()),
            timezone: Stockholm,
        };
        let q = |s: &str, spec: &DateSpec| parse_date(s, spec, now()).map(|d| d.to_rfc3339());
        assert_eq!(
            q("2000-09-06, 18:09", &spec).as_deref(),
            Some("2000-09-06T16:09:00+00:00")
        );
        // Fallback to the automatic forms when the format does not match.
        assert_eq!(
            q("Igår, 09:12", &spec).as_deref(),
            Some("2024-03-05T08:12:00+00:00")
        );
        let sv = DateSpec {
            format: Some("%d %B %Y kl. %H.%M".into()),
            ..spec.clone()
        };
        assert_eq!(
            q("5 mars 2024 kl. 14.22", &sv).as_deref(),
            Some("2024-03-05T13:22:00+00:00")
        );
        let sv_abbr = DateSpec {
            format: Some("%A %e %b. %Y".into()),
            ..spec.clone()
        };
        assert_eq!(
            q("torsdag 5 okt. 2023", &sv_abbr).as_deref(),
            Some("2023-10-04T22:00:00+00:00")
        );
        let with_zone = DateSpec {
            format: Some("%d/%m/%Y %H:%M %z".into()),
            ..spec.clone()
        };
        assert_eq!(
            q("05/03/2024 14:22 +0000", &with_zone).as_deref(),
            Some("2024-03-05T14:22:00+00:00")
        );
        let unix = DateSpec {
            format: Some("unix".into()),
            ..spec.clone()
        };
        assert_eq!(
            q("1520932969", &unix).as_deref(),
            Some("2018-03-13T09:22:49+00:00")
        );
        assert_eq!(
            q("1520932969.0", &unix).as_deref(),
            Some("2018-03-13T09:22:49+00:00")
        );
        let unix_ms = DateSpec {
            format: Some("unix_ms".into()),
            ..spec
        };
        assert_eq!(
            q("1520932969000", &unix_ms).as_deref(),
            Some("2018-03-13T09:22:49+00:00")
        );
    }

    #[test]
    fn future_dates_are_clamped_and_reported() {
        let r = parse_date_detailed("2030-01-01T00:00:00Z", &sthlm(), now()).expect("parses");
        assert_eq!(
            r,
            ParsedDate {
                at: now(),
                clamped: true
            }
        );
        let r = parse_date_detailed("Idag 23:50", &sthlm(), now()).expect("parses");
        assert!(r.clamped);
        let r = parse_date_detailed("Idag 08:00", &sthlm(), now()).expect("parses");
        assert!(!r.clamped);
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "   ",
            "hello world",
            "Nov. 2020",
            "2024-13-01",
            "31 februari 2024",
            "25:00",
            "idag 25:61",
            "för många timmar sedan",
            "12345",
            "2024-03-05 14:22 foo",
            "1 2 3 4 5",
            "99999999999999999999 seconds ago",
        ] {
            assert_eq!(p(s), None, "{s:?} should not parse");
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        let long = "9".repeat(10_000);
        let odd = [
            long.as_str(),
            "\u{0}\u{FFFD}",
            "((((",
            "))) 2024",
            "-",
            "2024-",
            "t",
            "1:",
            ":1",
            "12:00:00.",
            "12:00:00.9999999999999",
            "+99:99",
            "gmt+",
            "Europe/",
            "Ä/Ö",
            "31/31/31",
            "0/0",
            "9999999 days ago",
            "100000 years ago",
            "0.0.0",
            "-1 hours ago",
            "1e300",
        ];
        for s in odd {
            let _ = parse_date(s, &sthlm(), now());
            let spec = DateSpec {
                format: Some("%Y %q".into()),
                locale: Some("sv".into()),
                timezone: Stockholm,
            };
            let _ = parse_date(s, &spec, now());
            let spec = DateSpec {
                format: Some("unix".into()),
                ..spec
            };
            let _ = parse_date(s, &spec, now());
        }
    }

    #[cfg_attr(not(lyssna_corpora), ignore = "needs ../shared/corpora")]
    #[test]
    fn miniflux_real_world_dates() {
        let path = crate::corpora::corpus("feeds/miniflux/real-world-dates.txt");
        let text = std::fs::read_to_string(&path).unwrap();
        let spec = DateSpec::auto(chrono_tz::UTC);
        let now = utc("2026-11-27T00:00:00Z");
        let mut parsed = 0;
        let mut flagged = Vec::new();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        for line in &lines {
            match parse_date(line, &spec, now) {
                Some(_) => parsed += 1,
                None => flagged.push(*line),
            }
        }
        eprintln!(
            "real-world-dates: {parsed}/{} parsed; flagged: {flagged:?}",
            lines.len()
        );
        // Clear-cut lines with known answers.
        let check = |s: &str, want: &str| {
            assert_eq!(
                parse_date(s, &spec, now).map(|d| d.to_rfc3339()).as_deref(),
                Some(want),
                "{s}"
            );
        };
        check("Sun, 17 Dec 2017 1:55 PM EST", "2017-12-17T18:55:00+00:00");
        check("9 Dec 2016 12:00 GMT", "2016-12-09T12:00:00+00:00");
        check(
            "Friday, December 22, 2017 - 3:09pm",
            "2017-12-22T15:09:00+00:00",
        );
        check(
            "Thu, 25 Feb 2016 00:00:00 Europe/Brussels",
            "2016-02-24T23:00:00+00:00",
        );
        check(
            "Di, 23 Jan 2018 00:00:00 +0100",
            "2018-01-22T23:00:00+00:00",
        );
        check(
            "Do, 29 Mär 2018 00:00:00 +0200",
            "2018-03-28T22:00:00+00:00",
        );
        check(
            "mer, 9 avr 2018 00:00:00 +0200",
            "2018-04-08T22:00:00+00:00",
        );
        check("1520932969", "2018-03-13T09:22:49+00:00");
        check("Tue, 16 Feb 2016 23:16:00 EDT", "2016-02-17T03:16:00+00:00");
        check("March 30 2020 07:02:38 PM", "2020-03-30T19:02:38+00:00");
        check("Mon, 03/30/2020 - 19:19", "2020-03-30T19:19:00+00:00");
        check("2018-12-12T12:12", "2018-12-12T12:12:00+00:00");
        check("2020-11-08T16:20:00-05:00Z", "2020-11-08T21:20:00+00:00");
        check("Nov. 16, 2020, 10:57 a.m.", "2020-11-16T10:57:00+00:00");
        check(
            "Lundi, 16. Novembre 2020 - 15:54",
            "2020-11-16T15:54:00+00:00",
        );
        check(
            "Thu Nov 12 2020 17:00:00 GMT+0000 (Coordinated Universal Time)",
            "2020-11-12T17:00:00+00:00",
        );
        check(
            "Mon, 16th Nov 2020 13:16:28 GMT",
            "2020-11-16T13:16:28+00:00",
        );
        check(
            "mar., 01 déc. 2020 16:11:02 +0000",
            "2020-12-01T16:11:02+00:00",
        );
        check(
            "Thu, 29 Oct 2020 07:36:03 GMT-07:00",
            "2020-10-29T14:36:03+00:00",
        );
        check("09/15/2014 4:20 pm PST", "2014-09-16T00:20:00+00:00");
        check("10/30/23 21:55:58", "2023-10-30T21:55:58+00:00");
        check("30.10.23", "2023-10-30T00:00:00+00:00");
        check("2023-05-29 00:00:00-13:00", "2023-05-29T13:00:00+00:00");
        check(
            "Monday, October 6, 2023 - 16:29\\n",
            "2023-10-06T16:29:00+00:00",
        );
        assert!(
            parsed * 100 >= lines.len() * 90,
            "only {parsed}/{} parsed: {flagged:?}",
            lines.len()
        );
    }
}
