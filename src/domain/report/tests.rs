//! Hand-computed fixtures for the weekly report. Every expected figure has its arithmetic
//! written next to it. Stockholm is UTC+1 in November (CET) and UTC+2 until Oct 25 2026 (CEST).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::*;

pub(crate) fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("test timestamp")
}

fn ev(at: &str, from: Status, to: Status) -> EventFacts {
    EventFacts {
        at: t(at),
        from,
        to,
    }
}

use Status::{New, NoReplyNeeded, Replied, Snoozed};

fn mention(
    source: &str,
    brands: &[&str],
    sentiment: Sentiment,
    found: &str,
    published: Option<&str>,
    events: Vec<EventFacts>,
) -> MentionFacts {
    MentionFacts {
        source: source.to_string(),
        brands: brands.iter().map(|b| b.to_string()).collect(),
        sentiment,
        found_at: t(found),
        published_at: published.map(t),
        events,
    }
}

fn crit(found: &str, events: Vec<EventFacts>) -> MentionFacts {
    mention(
        "Forum",
        &["GoMonday"],
        Sentiment::Criticism,
        found,
        None,
        events,
    )
}

fn week(s: &str) -> IsoWeekId {
    s.parse().expect("week")
}

fn report(ms: &[MentionFacts], w: &str, as_of: &str) -> WeeklyReport {
    weekly_report(ms, week(w), t(as_of), &ReportSettings::default())
}

fn to_json(r: &WeeklyReport) -> Value {
    serde_json::to_value(r).expect("report serialises")
}

const W47_AS_OF: &str = "2026-11-24T07:00:00Z";

/// The full fixture behind `tests/fixtures/report/full_week_2026_w47.json`.
///
/// Week 2026-W47 = Mon 2026-11-16 00:00 CET (2026-11-15T23:00Z) .. Mon 2026-11-23 00:00 CET
/// (2026-11-22T23:00Z). As of 2026-11-24T07:00Z (Tue 08:00 local). SLA 24 h = 86 400 s,
/// working hours Mon–Fri 08:00–17:00.
pub(crate) fn full_week_mentions() -> Vec<MentionFacts> {
    use Sentiment::{Criticism, Neutral, Praise};
    let fb = "Flashback: företag";
    vec![
        // c1: Mon 10:00 local, published 600 s earlier, replied Mon 14:00 local.
        //     ttr 4 h = 14 400 (within SLA); business Mon 10–14 = 14 400;
        //     from publication 13:00Z − 08:50Z = 4 h 10 min = 15 000.
        mention(
            fb,
            &["GoMonday"],
            Criticism,
            "2026-11-16T09:00:00Z",
            Some("2026-11-16T08:50:00Z"),
            vec![ev("2026-11-16T13:00:00Z", New, Replied)],
        ),
        // c2: Tue 08:00 local, published 1 h earlier, replied Wed 09:00 local.
        //     ttr 25 h = 90 000 (late); business Tue 08–17 (9 h) + Wed 08–09 (1 h) = 36 000;
        //     from publication 26 h = 93 600.
        mention(
            "Trustpilot",
            &["GoMonday", "Erik Andersson"],
            Criticism,
            "2026-11-17T07:00:00Z",
            Some("2026-11-17T06:00:00Z"),
            vec![ev("2026-11-18T08:00:00Z", New, Replied)],
        ),
        // c3: Fri 16:00 local, no publication date, replied Mon 09:00 local (after the week, before
        //     as_of: counts). ttr 65 h = 234 000 (late); business Fri 16–17 + Mon 08–09 = 7 200.
        mention(
            fb,
            &["GoMonday"],
            Criticism,
            "2026-11-20T15:00:00Z",
            None,
            vec![ev("2026-11-23T08:00:00Z", New, Replied)],
        ),
        // c4: Sat, published 30 min *after* found (detection latency −1800 → 0); no reply needed.
        mention(
            "Trustpilot",
            &["Erik Andersson"],
            Criticism,
            "2026-11-21T10:00:00Z",
            Some("2026-11-21T10:30:00Z"),
            vec![ev("2026-11-21T12:00:00Z", New, NoReplyNeeded)],
        ),
        // c5: Sun 21:00 local, snoozed: open. Age at as_of 35 h → over_24h.
        mention(
            fb,
            &["GoMonday"],
            Criticism,
            "2026-11-22T20:00:00Z",
            None,
            vec![ev("2026-11-23T07:00:00Z", New, Snoozed)],
        ),
        // c6: Wed, brand listed twice (counts once), replied only after as_of: open, status new.
        //     Age at as_of 5 d 19 h = 139 h → over_24h, over_48h. Detection latency 3 600.
        mention(
            fb,
            &["GoMonday", "GoMonday"],
            Criticism,
            "2026-11-18T12:00:00Z",
            Some("2026-11-18T11:00:00Z"),
            vec![ev("2026-11-24T09:00:00Z", New, Replied)],
        ),
        // p1: praise, replied. Detection latency 3 600.
        mention(
            "Trustpilot",
            &["GoMonday"],
            Praise,
            "2026-11-17T10:00:00Z",
            Some("2026-11-17T09:00:00Z"),
            vec![ev("2026-11-17T12:00:00Z", New, Replied)],
        ),
        // p2: praise, no reply.
        mention(
            "Blogg",
            &["GoMonday"],
            Praise,
            "2026-11-19T10:00:00Z",
            None,
            vec![],
        ),
        // n1: neutral; only its detection latency (100 s) counts.
        mention(
            "Blogg",
            &["GoMonday"],
            Neutral,
            "2026-11-19T14:00:00Z",
            Some("2026-11-19T13:58:20Z"),
            vec![],
        ),
        // o1: W46 criticism replied after 2 h: W46 found 1, within 1, median = p90 = 7 200.
        mention(
            fb,
            &["GoMonday"],
            Criticism,
            "2026-11-10T09:00:00Z",
            None,
            vec![ev("2026-11-10T11:00:00Z", New, Replied)],
        ),
        // o2: W45 criticism still new: W45 open 1; age ≈ 21 d → all three buckets.
        mention(
            fb,
            &["GoMonday"],
            Criticism,
            "2026-11-03T09:00:00Z",
            None,
            vec![],
        ),
        // o3: June criticism (outside the 12 weeks), still new: only open_criticism_by_age, all 3.
        mention(
            fb,
            &["GoMonday"],
            Criticism,
            "2026-06-01T09:00:00Z",
            None,
            vec![],
        ),
        // o4: found after the week but before as_of, new, age 19 h: in no bucket, not in the trend.
        mention(
            fb,
            &["GoMonday"],
            Criticism,
            "2026-11-23T12:00:00Z",
            None,
            vec![],
        ),
        // o5: found after as_of: does not exist yet.
        mention(
            fb,
            &["GoMonday"],
            Criticism,
            "2026-11-24T08:00:00Z",
            None,
            vec![],
        ),
    ]
}

/// The full fixture's report.
pub(crate) fn full_report() -> WeeklyReport {
    report(&full_week_mentions(), "2026-W47", W47_AS_OF)
}

// Hand computation of the full fixture (W47):
//   cohort c1..c6: found 6, replied 3 (c1 c2 c3), no_reply_needed 1 (c4), open 2 (c5 c6)
//   response_rate 3 / (6 − 1) = 0.6; within_sla 1 / 5 = 0.2 (only c1)
//   ttr [14400, 90000, 234000]: median rank ⌈1.5⌉ = 2 → 90000; p90 rank ⌈2.7⌉ = 3 → 234000
//   business [7200, 14400, 36000]: median 14400, p90 36000
//   from publication [15000, 93600]: median rank ⌈1.0⌉ = 1 → 15000; p90 rank ⌈1.8⌉ = 2 → 93600
//   praise: found 2, replied 1
//   detection latency over c1 c2 c4 c6 p1 n1 = [600, 3600, 0, 3600, 3600, 100]
//     sorted [0, 100, 600, 3600, 3600, 3600]: median rank 3 → 600; p90 rank ⌈5.4⌉ = 6 → 3600
//   open by age: c5 (35 h) 24; c6 (139 h) 24 48; o2 24 48 7d; o3 24 48 7d → 4, 3, 2
//   by_source "Flashback: företag" = c1 c3 c5 c6: found 4 replied 2 open 2, rate 2/4, sla 1/4,
//     ttr [14400, 234000] → 14400 / 234000, business [7200, 14400] → 7200 / 14400, pub [15000]
//   by_source "Trustpilot" = c2 c4: found 2 replied 1 nrn 1, rate 1/1, sla 0/1, singletons
//   by_brand "Erik Andersson" = c2 c4 (same as Trustpilot); "GoMonday" = c1 c2 c3 c5 c6:
//     found 5 replied 3 open 2, rate 3/5, sla 1/5, ttr 90000 / 234000, business 14400 / 36000,
//     pub 15000 / 93600
//   trend W36..W44 empty; W45 found 1 open 1 rate 0/1; W46 1 replied within; W47 as headline
//     (within 1, late 2, nrn 1, open 2)

#[test]
fn full_report_matches_the_fixture_file() {
    let expected: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/report/full_week_2026_w47.json"
    ))
    .expect("fixture is JSON");
    let got = to_json(&full_report());
    // Compare section by section first, so a failure names the part that differs.
    for key in expected.as_object().expect("object").keys() {
        assert_eq!(got[key], expected[key], "key {key}");
    }
    assert_eq!(got, expected);
}

/// The keys of PRODUCT §8.2, to the letter (plus the allowed extra trend keys).
#[test]
fn json_keys_are_exactly_those_of_product_8_2() {
    fn keys(v: &Value) -> Vec<&str> {
        let mut k: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        k.sort_unstable();
        k
    }
    fn sorted(mut v: Vec<&str>) -> Vec<&str> {
        v.sort_unstable();
        v
    }
    let v = to_json(&full_report());
    assert_eq!(
        keys(&v),
        sorted(vec![
            "week",
            "timezone",
            "as_of",
            "sla_s",
            "criticism",
            "praise",
            "detection_latency_s",
            "open_criticism_by_age",
            "by_source",
            "by_brand",
            "trend"
        ])
    );
    let block_keys = sorted(vec![
        "found",
        "replied",
        "no_reply_needed",
        "open",
        "replied_before_found",
        "response_rate",
        "within_sla",
        "time_to_reply_s",
        "time_to_reply_business_s",
        "time_from_publication_s",
    ]);
    let stat_keys = sorted(vec!["median", "p90"]);
    let check_block = |b: &Value| {
        assert_eq!(keys(b), block_keys);
        for s in [
            "time_to_reply_s",
            "time_to_reply_business_s",
            "time_from_publication_s",
        ] {
            assert_eq!(keys(&b[s]), stat_keys);
        }
    };
    check_block(&v["criticism"]);
    assert_eq!(keys(&v["praise"]), sorted(vec!["found", "replied"]));
    assert_eq!(keys(&v["detection_latency_s"]), stat_keys);
    assert_eq!(
        keys(&v["open_criticism_by_age"]),
        sorted(vec!["over_24h", "over_48h", "over_7d"])
    );
    for (list, name) in [("by_source", "source"), ("by_brand", "brand")] {
        let rows = v[list].as_array().expect("array");
        assert_eq!(rows.len(), 2);
        for row in rows {
            assert_eq!(keys(row), sorted(vec![name, "criticism"]));
            check_block(&row["criticism"]);
        }
    }
    let trend = v["trend"].as_array().expect("array");
    assert_eq!(trend.len(), 12);
    for entry in trend {
        let k = keys(entry);
        for required in [
            "week",
            "criticism_found",
            "response_rate",
            "within_sla",
            "time_to_reply_median_s",
            "time_to_reply_p90_s",
        ] {
            assert!(k.contains(&required), "trend entry lacks {required}");
        }
    }
    // Scalars and their forms.
    assert_eq!(v["week"], "2026-W47");
    assert_eq!(v["timezone"], "Europe/Stockholm");
    assert_eq!(v["as_of"], "2026-11-24T07:00:00Z");
    assert_eq!(v["sla_s"], 86400);
    // Durations are integers, rates 3-decimal floats.
    assert!(v["criticism"]["time_to_reply_s"]["median"].is_i64());
    assert!(v["criticism"]["response_rate"].is_f64());
}

#[test]
fn empty_week_is_all_zeros_and_nulls_and_valid_json() {
    let r = report(&[], "2026-W47", W47_AS_OF);
    let text = serde_json::to_string(&r).expect("json");
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    let null_stat = json!({"median": null, "p90": null});
    assert_eq!(
        v["criticism"],
        json!({"found": 0, "replied": 0, "no_reply_needed": 0, "open": 0,
               "replied_before_found": 0, "response_rate": null,
               "within_sla": null, "time_to_reply_s": null_stat,
               "time_to_reply_business_s": null_stat, "time_from_publication_s": null_stat})
    );
    assert_eq!(v["praise"], json!({"found": 0, "replied": 0}));
    assert_eq!(v["detection_latency_s"], null_stat);
    assert_eq!(
        v["open_criticism_by_age"],
        json!({"over_24h": 0, "over_48h": 0, "over_7d": 0})
    );
    assert_eq!(v["by_source"], json!([]));
    assert_eq!(v["by_brand"], json!([]));
    let trend = v["trend"].as_array().expect("array");
    assert_eq!(trend.len(), 12);
    assert!(
        trend
            .iter()
            .all(|e| e["criticism_found"] == 0 && e["response_rate"].is_null())
    );
}

#[test]
fn only_no_reply_needed_gives_null_rates() {
    // Two criticism mentions in W47, both marked no reply needed: found 2, nrn 2,
    // denominator 2 − 2 = 0 → response_rate and within_sla null; no durations.
    let ms = [
        crit(
            "2026-11-16T09:00:00Z",
            vec![ev("2026-11-16T10:00:00Z", New, NoReplyNeeded)],
        ),
        crit(
            "2026-11-17T09:00:00Z",
            vec![ev("2026-11-17T09:30:00Z", New, NoReplyNeeded)],
        ),
    ];
    let r = report(&ms, "2026-W47", W47_AS_OF);
    let c = &r.criticism;
    assert_eq!(
        (c.found, c.replied, c.no_reply_needed, c.open),
        (2, 0, 2, 0)
    );
    assert_eq!((c.response_rate, c.within_sla), (None, None));
    assert_eq!(c.time_to_reply_s, Stat::default());
    assert_eq!(to_json(&r)["criticism"]["response_rate"], Value::Null);
    assert_eq!(r.open_criticism_by_age, OpenByAge::default());
}

#[test]
fn replies_count_up_to_as_of_even_after_the_week() {
    // A found Fri 2026-11-20T10:00Z, replied 2026-11-23T10:00Z: after the week ended
    //   (2026-11-22T23:00Z) but before as_of (2026-11-24T07:00Z) → replied, ttr 72 h = 259 200.
    // B found Sat 2026-11-21T10:00Z, replied 2026-11-24T08:00Z: after as_of → open (status new).
    //   B's age at as_of: 2 d 21 h = 69 h → over_24h and over_48h, not over_7d.
    let ms = [
        crit(
            "2026-11-20T10:00:00Z",
            vec![ev("2026-11-23T10:00:00Z", New, Replied)],
        ),
        crit(
            "2026-11-21T10:00:00Z",
            vec![ev("2026-11-24T08:00:00Z", New, Replied)],
        ),
    ];
    let r = report(&ms, "2026-W47", W47_AS_OF);
    let c = &r.criticism;
    assert_eq!(
        (c.found, c.replied, c.no_reply_needed, c.open),
        (2, 1, 0, 1)
    );
    assert_eq!(c.response_rate, Some(0.5)); // 1 / (2 − 0)
    assert_eq!(c.within_sla, Some(0.0)); // 72 h > 24 h
    assert_eq!(
        c.time_to_reply_s,
        Stat {
            median: Some(259_200),
            p90: Some(259_200)
        }
    );
    assert_eq!(
        r.open_criticism_by_age,
        OpenByAge {
            over_24h: 1,
            over_48h: 1,
            over_7d: 0
        }
    );
    // As of a moment after B's reply, both are replied.
    let later = report(&ms, "2026-W47", "2026-11-24T08:00:00Z");
    assert_eq!(later.criticism.replied, 2);
    assert_eq!(later.open_criticism_by_age, OpenByAge::default());
    // As of a moment before A's reply, neither is.
    let earlier = report(&ms, "2026-W47", "2026-11-23T09:59:59Z");
    assert_eq!((earlier.criticism.replied, earlier.criticism.open), (0, 2));
}

#[test]
fn the_first_reply_counts_even_if_reopened() {
    // Events deliberately out of order.
    // R: found 2026-11-17T08:00Z, replied 10:00Z (2 h = 7200), reopened next day, replied again
    //    2026-11-19T09:00Z. The first reply counts: ttr 7200, within SLA.
    // S: found Mon 2026-11-16T09:00Z, replied 10:00Z (3600), reopened 2026-11-17T09:00Z and still
    //    new at as_of: replied in the cohort, but *open* in open_criticism_by_age, age
    //    2026-11-24T07:00Z − 2026-11-16T09:00Z = 7 d 22 h → all three buckets.
    // T: replied (5 h = 18 000), reopened, then marked no reply needed: still replied.
    let ms = [
        crit(
            "2026-11-17T08:00:00Z",
            vec![
                ev("2026-11-19T09:00:00Z", New, Replied),
                ev("2026-11-17T10:00:00Z", New, Replied),
                ev("2026-11-18T09:00:00Z", Replied, New),
            ],
        ),
        crit(
            "2026-11-16T09:00:00Z",
            vec![
                ev("2026-11-17T09:00:00Z", Replied, New),
                ev("2026-11-16T10:00:00Z", New, Replied),
            ],
        ),
        crit(
            "2026-11-18T08:00:00Z",
            vec![
                ev("2026-11-18T13:00:00Z", New, Replied),
                ev("2026-11-18T14:00:00Z", Replied, New),
                ev("2026-11-18T15:00:00Z", New, NoReplyNeeded),
            ],
        ),
    ];
    let r = report(&ms, "2026-W47", W47_AS_OF);
    let c = &r.criticism;
    assert_eq!(
        (c.found, c.replied, c.no_reply_needed, c.open),
        (3, 3, 0, 0)
    );
    assert_eq!(c.within_sla, Some(1.0));
    // ttr [3600, 7200, 18000]: median rank 2 → 7200; p90 rank ⌈2.7⌉ = 3 → 18000.
    assert_eq!(
        c.time_to_reply_s,
        Stat {
            median: Some(7200),
            p90: Some(18_000)
        }
    );
    assert_eq!(
        r.open_criticism_by_age,
        OpenByAge {
            over_24h: 1,
            over_48h: 1,
            over_7d: 1
        }
    );
}

#[test]
fn snoozed_is_open_and_counts_in_the_rate_denominator() {
    // One snoozed criticism mention: found 1, open 1 → rate 0 / (1 − 0) = 0.0 (not null).
    let ms = [crit(
        "2026-11-20T10:00:00Z",
        vec![ev("2026-11-20T11:00:00Z", New, Snoozed)],
    )];
    let r = report(&ms, "2026-W47", W47_AS_OF);
    assert_eq!(
        (r.criticism.open, r.criticism.response_rate),
        (1, Some(0.0))
    );
    assert_eq!(r.criticism.within_sla, Some(0.0));
    // Snoozed then back to new by the leader, then snoozed again: still open.
    let ms = [crit(
        "2026-11-20T10:00:00Z",
        vec![
            ev("2026-11-20T11:00:00Z", New, Snoozed),
            ev("2026-11-21T11:00:00Z", Snoozed, New),
            ev("2026-11-21T12:00:00Z", New, Snoozed),
        ],
    )];
    assert_eq!(report(&ms, "2026-W47", W47_AS_OF).criticism.open, 1);
}

#[test]
fn missing_published_at_leaves_publication_figures_out() {
    // Two replied mentions; only the first has a publication date.
    //   M1 published 08:00Z, found 09:00Z, replied 11:00Z → from publication 3 h = 10 800,
    //      detection 3600.
    //   M2 no publication date, found 10:00Z, replied 10:30Z.
    // time_from_publication over [10800]; detection latency over [3600]. Without any
    // publication date, both are null.
    let mut m1 = crit(
        "2026-11-18T09:00:00Z",
        vec![ev("2026-11-18T11:00:00Z", New, Replied)],
    );
    m1.published_at = Some(t("2026-11-18T08:00:00Z"));
    let m2 = crit(
        "2026-11-18T10:00:00Z",
        vec![ev("2026-11-18T10:30:00Z", New, Replied)],
    );
    let r = report(&[m1, m2.clone()], "2026-W47", W47_AS_OF);
    assert_eq!(
        r.criticism.time_from_publication_s,
        Stat {
            median: Some(10_800),
            p90: Some(10_800)
        }
    );
    assert_eq!(
        r.detection_latency_s,
        Stat {
            median: Some(3600),
            p90: Some(3600)
        }
    );
    let r = report(&[m2], "2026-W47", W47_AS_OF);
    assert_eq!(r.criticism.time_from_publication_s, Stat::default());
    assert_eq!(r.detection_latency_s, Stat::default());
    assert_eq!(r.criticism.time_to_reply_s.median, Some(1800));
}

#[test]
fn autumn_dst_week_is_169_hours_and_keeps_its_sunday_night() {
    // Oct 25 2026 (the change to CET) is the Sunday of ISO week 2026-W43 (the brief said W44;
    // chrono and the calendar say W43). W43 = 2026-10-18T22:00Z .. 2026-10-25T23:00Z = 169 h.
    //   a: Mon Oct 19 00:00 CEST = Oct 18 22:00Z → first instant of W43
    //   b: Oct 18 21:59:59Z = Sun 23:59:59 CEST → W42
    //   c: Sun Oct 25 23:30 CET = 22:30Z → W43 (a UTC "+7 days" week would have lost it)
    //   d: Mon Oct 26 00:00 CET = Oct 25 23:00Z → W44
    let w43 = week("2026-W43");
    let tz = ReportSettings::default().timezone;
    assert_eq!(w43.end(tz) - w43.start(tz), Duration::hours(169));
    let ms = [
        crit("2026-10-18T22:00:00Z", vec![]),
        crit("2026-10-18T21:59:59Z", vec![]),
        crit("2026-10-25T22:30:00Z", vec![]),
        crit("2026-10-25T23:00:00Z", vec![]),
    ];
    let r = report(&ms, "2026-W44", "2026-11-02T12:00:00Z");
    let found: Vec<(String, u64)> = r
        .trend
        .iter()
        .map(|e| (e.week.to_string(), e.criticism_found))
        .collect();
    let get = |w: &str| found.iter().find(|(k, _)| k == w).map(|(_, n)| *n);
    assert_eq!(
        (get("2026-W42"), get("2026-W43"), get("2026-W44")),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(r.criticism.found, 1);
    // The window starts at W33's Monday 00:00 CEST.
    let lw = load_window(week("2026-W44"), tz);
    assert_eq!(lw.found_from, week("2026-W33").start(tz));
    assert_eq!(lw.found_before, t("2026-11-01T23:00:00Z"));
}

#[test]
fn business_hours_skip_the_weekend() {
    // Found Fri 2026-11-20 16:00 CET (15:00Z), replied Mon 2026-11-23 09:00 CET (08:00Z):
    //   wall-clock ttr 65 h = 234 000 s; business Fri 16–17 + Mon 08–09 = 2 h = 7 200 s.
    let ms = [crit(
        "2026-11-20T15:00:00Z",
        vec![ev("2026-11-23T08:00:00Z", New, Replied)],
    )];
    let r = report(&ms, "2026-W47", W47_AS_OF);
    assert_eq!(r.criticism.time_to_reply_s.median, Some(234_000));
    assert_eq!(
        r.criticism.time_to_reply_business_s,
        Stat {
            median: Some(7200),
            p90: Some(7200)
        }
    );
}

#[test]
fn sla_boundary_is_inclusive_and_exact() {
    // Exactly 24 h → within; 24 h + 1 s → late; 24 h + 0.5 s → late although both floor to
    // 86 400 s in the percentiles.
    let ms = [
        crit(
            "2026-11-17T09:00:00Z",
            vec![ev("2026-11-18T09:00:00Z", New, Replied)],
        ),
        crit(
            "2026-11-17T10:00:00Z",
            vec![ev("2026-11-18T10:00:01Z", New, Replied)],
        ),
        crit(
            "2026-11-17T11:00:00Z",
            vec![ev("2026-11-18T11:00:00.500Z", New, Replied)],
        ),
    ];
    let r = report(&ms, "2026-W47", W47_AS_OF);
    // within 1 of 3 = 0.333…, serialised 0.333.
    assert_eq!(r.criticism.within_sla, Some(1.0 / 3.0));
    assert_eq!(to_json(&r)["criticism"]["within_sla"], json!(0.333));
    // ttr [86400, 86400, 86401]: median rank 2 → 86400, p90 rank 3 → 86401.
    assert_eq!(
        r.criticism.time_to_reply_s,
        Stat {
            median: Some(86_400),
            p90: Some(86_401)
        }
    );
    let last = r.trend.last().expect("trend");
    assert_eq!((last.replied_within_sla, last.replied_late), (1, 2));
}

#[test]
fn a_reply_before_lyssna_found_the_post_is_answered_before_lyssna_saw_it() {
    // A detected reply whose post time is before Lyssna found the mention (a first crawl), and one
    // ordinary reply 2 h after finding.
    let mut early = crit(
        "2026-11-17T09:00:00Z",
        vec![ev("2026-11-17T08:00:00Z", New, Replied)],
    );
    early.published_at = Some(t("2026-11-17T06:00:00Z"));
    let ms = [
        early,
        crit(
            "2026-11-18T09:00:00Z",
            vec![ev("2026-11-18T11:00:00Z", New, Replied)],
        ),
    ];
    let r = report(&ms, "2026-W47", W47_AS_OF);
    let c = &r.criticism;
    assert_eq!((c.replied, c.replied_before_found), (2, 1));
    // Not a 0 s reply: only the real wait is measured.
    assert_eq!(c.time_to_reply_s.median, Some(7_200));
    assert_eq!(c.time_to_reply_s.p90, Some(7_200));
    assert_eq!(c.time_to_reply_business_s.median, Some(7_200));
    // From publication it is measured: 2 h after the post.
    assert_eq!(c.time_from_publication_s.median, Some(7_200));
    // Answered, and not late.
    assert_eq!(c.within_sla, Some(1.0));
    assert_eq!(c.response_rate, Some(1.0));
    assert_eq!(to_json(&r)["criticism"]["replied_before_found"], 1);
}

#[test]
fn open_criticism_ages_on_the_inbox_clock() {
    // Found 2 h before as_of by a first crawl, but posted four days earlier: it has waited 4 days.
    let mut old_post = crit("2026-11-24T05:00:00Z", vec![]);
    old_post.published_at = Some(t("2026-11-20T05:00:00Z"));
    // A post time after found_at (clock skew) does not make it younger than found_at.
    let mut skewed = crit("2026-11-21T07:00:00Z", vec![]);
    skewed.published_at = Some(t("2026-11-24T06:00:00Z"));
    let r = report(&[old_post, skewed], "2026-W47", W47_AS_OF);
    assert_eq!(
        r.open_criticism_by_age,
        OpenByAge {
            over_24h: 2,
            over_48h: 2,
            over_7d: 0
        }
    );
}

#[test]
fn percentiles_nearest_rank_small_n_and_ties() {
    assert_eq!(percentile(&[], 50), None);
    // n = 1: every percentile is the value.
    assert_eq!(
        (percentile(&[5], 50), percentile(&[5], 90)),
        (Some(5), Some(5))
    );
    // n = 2: p50 rank ⌈1.0⌉ = 1 → 10; p90 rank ⌈1.8⌉ = 2 → 20.
    assert_eq!(
        (percentile(&[10, 20], 50), percentile(&[10, 20], 90)),
        (Some(10), Some(20))
    );
    // n = 10 (1..=10): p50 rank 5 → 5; p90 rank 9 → 9 (not 10: ⌈0.9·10⌉ = 9 exactly).
    let ten: Vec<i64> = (1..=10).collect();
    assert_eq!(
        (percentile(&ten, 50), percentile(&ten, 90)),
        (Some(5), Some(9))
    );
    // Ties: [3, 3, 3, 7]: p50 rank 2 → 3; p90 rank ⌈3.6⌉ = 4 → 7.
    assert_eq!(
        (percentile(&[3, 3, 3, 7], 50), percentile(&[3, 3, 3, 7], 90)),
        (Some(3), Some(7))
    );
    // p0 and p100 stay in range.
    assert_eq!(
        (percentile(&ten, 0), percentile(&ten, 100)),
        (Some(1), Some(10))
    );

    // Through the report: ten mentions replied after 1 h … 10 h (given in shuffled order).
    let ms: Vec<MentionFacts> = [7, 3, 10, 1, 5, 9, 2, 8, 6, 4]
        .iter()
        .map(|h| {
            let found = t("2026-11-17T00:00:00Z");
            let mut m = crit("2026-11-17T00:00:00Z", vec![]);
            m.events.push(EventFacts {
                at: found + Duration::hours(*h),
                from: New,
                to: Replied,
            });
            m
        })
        .collect();
    let r = report(&ms, "2026-W47", W47_AS_OF);
    assert_eq!(
        r.criticism.time_to_reply_s,
        Stat {
            median: Some(5 * 3600),
            p90: Some(9 * 3600)
        }
    );
    // n = 2 through the report: [1 h, 10 h] → median 1 h, p90 10 h.
    let r = report(&[ms[3].clone(), ms[2].clone()], "2026-W47", W47_AS_OF);
    assert_eq!(
        r.criticism.time_to_reply_s,
        Stat {
            median: Some(3600),
            p90: Some(36_000)
        }
    );
}

#[test]
fn by_source_and_by_brand_split_and_sort() {
    let r = full_report();
    let sources: Vec<&str> = r.by_source.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(sources, ["Flashback: företag", "Trustpilot"]);
    let brands: Vec<(&str, u64)> = r
        .by_brand
        .iter()
        .map(|b| (b.brand.as_str(), b.criticism.found))
        .collect();
    // c2 has both brands and counts in both; c6 lists GoMonday twice and counts once:
    // GoMonday = c1 c2 c3 c5 c6 = 5, Erik Andersson = c2 c4 = 2.
    assert_eq!(brands, [("Erik Andersson", 2), ("GoMonday", 5)]);
    // Sources partition the cohort.
    let total: u64 = r.by_source.iter().map(|s| s.criticism.found).sum();
    assert_eq!(total, r.criticism.found);
}

#[test]
fn trend_is_twelve_weeks_oldest_first_across_the_year_boundary() {
    // 2026-W02 ← 2026-W01 ← 2025-W52 … 2025-W43 (2025 has 52 ISO weeks).
    let ms = [
        crit("2025-10-20T09:00:00Z", vec![]),
        crit("2026-01-05T09:00:00Z", vec![]),
    ];
    let r = report(&ms, "2026-W02", "2026-01-12T08:00:00Z");
    let weeks: Vec<String> = r.trend.iter().map(|e| e.week.to_string()).collect();
    let expected: Vec<String> = (43..=52)
        .map(|w| format!("2025-W{w}"))
        .chain(["2026-W01".to_string(), "2026-W02".to_string()])
        .collect();
    assert_eq!(weeks, expected);
    // 2025-10-20 is the Monday of 2025-W43 (09:00Z = 11:00 CEST); 2026-01-05 is W02's Monday.
    assert_eq!(
        (r.trend[0].criticism_found, r.trend[11].criticism_found),
        (1, 1)
    );
    assert_eq!(r.criticism.found, 1);
    // And 2027-W01's trend contains 2026-W53.
    let weeks = trend_weeks(week("2027-W01"));
    assert_eq!(weeks[10].to_string(), "2026-W53");
}

#[test]
fn open_criticism_by_age_is_cumulative_and_strict() {
    // As of 2026-11-24T07:00Z. Ages: 23 h, exactly 24 h, 25 h, 49 h, exactly 7 d, 8 d, and one
    // from June; plus an old no-reply-needed and an old praise mention that must not count.
    //   over_24h (> 24 h): 25 h, 49 h, 7 d, 8 d, June = 5
    //   over_48h (> 48 h): 49 h, 7 d, 8 d, June = 4
    //   over_7d  (> 7 d):  8 d, June = 2
    let as_of = t(W47_AS_OF);
    let aged = |h: i64| {
        let found = (as_of - Duration::hours(h)).to_rfc3339();
        crit(&found, vec![])
    };
    let mut ms = vec![
        aged(23),
        aged(24),
        aged(25),
        aged(49),
        aged(7 * 24),
        aged(8 * 24),
    ];
    ms.push(crit(
        "2026-06-01T09:00:00Z",
        vec![ev("2026-06-02T09:00:00Z", New, Snoozed)],
    ));
    ms.push(crit(
        "2026-06-01T09:00:00Z",
        vec![ev("2026-06-02T09:00:00Z", New, NoReplyNeeded)],
    ));
    let mut praise = aged(100);
    praise.sentiment = Sentiment::Praise;
    ms.push(praise);
    let r = weekly_report(&ms, week("2026-W47"), as_of, &ReportSettings::default());
    assert_eq!(
        r.open_criticism_by_age,
        OpenByAge {
            over_24h: 5,
            over_48h: 4,
            over_7d: 2
        }
    );
}

/// A small deterministic generator (no `rand` dependency in the domain tests).
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

/// Random mentions over ~16 weeks before as_of, with random event histories.
pub(super) fn generated(n: usize, seed: u64, as_of: DateTime<Utc>) -> Vec<MentionFacts> {
    let mut g = Lcg(seed);
    let sources = ["Flashback", "Trustpilot", "Blogg", "Intranät"];
    let brands = ["GoMonday", "Erik", "Monday App"];
    (0..n)
        .map(|_| {
            let found = as_of - Duration::seconds(g.next(16 * 7 * 86_400) as i64 + 1);
            let sentiment = match g.next(10) {
                0..=4 => Sentiment::Criticism,
                5..=7 => Sentiment::Praise,
                _ => Sentiment::Neutral,
            };
            let published =
                (g.next(3) > 0).then(|| found - Duration::seconds(g.next(7200) as i64 - 600));
            let mut events = Vec::new();
            let mut at = found;
            let mut status = New;
            for _ in 0..g.next(4) {
                at += Duration::seconds(g.next(5 * 86_400) as i64 + 1);
                let to = match g.next(4) {
                    0 => Replied,
                    1 => NoReplyNeeded,
                    2 => Snoozed,
                    _ => New,
                };
                events.push(EventFacts {
                    at,
                    from: status,
                    to,
                });
                status = to;
            }
            // Any order: reverse half of the histories.
            if g.next(2) == 0 {
                events.reverse();
            }
            let nb = g.next(3) as usize;
            MentionFacts {
                source: sources[g.next(4) as usize].to_string(),
                brands: (0..nb)
                    .map(|i| brands[(i + g.next(3) as usize) % 3].to_string())
                    .collect(),
                sentiment,
                found_at: found,
                published_at: published,
                events,
            }
        })
        .collect()
}

#[test]
fn brute_force_recomputation_agrees() {
    let as_of = t("2026-11-26T15:30:00Z");
    let settings = ReportSettings::default();
    let tz = settings.timezone;
    let w = week("2026-W47");
    let ms = generated(2000, 42, as_of);
    let r = weekly_report(&ms, w, as_of, &settings);

    // Naive versions: sort each history by time, replay it.
    let replay = |m: &MentionFacts| {
        let mut evs: Vec<&EventFacts> = m.events.iter().filter(|e| e.at <= as_of).collect();
        evs.sort_by_key(|e| e.at);
        let first_reply = evs.iter().find(|e| e.to == Replied).map(|e| e.at);
        let status = evs.last().map_or(New, |e| e.to);
        (first_reply, status)
    };
    let naive_pct = |v: &mut Vec<i64>, p: f64| {
        v.sort();
        if v.is_empty() {
            None
        } else {
            Some(v[((p / 100.0 * v.len() as f64).ceil() as usize).max(1) - 1])
        }
    };
    for (i, wk) in trend_weeks(w).iter().enumerate() {
        let (s, e) = (wk.start(tz), wk.end(tz));
        let cohort: Vec<&MentionFacts> = ms
            .iter()
            .filter(|m| m.sentiment == Sentiment::Criticism && m.found_at >= s && m.found_at < e)
            .collect();
        let mut replied = 0;
        let mut nrn = 0;
        let mut ttr = Vec::new();
        let mut before = 0;
        for m in &cohort {
            match replay(m) {
                (Some(at), _) => {
                    replied += 1;
                    if at < m.found_at {
                        before += 1;
                    } else {
                        ttr.push((at - m.found_at).num_seconds());
                    }
                }
                (None, NoReplyNeeded) => nrn += 1,
                _ => {}
            }
        }
        let tw = &r.trend[i];
        assert_eq!(tw.week, *wk);
        assert_eq!(tw.criticism_found, cohort.len() as u64, "{wk}");
        assert_eq!(tw.replied_within_sla + tw.replied_late, replied, "{wk}");
        assert_eq!(tw.no_reply_needed, nrn, "{wk}");
        assert_eq!(tw.open, cohort.len() as u64 - replied - nrn, "{wk}");
        if i == TREND_WEEKS - 1 {
            assert_eq!(r.criticism.replied_before_found, before, "{wk}");
        }
        assert_eq!(tw.time_to_reply_median_s, naive_pct(&mut ttr, 50.0), "{wk}");
        assert_eq!(tw.time_to_reply_p90_s, naive_pct(&mut ttr, 90.0), "{wk}");
    }
    assert!(
        r.criticism.found > 50,
        "the generator fills the report week"
    );

    let open_ages: Vec<Duration> = ms
        .iter()
        .filter(|m| m.sentiment == Sentiment::Criticism && m.found_at <= as_of)
        .filter(|m| matches!(replay(m).1, New | Snoozed))
        // The inbox's clock: the post's time where known, never after found_at.
        .map(|m| as_of - m.published_at.unwrap_or(m.found_at).min(m.found_at))
        .collect();
    let count = |d: Duration| open_ages.iter().filter(|a| **a > d).count() as u64;
    assert_eq!(
        r.open_criticism_by_age,
        OpenByAge {
            over_24h: count(Duration::hours(24)),
            over_48h: count(Duration::hours(48)),
            over_7d: count(Duration::days(7)),
        }
    );

    // Brand rows: a brute-force count per brand.
    for row in &r.by_brand {
        let n = ms
            .iter()
            .filter(|m| m.sentiment == Sentiment::Criticism)
            .filter(|m| m.found_at >= w.start(tz) && m.found_at < w.end(tz))
            .filter(|m| m.brands.contains(&row.brand))
            .count() as u64;
        assert_eq!(row.criticism.found, n, "{}", row.brand);
    }
}

#[test]
fn extra_mentions_and_event_order_do_not_change_the_result() {
    let as_of = t("2026-11-26T15:30:00Z");
    let w = week("2026-W47");
    let settings = ReportSettings::default();
    let ms = generated(500, 7, as_of);
    let base = weekly_report(&ms, w, as_of, &settings);

    // Mentions the caller need not load: closed criticism from before the window, anything found
    // after as_of, and old praise.
    let mut more = ms.clone();
    more.push(crit(
        "2025-01-01T00:00:00Z",
        vec![ev("2025-01-02T00:00:00Z", New, Replied)],
    ));
    more.push(crit("2026-11-27T00:00:00Z", vec![]));
    let mut old_praise = crit("2025-03-01T00:00:00Z", vec![]);
    old_praise.sentiment = Sentiment::Praise;
    more.push(old_praise);
    assert_eq!(weekly_report(&more, w, as_of, &settings), base);

    // Reversing every history (times are distinct) and the mention order changes nothing.
    let mut shuffled = ms.clone();
    shuffled.reverse();
    for m in &mut shuffled {
        m.events.reverse();
    }
    assert_eq!(weekly_report(&shuffled, w, as_of, &settings), base);
}

#[test]
fn as_of_with_fraction_and_a_non_default_zone() {
    let settings = ReportSettings {
        timezone: "America/New_York".parse().expect("zone"),
        sla: Duration::hours(4),
        working_hours: "Mon-Sun 00:00-24:00".parse().expect("hours"),
    };
    let r = weekly_report(
        &[],
        week("2026-W47"),
        t("2026-11-24T07:00:00.250Z"),
        &settings,
    );
    let v = to_json(&r);
    assert_eq!(v["as_of"], "2026-11-24T07:00:00.250Z");
    assert_eq!(v["timezone"], "America/New_York");
    assert_eq!(v["sla_s"], 14_400);
}
