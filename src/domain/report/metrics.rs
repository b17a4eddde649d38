//! The weekly report's arithmetic (PRODUCT §7) and its JSON shape (PRODUCT §8.2).
//!
//! Everything here is a pure function of the mentions passed in, the week, the "as of" moment and
//! the settings: no clock, no database. A report computed as of a past moment sees the world as it
//! was then: mentions with `found_at > as_of` and events with `at > as_of` do not exist yet.
//!
//! # Interpretation choices
//!
//! Where PRODUCT §7 leaves room, these are the choices made (each one also noted where it applies):
//!
//! - **Status at as_of** is the `to` of the latest event with `at ≤ as_of` (`new` when there is
//!   none). Events arrive in any order; among events with the same `at`, the one later in the
//!   slice wins (the store returns them in insertion order). Snooze expiry is not an event, but
//!   `snoozed` and `new` are both "open", so it never changes a figure.
//! - **Replied** means the *first* transition to `replied` has `at ≤ as_of`, whatever happened
//!   afterwards: a reply that was reopened, or even later marked no-reply-needed, still counts as
//!   replied, with the first reply's time. Only mentions never (yet) replied can be
//!   `no_reply_needed`, and only if that is their status at as_of.
//! - **Answered before Lyssna saw it**: a first reply dated before `found_at` (the leader had
//!   answered before the first crawl found the post) counts as replied and within the SLA, and is
//!   counted in `replied_before_found`; it is left out of `time_to_reply_s` and its business-hours
//!   variant (there was no wait to measure), but kept in `time_from_publication_s`, which it has.
//! - **Negative durations** count as 0, for time-from-publication and detection latency. They
//!   come from clock skew (a site's post time ahead of ours).
//! - **Whole seconds**: each duration is floored to whole seconds before percentiles are taken
//!   (flooring is monotonic, so this equals flooring the percentile). `within_sla` compares the
//!   exact duration with the SLA (`≤`), so a reply 86 400.4 s after finding misses a 24 h SLA.
//! - **Percentiles** are nearest-rank over the values of replied mentions only (open mentions have
//!   no time to reply yet); see [`percentile`].
//! - **Business hours** use the configured timezone and working hours; see
//!   [`WorkingHours::business_time`].
//! - **Trend** weeks are computed as of the same `as_of` as the report, so an older week shows
//!   the replies that came after it ended. The report week's trend entry therefore always equals
//!   the headline `criticism` block.
//! - **Open criticism by age** counts criticism of *any* week whose status at as_of is `new` or
//!   `snoozed`: unlike the cohort rule, a reopened mention is open again here, because this figure
//!   answers "what is waiting for an answer now". The age is measured on the inbox's clock, the
//!   post's time where known (never later than `found_at`), else `found_at`: a four-day-old post
//!   found by a first crawl has waited four days, as the inbox shows it. Ages strictly greater
//!   than 24 h / 48 h / 7 days, cumulative.
//! - **by_source / by_brand** hold the same block computed over the cohort restricted to a source
//!   or brand. A mention with two brands counts in both (a brand listed twice counts once). Rows
//!   are sorted by name in byte (code point) order, and only names that occur in the cohort get a
//!   row: a source without criticism that week is not listed.
//! - **Rates** are kept exact in [`WeeklyReport`] and rounded to 3 decimals when serialised.

use std::collections::HashMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize, Serializer};

use super::hours::WorkingHours;
use super::week::IsoWeekId;

/// Number of weeks in the trend, ending with (and including) the report's week.
pub const TREND_WEEKS: usize = 12;

/// A mention's status (PRODUCT §5): the lifecycle's own type.
pub use crate::domain::mention::Status;

/// The effective sentiment: the leader's override if any, else the classifier's label.
pub use crate::domain::sentiment::Label as Sentiment;

/// One status transition. For a transition to `replied`, `at` *is* that reply's `replied_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFacts {
    pub at: DateTime<Utc>,
    pub from: Status,
    pub to: Status,
}

/// What the report needs to know about one mention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionFacts {
    pub source: String,
    pub brands: Vec<String>,
    pub sentiment: Sentiment,
    pub found_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// Status transitions, in any order.
    pub events: Vec<EventFacts>,
}

/// Report configuration (from `timezone` and `[leader]` in the config file).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSettings {
    pub timezone: Tz,
    pub sla: Duration,
    pub working_hours: WorkingHours,
}

impl Default for ReportSettings {
    /// Europe/Stockholm, 24 h SLA, Mon–Fri 08:00–17:00 (PRODUCT §7 and §8.0 defaults).
    fn default() -> Self {
        Self {
            timezone: chrono_tz::Europe::Stockholm,
            sla: Duration::hours(24),
            working_hours: WorkingHours::default(),
        }
    }
}

/// The `found_at` range a report's caller must load: `found_from ≤ found_at < found_before`
/// covers the 12 trend weeks (all sentiments: praise and detection latency need them too).
///
/// That alone is not enough: `open_criticism_by_age` counts open criticism of **any** week. So
/// the caller must also pass every criticism mention outside this range with `found_at ≤ as_of`
/// whose status at as_of may be `new`/`snoozed`. A simple, safe superset: criticism mentions
/// outside the range that are `new`/`snoozed` now, or that have any event after `as_of` (their
/// status at as_of may differ from now). Passing more mentions than needed never changes the
/// result; passing fewer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadWindow {
    pub found_from: DateTime<Utc>,
    pub found_before: DateTime<Utc>,
}

/// The `found_at` range of the 12 trend weeks ending with `week`, in `tz`. See [`LoadWindow`].
pub fn load_window(week: IsoWeekId, tz: Tz) -> LoadWindow {
    let weeks = trend_weeks(week);
    LoadWindow {
        found_from: weeks[0].start(tz),
        found_before: week.end(tz),
    }
}

/// The 12 weeks ending with `week`, oldest first.
pub fn trend_weeks(week: IsoWeekId) -> [IsoWeekId; TREND_WEEKS] {
    let mut out = [week; TREND_WEEKS];
    for i in (0..TREND_WEEKS - 1).rev() {
        out[i] = out[i + 1].prev();
    }
    out
}

/// Nearest-rank percentile of ascending `sorted` values: the value at 1-based rank
/// ⌈p/100 · n⌉ (at least 1). `None` for no values. The median is `percentile(v, 50)`.
///
/// Integer arithmetic (`(p·n).div_ceil(100)`) avoids floating-point surprises such as
/// ⌈0.9 · 10⌉ = 10 coming out as 9.000000000000002 → 10 vs 9.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p.min(100) as usize * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Median and 90th percentile of a duration, in whole seconds; `null` when there are no values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat {
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

impl Stat {
    /// Sorts `values` in place and takes the nearest-rank median and p90.
    fn of(values: &mut [i64]) -> Self {
        values.sort_unstable();
        Self {
            median: percentile(values, 50),
            p90: percentile(values, 90),
        }
    }
}

/// The criticism figures for one cohort (PRODUCT §8.2 `criticism`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CriticismBlock {
    pub found: u64,
    pub replied: u64,
    pub no_reply_needed: u64,
    pub open: u64,
    /// Of `replied`: first replies dated before Lyssna found the mention ("answered before Lyssna
    /// saw it"), left out of the time-to-reply figures.
    pub replied_before_found: u64,
    /// `replied / (found − no_reply_needed)`; `None` when that is 0.
    #[serde(serialize_with = "round3")]
    pub response_rate: Option<f64>,
    /// Share of `found − no_reply_needed` replied within the SLA; `None` when that is 0.
    #[serde(serialize_with = "round3")]
    pub within_sla: Option<f64>,
    pub time_to_reply_s: Stat,
    pub time_to_reply_business_s: Stat,
    pub time_from_publication_s: Stat,
}

/// Praise found in the week and how much of it got a reply by as_of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PraiseBlock {
    pub found: u64,
    pub replied: u64,
}

/// Open criticism at as_of by age; cumulative (`over_24h` includes those over 48 h).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenByAge {
    pub over_24h: u64,
    pub over_48h: u64,
    pub over_7d: u64,
}

/// One row of `by_source`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    pub source: String,
    pub criticism: CriticismBlock,
}

/// One row of `by_brand`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrandRow {
    pub brand: String,
    pub criticism: CriticismBlock,
}

/// One week of the trend. The first six fields are PRODUCT §8.2's; the last four are extra keys
/// (allowed by §8.2) that the stacked-bar chart needs: `replied_within_sla + replied_late +
/// no_reply_needed + open = criticism_found`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendWeek {
    pub week: IsoWeekId,
    pub criticism_found: u64,
    #[serde(serialize_with = "round3")]
    pub response_rate: Option<f64>,
    #[serde(serialize_with = "round3")]
    pub within_sla: Option<f64>,
    pub time_to_reply_median_s: Option<i64>,
    pub time_to_reply_p90_s: Option<i64>,
    pub replied_within_sla: u64,
    pub replied_late: u64,
    pub no_reply_needed: u64,
    pub open: u64,
}

/// The weekly report; serialises to PRODUCT §8.2's JSON key for key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyReport {
    pub week: IsoWeekId,
    /// IANA name, e.g. `Europe/Stockholm`.
    pub timezone: String,
    /// Serialised as RFC 3339 in UTC with `Z`.
    #[serde(serialize_with = "rfc3339_z")]
    pub as_of: DateTime<Utc>,
    pub sla_s: i64,
    pub criticism: CriticismBlock,
    pub praise: PraiseBlock,
    pub detection_latency_s: Stat,
    pub open_criticism_by_age: OpenByAge,
    pub by_source: Vec<SourceRow>,
    pub by_brand: Vec<BrandRow>,
    /// Oldest first, always [`TREND_WEEKS`] entries.
    pub trend: Vec<TrendWeek>,
}

fn round3<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.is_finite() => s.serialize_some(&((x * 1000.0).round() / 1000.0)),
        _ => s.serialize_none(),
    }
}

fn rfc3339_z<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// `d` in whole seconds, rounded down (towards −∞, unlike `num_seconds`).
fn floor_secs(d: Duration) -> i64 {
    let s = d.num_seconds();
    if d < Duration::seconds(s) { s - 1 } else { s }
}

/// `to − from` in whole seconds, negatives as 0.
fn nonneg_secs(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    floor_secs(to - from).max(0)
}

/// Since when a mention has waited: on the inbox's clock ([`crate::domain::mention::posted_at`]).
pub fn waiting_since(m: &MentionFacts) -> DateTime<Utc> {
    crate::domain::mention::posted_at(m.published_at, m.found_at)
}

/// A mention's state at as_of, from one pass over its events (no sorting, no allocation).
#[derive(Debug, Clone, Copy)]
struct StateAt {
    first_reply: Option<DateTime<Utc>>,
    status: Status,
}

fn state_at(events: &[EventFacts], as_of: DateTime<Utc>) -> StateAt {
    let mut first_reply: Option<DateTime<Utc>> = None;
    let mut last: Option<(DateTime<Utc>, Status)> = None;
    for e in events.iter().filter(|e| e.at <= as_of) {
        if e.to == Status::Replied && first_reply.is_none_or(|r| e.at < r) {
            first_reply = Some(e.at);
        }
        // `>=`: among equal times the later event in the slice wins.
        if last.is_none_or(|(t, _)| e.at >= t) {
            last = Some((e.at, e.to));
        }
    }
    StateAt {
        first_reply,
        status: last.map_or(Status::New, |(_, s)| s),
    }
}

/// Where one cohort mention stands at as_of.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Replied {
        /// `None` when the reply predates `found_at`: answered before Lyssna saw it.
        ttr_s: Option<i64>,
        within_sla: bool,
        business_s: Option<i64>,
        from_publication_s: Option<i64>,
    },
    NoReplyNeeded,
    Open,
}

/// Running totals for one criticism block.
#[derive(Debug, Default)]
struct CritAcc {
    found: u64,
    replied: u64,
    no_reply_needed: u64,
    within_sla: u64,
    before_found: u64,
    ttr: Vec<i64>,
    business: Vec<i64>,
    from_publication: Vec<i64>,
}

impl CritAcc {
    fn add(&mut self, o: Outcome) {
        self.found += 1;
        match o {
            Outcome::Replied {
                ttr_s,
                within_sla,
                business_s,
                from_publication_s,
            } => {
                self.replied += 1;
                self.within_sla += u64::from(within_sla);
                match ttr_s {
                    Some(t) => self.ttr.push(t),
                    None => self.before_found += 1,
                }
                self.business.extend(business_s);
                self.from_publication.extend(from_publication_s);
            }
            Outcome::NoReplyNeeded => self.no_reply_needed += 1,
            Outcome::Open => {}
        }
    }

    fn open(&self) -> u64 {
        self.found - self.replied - self.no_reply_needed
    }

    fn rates(&self) -> (Option<f64>, Option<f64>) {
        let denom = self.found - self.no_reply_needed;
        if denom == 0 {
            (None, None)
        } else {
            (
                Some(self.replied as f64 / denom as f64),
                Some(self.within_sla as f64 / denom as f64),
            )
        }
    }

    /// Sorts the duration lists in place (hence `&mut`).
    fn block(&mut self) -> CriticismBlock {
        let (response_rate, within_sla) = self.rates();
        CriticismBlock {
            found: self.found,
            replied: self.replied,
            no_reply_needed: self.no_reply_needed,
            open: self.open(),
            replied_before_found: self.before_found,
            response_rate,
            within_sla,
            time_to_reply_s: Stat::of(&mut self.ttr),
            time_to_reply_business_s: Stat::of(&mut self.business),
            time_from_publication_s: Stat::of(&mut self.from_publication),
        }
    }

    fn trend(&mut self, week: IsoWeekId) -> TrendWeek {
        let (response_rate, within_sla) = self.rates();
        let ttr = Stat::of(&mut self.ttr);
        TrendWeek {
            week,
            criticism_found: self.found,
            response_rate,
            within_sla,
            time_to_reply_median_s: ttr.median,
            time_to_reply_p90_s: ttr.p90,
            replied_within_sla: self.within_sla,
            replied_late: self.replied - self.within_sla,
            no_reply_needed: self.no_reply_needed,
            open: self.open(),
        }
    }
}

/// Where one cohort mention stands at as_of. The business-hours and from-publication figures are
/// only shown for the report week, so they are skipped elsewhere.
fn outcome_of(
    m: &MentionFacts,
    st: StateAt,
    in_report_week: bool,
    settings: &ReportSettings,
) -> Outcome {
    match st.first_reply {
        Some(replied_at) => {
            // A reply dated before Lyssna found the post was there before it: no wait to measure.
            let waited = replied_at >= m.found_at;
            Outcome::Replied {
                ttr_s: waited.then(|| floor_secs(replied_at - m.found_at)),
                within_sla: (replied_at - m.found_at).max(Duration::zero()) <= settings.sla,
                business_s: (in_report_week && waited).then(|| {
                    floor_secs(settings.working_hours.business_time(
                        settings.timezone,
                        m.found_at,
                        replied_at,
                    ))
                }),
                from_publication_s: m
                    .published_at
                    .filter(|_| in_report_week)
                    .map(|p| nonneg_secs(p, replied_at)),
            }
        }
        None if st.status == Status::NoReplyNeeded => Outcome::NoReplyNeeded,
        None => Outcome::Open,
    }
}

/// Computes the weekly report for `week` as of `as_of` (PRODUCT §7; see the module docs for every
/// interpretation choice). `mentions` must include what [`load_window`] describes; more is fine.
///
/// One pass over the mentions and one pass over each mention's events; the only sorting is of
/// the per-block duration lists, once each. 150 000 mentions take about 22 ms in a release build
/// on this project's 2-core machine (`cargo bench --bench report`).
pub fn weekly_report(
    mentions: &[MentionFacts],
    week: IsoWeekId,
    as_of: DateTime<Utc>,
    settings: &ReportSettings,
) -> WeeklyReport {
    let tz = settings.timezone;
    let weeks = trend_weeks(week);
    // bounds[i]..bounds[i + 1] is weeks[i].
    let mut bounds = [as_of; TREND_WEEKS + 1];
    for (i, w) in weeks.iter().enumerate() {
        bounds[i] = w.start(tz);
    }
    bounds[TREND_WEEKS] = week.end(tz);
    let report_idx = TREND_WEEKS - 1;

    let mut per_week: Vec<CritAcc> = (0..TREND_WEEKS).map(|_| CritAcc::default()).collect();
    let mut by_source: HashMap<&str, CritAcc> = HashMap::new();
    let mut by_brand: HashMap<&str, CritAcc> = HashMap::new();
    let mut praise = PraiseBlock::default();
    let mut detection: Vec<i64> = Vec::new();
    let mut by_age = OpenByAge::default();

    for m in mentions.iter().filter(|m| m.found_at <= as_of) {
        let week_idx = (m.found_at >= bounds[0] && m.found_at < bounds[TREND_WEEKS])
            .then(|| bounds.partition_point(|b| *b <= m.found_at) - 1);
        let in_report_week = week_idx == Some(report_idx);

        if in_report_week && let Some(p) = m.published_at {
            detection.push(nonneg_secs(p, m.found_at));
        }
        match m.sentiment {
            Sentiment::Neutral => {}
            Sentiment::Praise => {
                if in_report_week {
                    praise.found += 1;
                    praise.replied += u64::from(state_at(&m.events, as_of).first_reply.is_some());
                }
            }
            Sentiment::Criticism => {
                let st = state_at(&m.events, as_of);
                if matches!(st.status, Status::New | Status::Snoozed) {
                    let age = as_of - waiting_since(m);
                    by_age.over_24h += u64::from(age > Duration::hours(24));
                    by_age.over_48h += u64::from(age > Duration::hours(48));
                    by_age.over_7d += u64::from(age > Duration::days(7));
                }
                let Some(idx) = week_idx else { continue };
                let outcome = outcome_of(m, st, in_report_week, settings);
                per_week[idx].add(outcome);
                if in_report_week {
                    by_source.entry(m.source.as_str()).or_default().add(outcome);
                    for (i, b) in m.brands.iter().enumerate() {
                        if !m.brands[..i].contains(b) {
                            by_brand.entry(b.as_str()).or_default().add(outcome);
                        }
                    }
                }
            }
        }
    }

    // The headline block and the report week's trend entry come from the same accumulator, so
    // they cannot disagree.
    let criticism = per_week[report_idx].block();
    let trend: Vec<TrendWeek> = per_week
        .iter_mut()
        .zip(weeks)
        .map(|(acc, w)| acc.trend(w))
        .collect();
    let mut by_source: Vec<SourceRow> = by_source
        .into_iter()
        .map(|(k, mut acc)| SourceRow {
            source: k.to_string(),
            criticism: acc.block(),
        })
        .collect();
    by_source.sort_by(|a, b| a.source.cmp(&b.source));
    let mut by_brand: Vec<BrandRow> = by_brand
        .into_iter()
        .map(|(k, mut acc)| BrandRow {
            brand: k.to_string(),
            criticism: acc.block(),
        })
        .collect();
    by_brand.sort_by(|a, b| a.brand.cmp(&b.brand));

    WeeklyReport {
        week,
        timezone: tz.name().to_string(),
        as_of,
        sla_s: floor_secs(settings.sla),
        criticism,
        praise,
        detection_latency_s: Stat::of(&mut detection),
        open_criticism_by_age: by_age,
        by_source,
        by_brand,
        trend,
    }
}
