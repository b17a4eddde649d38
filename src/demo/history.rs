//! Twelve weeks of generated history for the demo, so that the weekly report shows trends on the
//! first start: mentions found on the sample sites week by week, most criticism answered (faster as
//! the weeks go by), some late, a few answered before Lyssna saw them, a few dismissed with a
//! reason, follow-ups that reopened a mention, and two that were missed and still wait.
//!
//! Deterministic: the same posts every time (a fixed seed), placed relative to the moment the demo
//! starts. Every post is served by the sample sites at `/archive/{n}`, so its original opens there.

use crate::domain::mention::{NoReplyReason, Status, SystemNote};
use crate::domain::query::MatchedBrand;
use crate::domain::sentiment::Label;
use crate::domain::transfer::{ExportEvent, ExportLine};
use chrono::{DateTime, Duration, Utc};

use crate::store::{FOLLOW_UP_ACTOR as FOLLOW_UP, REPLY_DETECTION_ACTOR as REPLY_DETECTION};

/// The demo's login, who answers in the history.
const LEADER: &str = super::DEMO_USER.0;
const WEEKS: i64 = 12;

/// One archived post: where it was written and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchivedPost {
    pub n: usize,
    pub source: &'static str,
    pub author: &'static str,
    pub title: &'static str,
    pub text: &'static str,
    pub brand: &'static str,
    pub sentiment: Label,
    /// The leader answered it on the site.
    pub answered: bool,
}

const CRITICISM: &[(&str, &str, &str)] = &[
    (
        "GoMonday",
        "Fakturan igen",
        "Tredje månaden i rad som GoMonday skickar fakturan två gånger. Hur svårt kan det vara?",
    ),
    (
        "GoMonday",
        "Väntar på svar",
        "Mejlade GoMonday för en vecka sedan om en felaktig avgift och har inte hört ett ljud.",
    ),
    (
        "MondayPay",
        "Appen loggar ut",
        "MondayPay loggar ut mig hela tiden sedan uppdateringen. Väldigt irriterande när man ska betala.",
    ),
    (
        "GoMonday",
        "Support",
        "GoMonday support closed my ticket without answering the question. Not great.",
    ),
    (
        "MondayPay",
        "Betalning fastnade",
        "En betalning i MondayPay har stått som 'behandlas' i fyra dagar. Ingen kan säga varför.",
    ),
    (
        "GoMonday",
        "Dolda avgifter",
        "Upptäckte en avgift hos GoMonday som inte stod någonstans när jag tecknade mig. Inte okej.",
    ),
    (
        "Erik Andersson",
        "Vd:n lovade",
        "Erik Andersson lovade i tråden att det skulle fixas, men inget har hänt på två veckor.",
    ),
    (
        "MondayPay",
        "Slow app",
        "MondayPay takes forever to load on my phone, about 20 seconds every time.",
    ),
    (
        "GoMonday",
        "Uppsägning",
        "Försökte säga upp mitt GoMonday-avtal, fick vänta 45 minuter i telefonkön.",
    ),
    (
        "GoMonday",
        "Wrong amount",
        "GoMonday charged me the wrong amount and the refund still hasn't arrived.",
    ),
    (
        "MondayPay",
        "Inloggning med BankID",
        "BankID-inloggningen i MondayPay misslyckas varannan gång. Dåligt.",
    ),
    (
        "GoMonday",
        "Ingen återkoppling",
        "Har ringt GoMonday tre gånger om samma ärende. Ingen ringer tillbaka som utlovat.",
    ),
];

const PRAISE: &[(&str, &str, &str)] = &[
    (
        "GoMonday",
        "Snabb hjälp",
        "GoMonday löste mitt problem på tio minuter i chatten. Toppen!",
    ),
    (
        "MondayPay",
        "Bästa appen",
        "MondayPay är den smidigaste betalappen jag har använt. Rekommenderas.",
    ),
    (
        "Erik Andersson",
        "Personligt svar",
        "Fick ett personligt svar från Erik Andersson själv. Sådant imponerar.",
    ),
    (
        "GoMonday",
        "Great onboarding",
        "Onboarding at GoMonday was painless, the team was friendly and quick.",
    ),
    (
        "MondayPay",
        "Ny funktion",
        "Den nya översikten i MondayPay är precis vad jag saknade. Tack!",
    ),
    (
        "GoMonday",
        "Fair refund",
        "GoMonday refunded a double charge the same day without any fuss.",
    ),
];

const NEUTRAL: &[(&str, &str, &str)] = &[
    (
        "GoMonday",
        "Fråga om avtal",
        "Vet någon om GoMonday har bindningstid på företagsavtalen?",
    ),
    (
        "MondayPay",
        "Export",
        "Is there a way to export MondayPay transactions to Fortnox?",
    ),
    (
        "GoMonday",
        "Nytt kontor",
        "GoMonday har tydligen öppnat kontor i Göteborg.",
    ),
];

const AUTHORS: &[&str] = &[
    "Kalle_K", "Lina", "Per-Erik", "Mona", "jonas_s", "Ahmed", "Eva B.", "Tobbe", "Sanna",
    "Mike R.", "Ingrid", "Robin", "Fatima", "Olle", "Hanna L.",
];

/// A small deterministic generator (xorshift64*): the demo needs variety, not randomness.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A float in `[lo, hi)`.
    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }
}

/// What happened to one generated mention.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// Answered `hours` after Lyssna found it; detected in the thread or marked by hand.
    Replied {
        hours: f64,
        detected: bool,
    },
    /// Answered before the first crawl found the post.
    RepliedBeforeFound,
    /// Answered, the author wrote again, answered again.
    FollowUp {
        hours: f64,
    },
    NoReply(NoReplyReason),
    /// Never answered: still in the inbox.
    Missed,
    /// Neutral talk nobody needs to answer, left as found and then dismissed.
    Dismissed,
}

/// One generated mention before it becomes an export line.
struct Planned {
    post: ArchivedPost,
    days_ago: f64,
    fate: Fate,
}

/// Sources of the demo, by the kind of site a post belongs to.
fn source_for(i: usize) -> &'static str {
    [
        super::FORUM_SOURCE,
        super::REVIEWS_SOURCE,
        super::COMMENTS_SOURCE,
        super::FORUM_SOURCE,
        super::DEV_SOURCE,
    ][i % 5]
}

fn plan() -> Vec<Planned> {
    let mut dice = Dice(0x4C59_5353_4E41_2026);
    let mut out = Vec::new();
    let mut n = 0;
    for week in 0..WEEKS {
        // The oldest week is 12 weeks back; answers get faster week by week.
        let base_hours = 40.0 - 3.0 * week as f64;
        let criticism = 3 + dice.below(3) as usize;
        let praise = 2 + dice.below(2) as usize;
        let neutral = dice.below(2) as usize;
        let kinds = (0..criticism)
            .map(|i| (Label::Criticism, i))
            .chain((0..praise).map(|i| (Label::Praise, i)))
            .chain((0..neutral).map(|i| (Label::Neutral, i)));
        for (label, i) in kinds {
            n += 1;
            let pool = match label {
                Label::Criticism => CRITICISM,
                Label::Praise => PRAISE,
                Label::Neutral => NEUTRAL,
            };
            let (brand, title, text) = pool[dice.below(pool.len() as u64) as usize];
            // Days back from the demo's start: this week's slot, never the last two days (the live
            // sample sites speak for those).
            let days_ago = ((WEEKS - week) * 7) as f64 - dice.between(0.0, 6.5);
            let fate = fate(label, week, i, base_hours, &mut dice);
            out.push(Planned {
                post: ArchivedPost {
                    n,
                    source: source_for(n),
                    author: AUTHORS[dice.below(AUTHORS.len() as u64) as usize],
                    title,
                    text,
                    brand,
                    sentiment: label,
                    answered: matches!(
                        fate,
                        Fate::Replied { .. } | Fate::RepliedBeforeFound | Fate::FollowUp { .. }
                    ),
                },
                days_ago: days_ago.max(2.5),
                fate,
            });
        }
    }
    out
}

/// What becomes of the `i`-th mention of its kind in `week` (0 = the oldest).
fn fate(label: Label, week: i64, i: usize, base_hours: f64, dice: &mut Dice) -> Fate {
    match label {
        Label::Criticism => match (week, i) {
            // Two missed two and three weeks ago: the report's "open older than 7 days".
            (9, 0) | (10, 1) => Fate::Missed,
            (3, 1) | (7, 0) => Fate::RepliedBeforeFound,
            (2, 2) | (6, 1) | (10, 0) => Fate::FollowUp {
                hours: base_hours * dice.between(0.3, 1.2),
            },
            (w, 2) if w % 4 == 1 => Fate::NoReply(NoReplyReason::HandledElsewhere),
            (w, 1) if w % 5 == 3 => Fate::NoReply(NoReplyReason::Spam),
            _ => Fate::Replied {
                hours: base_hours * dice.between(0.2, 1.8),
                detected: dice.below(3) == 0,
            },
        },
        Label::Praise => match dice.below(3) {
            0 => Fate::NoReply(NoReplyReason::PraiseAcknowledged),
            _ => Fate::Replied {
                hours: dice.between(1.0, 30.0),
                detected: false,
            },
        },
        Label::Neutral => Fate::Dismissed,
    }
}

/// Every archived post, for the sample sites to serve.
pub fn posts() -> Vec<ArchivedPost> {
    plan().into_iter().map(|p| p.post).collect()
}

/// The id a generated mention has: fixed, so that a restarted demo sees it is already there.
pub fn mention_id(n: usize) -> String {
    format!("m_demo_h{n:03}")
}

fn event(at: DateTime<Utc>, actor: &str, from: Status, to: Status) -> ExportEvent {
    ExportEvent::status(at, actor, Some(from), to)
}

/// The history's events after the `found` one, and the status they end in.
fn events_for(
    fate: Fate,
    p: &ArchivedPost,
    found: DateTime<Utc>,
    published: DateTime<Utc>,
    url: &str,
) -> (Vec<ExportEvent>, Status) {
    let hours = |h: f64| Duration::minutes((h * 60.0) as i64);
    let reply = |at: DateTime<Utc>, detected: bool| {
        let mut e = event(
            at,
            if detected { REPLY_DETECTION } else { LEADER },
            Status::New,
            Status::Replied,
        );
        e.reply_url = Some(format!("{url}#svar"));
        if detected {
            e.note = Some(
                SystemNote::ReplyDetected {
                    handle: super::content::LEADER_HANDLE.to_string(),
                }
                .text(),
            );
        }
        e
    };
    match fate {
        Fate::Replied { hours: h, detected } => {
            (vec![reply(found + hours(h), detected)], Status::Replied)
        }
        Fate::RepliedBeforeFound => {
            let mut e = reply(published + hours(1.0), true);
            // Lyssna found it later and saw the reply on that same crawl.
            e.recorded_at = Some(found);
            (vec![e], Status::Replied)
        }
        Fate::FollowUp { hours: h } => {
            let first = found + hours(h);
            let again = first + hours(20.0);
            let mut reopen = event(again, FOLLOW_UP, Status::Replied, Status::New);
            reopen.reason = Some(crate::domain::mention::EventReason::Reopen.as_str().into());
            reopen.note = Some(
                SystemNote::FollowUp {
                    author: p.author.to_string(),
                }
                .text(),
            );
            (
                vec![
                    reply(first, false),
                    reopen,
                    reply(again + hours(3.0), false),
                ],
                Status::Replied,
            )
        }
        Fate::NoReply(reason) => {
            let mut e = event(
                found + hours(2.0),
                LEADER,
                Status::New,
                Status::NoReplyNeeded,
            );
            e.reason = Some(reason.as_str().into());
            (vec![e], Status::NoReplyNeeded)
        }
        Fate::Dismissed => {
            let mut e = event(
                found + hours(5.0),
                LEADER,
                Status::New,
                Status::NoReplyNeeded,
            );
            e.reason = Some(NoReplyReason::HandledElsewhere.as_str().into());
            (vec![e], Status::NoReplyNeeded)
        }
        Fate::Missed => (Vec::new(), Status::New),
    }
}

/// The generated history as export lines, for the sample sites at `base`, relative to `now`.
pub fn lines(base: &str, now: DateTime<Utc>) -> Vec<ExportLine> {
    let mut dice = Dice(0x5245_504C_4945_4421);
    plan()
        .into_iter()
        .map(
            |Planned {
                 post: p,
                 days_ago,
                 fate,
             }| {
                let published = now - Duration::minutes((days_ago * 1440.0) as i64);
                // Lyssna finds a post 5 minutes to 5 hours after it was written; one answered before
                // Lyssna saw it was found 3 to 5 hours late (a first crawl).
                let latency = match fate {
                    Fate::RepliedBeforeFound => 180 + dice.below(120) as i64,
                    _ => 5 + dice.below(295) as i64,
                };
                let found = published + Duration::minutes(latency);
                let url = format!("{base}/archive/{}", p.n);
                let mut found_event =
                    ExportEvent::status(found, crate::store::SYSTEM_ACTOR, None, Status::New);
                found_event.reason =
                    Some(crate::domain::mention::EventReason::Found.as_str().into());
                let (rest, status) = events_for(fate, &p, found, published, &url);
                let mut events = vec![found_event];
                events.extend(rest);
                let start = p.text.find(p.brand).unwrap_or(0);
                ExportLine {
                    id: Some(mention_id(p.n)),
                    source: p.source.to_string(),
                    url: Some(url),
                    thread_url: None,
                    title: Some(p.title.to_string()),
                    body: p.text.to_string(),
                    author: Some(p.author.to_string()),
                    published_at: Some(published),
                    found_at: found,
                    brands: vec![p.brand.to_string()],
                    sentiment: p.sentiment,
                    sentiment_override: None,
                    status,
                    events,
                    rating: None,
                    rating_scale: None,
                    lang: None,
                    sentiment_score: None,
                    sentiment_reasons: None,
                    matches: Some(vec![MatchedBrand {
                        brand: p.brand.to_string(),
                        spans: vec![crate::domain::query::Span {
                            field: crate::domain::query::Field::Body,
                            start,
                            end: start + p.brand.len(),
                        }],
                        explanation: format!("{} in body", p.brand.to_lowercase()),
                        ..Default::default()
                    }]),
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn twelve_weeks_of_every_kind_of_outcome() {
        let now = Utc::now();
        let lines = lines("http://127.0.0.1:8081", now);
        let text: String = lines
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect();
        // The lines pass import's own checks (events chain, statuses agree).
        let parsed =
            crate::domain::transfer::parse_import(&text).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(parsed.len(), lines.len());
        let weeks: HashSet<i64> = lines
            .iter()
            .map(|l| (now - l.found_at).num_weeks())
            .collect();
        assert!(weeks.len() >= 12, "{weeks:?}");
        assert!(lines.iter().all(|l| now - l.found_at > Duration::days(2)));
        let missed = lines.iter().filter(|l| l.status == Status::New).count();
        assert_eq!(missed, 2, "two missed, still waiting");
        let before_found = lines
            .iter()
            .filter(|l| {
                l.events
                    .iter()
                    .any(|e| e.to.as_deref() == Some("replied") && e.at < l.found_at)
            })
            .count();
        assert!(before_found >= 1);
        let follow_ups = lines
            .iter()
            .filter(|l| l.events.iter().any(|e| e.actor == FOLLOW_UP))
            .count();
        assert!(follow_ups >= 2);
        // Every original is on the sample sites, and the same posts are served there.
        assert!(lines.iter().all(|l| {
            l.url
                .as_deref()
                .unwrap()
                .starts_with("http://127.0.0.1:8081/archive/")
        }));
        assert_eq!(posts().len(), lines.len());
        // Deterministic.
        assert_eq!(posts(), posts());
    }
}
