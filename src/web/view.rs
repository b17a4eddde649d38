//! Turning stored values into what a page shows: escaped text with the brand highlighted (from the
//! stored byte spans), links only for http(s), times in the leader's time zone.

use crate::domain::mention::{EventKind, Status};
use crate::domain::query::{Field, MatchedBrand};
use crate::store::{EventRecord, FOLLOW_UP_ACTOR, MentionRecord, REPLY_DETECTION_ACTOR};
use crate::web::i18n::{Lang, relative, short_time};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub use crate::render::escape::escape;

/// The link target for a stored URL, only when it is http or https (never `javascript:`, `data:`…).
pub fn safe_href(u: Option<&str>) -> Option<String> {
    let parsed = url::Url::parse(u?.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// Spans that fit `text` and fall on char boundaries, sorted and merged.
fn valid_spans(text: &str, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut v: Vec<(usize, usize)> = spans
        .iter()
        .copied()
        .filter(|&(a, b)| {
            a < b && b <= text.len() && text.is_char_boundary(a) && text.is_char_boundary(b)
        })
        .collect();
    v.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(v.len());
    for (a, b) in v {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// `text[from..to]` escaped, with the spans inside it wrapped in `<mark>`.
fn highlight_range(text: &str, spans: &[(usize, usize)], from: usize, to: usize) -> String {
    let mut out = String::new();
    let mut pos = from;
    for &(a, b) in spans {
        let (a, b) = (a.max(from), b.min(to));
        if a >= b || a < pos {
            continue;
        }
        out.push_str(&escape(&text[pos..a]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[a..b]));
        out.push_str("</mark>");
        pos = b;
    }
    if pos < to {
        out.push_str(&escape(&text[pos..to]));
    }
    out
}

/// The whole text, escaped, with the matches marked. Safe to insert as HTML.
pub fn highlight(text: &str, spans: &[(usize, usize)]) -> String {
    let spans = valid_spans(text, spans);
    highlight_range(text, &spans, 0, text.len())
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// About `width` bytes of `text` around its first match, escaped, matches marked, with ellipses.
pub fn snippet(text: &str, spans: &[(usize, usize)], width: usize) -> String {
    let spans = valid_spans(text, spans);
    let centre = spans.first().map(|s| s.0).unwrap_or(0);
    let start = floor_boundary(text, centre.saturating_sub(width / 3));
    let end = ceil_boundary(text, start + width);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&highlight_range(text, &spans, start, end));
    if end < text.len() {
        out.push('…');
    }
    out
}

/// A time for display: relative text and the absolute local time (for the hover title).
#[derive(Debug, Clone)]
pub struct When {
    pub relative: String,
    pub absolute: String,
    pub iso: String,
}

pub fn when(t: DateTime<Utc>, now: DateTime<Utc>, tz: Tz, lang: Lang) -> When {
    When {
        relative: relative((now - t).num_seconds(), lang),
        absolute: t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string(),
        iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// A row's flags: what the leader should know before opening it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowFlags {
    /// Lyssna marked it replied because it saw the leader's reply in the thread.
    pub reply_detected: bool,
    /// Back in the inbox because its author wrote again after the reply.
    pub follow_up: bool,
    /// Still open, and the leader posted in its thread after it without answering anyone in
    /// particular: perhaps answered, perhaps not.
    pub posted_after: bool,
}

impl RowFlags {
    /// From a mention's events (oldest first): the latest status change still in force says how it
    /// got where it is.
    pub fn of(status: Status, events: &[EventRecord]) -> RowFlags {
        let undone: std::collections::HashSet<i64> =
            events.iter().filter_map(|e| e.undoes).collect();
        let last = events
            .iter()
            .rev()
            .find(|e| e.kind == EventKind::Status && e.undoes.is_none() && !undone.contains(&e.id));
        let by = |actor: &str| last.is_some_and(|e| e.actor == actor);
        RowFlags {
            reply_detected: status == Status::Replied && by(REPLY_DETECTION_ACTOR),
            follow_up: status == Status::New && by(FOLLOW_UP_ACTOR),
            posted_after: false,
        }
    }

    /// [`RowFlags::of`] for a stored mention, with what its thread says.
    pub fn of_mention(m: &MentionRecord, events: &[EventRecord]) -> RowFlags {
        RowFlags {
            posted_after: m.status.is_open() && m.leader_posted_at.is_some(),
            ..RowFlags::of(m.status, events)
        }
    }
}

/// One mention in a list (the inbox, and any other view of mentions): `templates/row.html`.
#[derive(Debug, Clone)]
pub struct RowView {
    pub id: String,
    pub source: String,
    pub author: String,
    pub title: String,
    /// Escaped HTML with `<mark>`s.
    pub snippet: String,
    pub href: Option<String>,
    pub sentiment: String,
    pub status: String,
    /// New or snoozed: still waiting for the leader.
    pub open: bool,
    /// On the inbox's clock: the post's time where known, else when Lyssna found it (the order).
    pub posted: When,
    pub brands: String,
    /// "tors 26 nov 08:00" for a snoozed mention.
    pub snoozed_until: Option<String>,
    pub flags: RowFlags,
    /// Why it is a mention without naming the brand: "on a page about GoMonday".
    pub context: Option<String>,
    /// Held back as probably not about us, with the score: the row offers "about us".
    pub held: Option<String>,
}

impl RowView {
    pub fn new(
        m: &MentionRecord,
        events: &[EventRecord],
        now: DateTime<Utc>,
        tz: Tz,
        lang: Lang,
    ) -> RowView {
        let body_spans = MatchedBrand::spans_in(&m.matches, Field::Body);
        let title = m.title.clone().unwrap_or_default();
        let snippet = if body_spans.is_empty() && !title.is_empty() {
            let t = highlight(&title, &MatchedBrand::spans_in(&m.matches, Field::Title));
            format!("{t} — {}", snippet(&m.body, &[], 220))
        } else {
            snippet(&m.body, &body_spans, 220)
        };
        RowView {
            id: m.id.clone(),
            source: m.source.clone(),
            author: m.author.clone().unwrap_or_default(),
            title,
            snippet,
            href: safe_href(m.url.as_deref()),
            sentiment: m.effective_sentiment().to_string(),
            status: m.status.as_str().to_string(),
            open: m.status.is_open(),
            posted: when(posted_at(m), now, tz, lang),
            brands: m.brands.join(", "),
            snoozed_until: m
                .snoozed_until
                .filter(|_| m.status == Status::Snoozed)
                .map(|u| short_time(u, tz, lang)),
            flags: RowFlags::of_mention(m, events),
            context: m
                .matches
                .iter()
                .find(|x| x.context.is_some())
                .map(|x| crate::web::i18n::match_explanation(&x.explanation, lang)),
            held: crate::domain::candidate::held_back(&m.matches).then(|| {
                m.matches
                    .iter()
                    .filter_map(|x| x.relevance)
                    .fold(0.0_f64, f64::max)
                    .to_string()
            }),
        }
    }
}

/// The inbox's clock for one mention.
pub fn posted_at(m: &MentionRecord) -> DateTime<Utc> {
    m.posted_at()
}

/// One choice of the snooze picker: the value a form sends (`until`) and its label.
#[derive(Debug, Clone)]
pub struct SnoozeChoice {
    pub value: String,
    pub label: String,
}

/// The snooze presets at `now` in the configured time zone, labelled in `lang` ("Tomorrow morning ·
/// Thu 26 Nov 08:00"). The same list serves the dialog and the forms that work without script.
pub fn snooze_choices(now: DateTime<Utc>, tz: Tz, lang: Lang) -> Vec<SnoozeChoice> {
    let t = crate::web::i18n::Tr(lang);
    crate::domain::time::snooze_presets(now, tz)
        .into_iter()
        .map(|(preset, at)| SnoozeChoice {
            value: at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            label: format!("{} · {}", t.get(preset.as_str()), short_time(at, tz, lang)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_are_escaped_and_safe_on_char_boundaries() {
        let text = "Åsa: <b>GoMonday</b> är bäst";
        let a = text.find("GoMonday").unwrap();
        let h = highlight(text, &[(a, a + 8)]);
        assert_eq!(h, "Åsa: &lt;b&gt;<mark>GoMonday</mark>&lt;/b&gt; är bäst");
        // Offsets inside a multi-byte char, beyond the end, or reversed are ignored, not a panic.
        assert_eq!(highlight("åäö", &[(1, 2), (0, 99), (2, 1)]), "åäö");
        // Overlapping spans merge.
        assert_eq!(
            highlight("abcdef", &[(0, 3), (2, 5)]),
            "<mark>abcde</mark>f"
        );
    }

    #[test]
    fn snippets_cut_on_char_boundaries() {
        let text = "ö".repeat(300) + "GoMonday" + &"ä".repeat(300);
        let a = text.find("GoMonday").unwrap();
        let s = snippet(&text, &[(a, a + 8)], 100);
        assert!(s.starts_with('…') && s.ends_with('…'));
        assert!(s.contains("<mark>GoMonday</mark>"));
    }

    #[test]
    fn flags_say_how_a_mention_got_where_it_is() {
        let at = Utc::now();
        let ev = |id: i64, actor: &str, to: &str, undoes: Option<i64>| EventRecord {
            id,
            kind: EventKind::Status,
            at,
            recorded_at: at,
            actor: actor.into(),
            from: Some("new".into()),
            to: Some(to.into()),
            reason: None,
            note: None,
            reply_url: None,
            until: None,
            undoes,
        };
        let detected = [ev(1, REPLY_DETECTION_ACTOR, "replied", None)];
        assert!(RowFlags::of(Status::Replied, &detected).reply_detected);
        let by_hand = [ev(1, "erik", "replied", None)];
        assert_eq!(RowFlags::of(Status::Replied, &by_hand), RowFlags::default());
        let follow = [
            ev(1, "erik", "replied", None),
            ev(2, FOLLOW_UP_ACTOR, "new", None),
        ];
        assert!(RowFlags::of(Status::New, &follow).follow_up);
        // An undone follow-up is no follow-up.
        let undone = [
            ev(1, "erik", "replied", None),
            ev(2, FOLLOW_UP_ACTOR, "new", None),
            ev(3, "erik", "replied", Some(2)),
        ];
        assert_eq!(RowFlags::of(Status::Replied, &undone), RowFlags::default());
    }

    #[test]
    fn only_http_links() {
        assert_eq!(
            safe_href(Some("https://example.org/a?b=1")).as_deref(),
            Some("https://example.org/a?b=1")
        );
        assert_eq!(safe_href(Some("javascript:alert(1)")), None);
        assert_eq!(safe_href(Some(" JaVaScRiPt:alert(1)")), None);
        assert_eq!(safe_href(Some("data:text/html,x")), None);
        assert_eq!(safe_href(None), None);
    }
}
