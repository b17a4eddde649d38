//! Weekly report over ~150 000 mentions (goal: ≤ 150 ms).
//!
//! Baseline measured in the same run: the irreducible work, one pass over the mentions that only
//! counts criticism per trend week (binary search on the week bounds), plus sorting 150 000 i64
//! durations. The ratio says how much the full report costs on top of "touch every mention once".
//!
//! Run: `cargo bench --bench report` (release profile).

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use lyssna::domain::report::{
    EventFacts, IsoWeekId, MentionFacts, ReportSettings, Sentiment, Status, load_window,
    weekly_report,
};
use lyssna::render::report::{Lang, to_csv, to_html, to_text};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// 150 000 mentions over the 12 trend weeks plus a tail of older ones, about half criticism,
/// 0–3 events each, replies within minutes to days.
fn generate(n: usize, as_of: DateTime<Utc>) -> Vec<MentionFacts> {
    let mut g = Lcg(2026);
    let sources: Vec<String> = (0..40).map(|i| format!("Källa {i}")).collect();
    let brands: Vec<String> = (0..25).map(|i| format!("Brand {i}")).collect();
    (0..n)
        .map(|_| {
            let found = as_of - Duration::seconds(g.next(14 * 7 * 86_400) as i64 + 1);
            let sentiment = match g.next(10) {
                0..=4 => Sentiment::Criticism,
                5..=7 => Sentiment::Praise,
                _ => Sentiment::Neutral,
            };
            let published = (g.next(3) > 0).then(|| found - Duration::seconds(g.next(7200) as i64));
            let mut events = Vec::new();
            let mut at = found;
            let mut from = Status::New;
            for _ in 0..g.next(4) {
                at += Duration::seconds(g.next(3 * 86_400) as i64 + 60);
                let to = [
                    Status::Replied,
                    Status::NoReplyNeeded,
                    Status::Snoozed,
                    Status::New,
                ][g.next(4) as usize];
                events.push(EventFacts { at, from, to });
                from = to;
            }
            MentionFacts {
                source: sources[g.next(40) as usize].clone(),
                brands: (0..1 + g.next(2))
                    .map(|_| brands[g.next(25) as usize].clone())
                    .collect(),
                sentiment,
                found_at: found,
                published_at: published,
                events,
            }
        })
        .collect()
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> StdDuration {
    (0..runs)
        .map(|_| {
            let t0 = Instant::now();
            black_box(f());
            t0.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let as_of: DateTime<Utc> = "2026-11-24T07:00:00Z".parse().expect("time");
    let week: IsoWeekId = "2026-W47".parse().expect("week");
    let settings = ReportSettings::default();
    let n = 150_000;
    let mentions = generate(n, as_of);
    let window = load_window(week, settings.timezone);

    let baseline = best_of(10, || {
        let mut per_week = [0u64; 12];
        let step = (window.found_before - window.found_from) / 12;
        for m in &mentions {
            if m.sentiment == Sentiment::Criticism
                && m.found_at >= window.found_from
                && m.found_at < window.found_before
            {
                let i = ((m.found_at - window.found_from).num_seconds() / step.num_seconds())
                    .clamp(0, 11) as usize;
                per_week[i] += 1;
            }
        }
        let mut v: Vec<i64> = mentions.iter().map(|m| m.found_at.timestamp()).collect();
        v.sort_unstable();
        (per_week, v.len())
    });
    let full = best_of(10, || weekly_report(&mentions, week, as_of, &settings));
    let report = weekly_report(&mentions, week, as_of, &settings);
    let render = best_of(10, || {
        (
            to_text(&report, Lang::En).len(),
            to_csv(&report).len(),
            to_html(&report, "sv").len(),
        )
    });

    println!(
        "weekly report, {n} mentions (criticism found in week: {})",
        report.criticism.found
    );
    println!(
        "  baseline (count per week + sort {n} i64): {:>8.2} ms",
        baseline.as_secs_f64() * 1e3
    );
    println!(
        "  weekly_report:                             {:>8.2} ms",
        full.as_secs_f64() * 1e3
    );
    println!(
        "  ratio weekly_report / baseline:            {:>8.2}",
        full.as_secs_f64() / baseline.as_secs_f64().max(1e-9)
    );
    println!(
        "  render text + csv + html (3 SVGs):         {:>8.2} ms",
        render.as_secs_f64() * 1e3
    );
}
