//! The mention lifecycle (PRODUCT §5): statuses, the transitions allowed between them, and why a
//! transition is refused. Pure: the store applies what this module allows and records it as an event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a mention stands in the leader's inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Snoozed,
    Replied,
    NoReplyNeeded,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::New,
        Status::Snoozed,
        Status::Replied,
        Status::NoReplyNeeded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Snoozed => "snoozed",
            Status::Replied => "replied",
            Status::NoReplyNeeded => "no_reply_needed",
        }
    }

    /// Open mentions are the ones still waiting for the leader.
    pub fn is_open(self) -> bool {
        matches!(self, Status::New | Status::Snoozed)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown status '{s}' (expected one of: new, snoozed, replied, no_reply_needed)"
                )
            })
    }
}

/// A mention's time on the inbox's clock: when the post was written where the source says so
/// (never later than `found_at`: a later post time is clock skew), else when Lyssna found it. The
/// inbox orders by it and shows it, and the report ages open criticism by it.
pub fn posted_at(published_at: Option<DateTime<Utc>>, found_at: DateTime<Utc>) -> DateTime<Utc> {
    published_at.map_or(found_at, |p| p.min(found_at))
}

/// Why no reply is needed. `other` carries its free text in the event's note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoReplyReason {
    NotAboutUs,
    Spam,
    HandledElsewhere,
    PraiseAcknowledged,
    Other,
}

impl NoReplyReason {
    pub const ALL: [NoReplyReason; 5] = [
        NoReplyReason::NotAboutUs,
        NoReplyReason::Spam,
        NoReplyReason::HandledElsewhere,
        NoReplyReason::PraiseAcknowledged,
        NoReplyReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoReplyReason::NotAboutUs => "not_about_us",
            NoReplyReason::Spam => "spam",
            NoReplyReason::HandledElsewhere => "handled_elsewhere",
            NoReplyReason::PraiseAcknowledged => "praise_acknowledged",
            NoReplyReason::Other => "other",
        }
    }
}

impl FromStr for NoReplyReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NoReplyReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown reason '{s}' (expected one of: not_about_us, spam, handled_elsewhere, praise_acknowledged, other)"
                )
            })
    }
}

/// Why Lyssna wrote an event itself: the `reason` of events that are not the leader's no-reply
/// reasons. Stored as these words; pages show them translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventReason {
    Found,
    AddedByHand,
    Reopen,
    SnoozeEnded,
    Undo,
    Override,
    OverrideCleared,
    Edited,
}

impl EventReason {
    pub const ALL: [EventReason; 8] = [
        EventReason::Found,
        EventReason::AddedByHand,
        EventReason::Reopen,
        EventReason::SnoozeEnded,
        EventReason::Undo,
        EventReason::Override,
        EventReason::OverrideCleared,
        EventReason::Edited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventReason::Found => "found",
            EventReason::AddedByHand => "added by hand",
            EventReason::Reopen => "reopen",
            EventReason::SnoozeEnded => "snooze ended",
            EventReason::Undo => "undo",
            EventReason::Override => "override",
            EventReason::OverrideCleared => "override cleared",
            EventReason::Edited => "the post was edited",
        }
    }

    pub fn parse(s: &str) -> Option<EventReason> {
        EventReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The notes Lyssna writes on the changes it makes itself, in one place: written in English in the
/// event, read back here so that a page can say the same in its own language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SystemNote {
    /// One of the leader's identities posted a reply in the thread.
    ReplyDetected { handle: String },
    /// The mention's author posted again after the reply.
    FollowUp { author: String },
}

impl SystemNote {
    const REPLY: (&'static str, &'static str) = ("reply by ", " detected in the thread");
    const FOLLOW_UP: &'static str = " posted again in the thread after the reply";

    pub fn text(&self) -> String {
        match self {
            SystemNote::ReplyDetected { handle } => {
                format!("{}{handle}{}", Self::REPLY.0, Self::REPLY.1)
            }
            SystemNote::FollowUp { author } => format!("{author}{}", Self::FOLLOW_UP),
        }
    }

    pub fn parse(note: &str) -> Option<SystemNote> {
        if let Some(handle) = note
            .strip_prefix(Self::REPLY.0)
            .and_then(|r| r.strip_suffix(Self::REPLY.1))
        {
            return Some(SystemNote::ReplyDetected {
                handle: handle.to_string(),
            });
        }
        note.strip_suffix(Self::FOLLOW_UP)
            .map(|author| SystemNote::FollowUp {
                author: author.to_string(),
            })
    }
}

/// What an event records: a lifecycle transition, a sentiment override, or an edit of the post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    #[default]
    Status,
    Sentiment,
    Edit,
    /// The leader confirmed that a mention is about the brand (`to` = `about_us`): a label for
    /// the brand's relevance model, and the end of its being held back.
    Relevance,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::Status,
        EventKind::Sentiment,
        EventKind::Edit,
        EventKind::Relevance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Status => "status",
            EventKind::Sentiment => "sentiment",
            EventKind::Edit => "edit",
            EventKind::Relevance => "relevance",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("unknown event kind '{s}' (status, sentiment, edit or relevance)")
            })
    }
}

/// What someone (the leader, or Lyssna itself) wants to do to a mention.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Replied on the site. `at` is when the reply was written (defaults to now in callers).
    Replied {
        at: DateTime<Utc>,
        reply_url: Option<String>,
        note: Option<String>,
    },
    NoReplyNeeded {
        reason: NoReplyReason,
        note: Option<String>,
    },
    Snooze {
        until: DateTime<Utc>,
    },
    /// Back to the inbox: the leader's "reopen", or a follow-up by the original author.
    Reopen {
        note: Option<String>,
    },
    /// A snooze ran out (the scheduler's doing).
    Wake,
}

impl Action {
    pub fn target(&self) -> Status {
        match self {
            Action::Replied { .. } => Status::Replied,
            Action::NoReplyNeeded { .. } => Status::NoReplyNeeded,
            Action::Snooze { .. } => Status::Snoozed,
            Action::Reopen { .. } | Action::Wake => Status::New,
        }
    }
}

/// A refused transition, in words the leader can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("a mention that is {from} cannot become {to}{hint}")]
    NotAllowed {
        from: Status,
        to: Status,
        hint: &'static str,
    },
    #[error("snooze needs a time in the future (got {until}, now is {now})")]
    SnoozeInPast {
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    #[error("reason 'other' needs a note saying why no reply is needed")]
    OtherNeedsNote,
}

/// Checks `action` against the lifecycle table of PRODUCT §5 and returns the new status. Beyond the
/// table, a snoozed mention may be snoozed again with another date (the leader changed their mind).
pub fn apply(
    current: Status,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Status, TransitionError> {
    use Status::*;
    let to = action.target();
    let allowed = match action {
        Action::Replied { .. } | Action::NoReplyNeeded { .. } => matches!(current, New | Snoozed),
        // A snoozed mention may be snoozed again: that changes its date.
        Action::Snooze { .. } => matches!(current, New | Snoozed),
        Action::Reopen { .. } => matches!(current, Replied | NoReplyNeeded),
        Action::Wake => current == Snoozed,
    };
    if !allowed {
        let hint = match (current, to) {
            (Replied | NoReplyNeeded, Replied | NoReplyNeeded | Snoozed) => " (reopen it first)",
            (New | Snoozed, New) => " (it is already in the inbox)",
            _ => "",
        };
        return Err(TransitionError::NotAllowed {
            from: current,
            to,
            hint,
        });
    }
    match action {
        Action::Snooze { until } if *until <= now => {
            Err(TransitionError::SnoozeInPast { until: *until, now })
        }
        Action::NoReplyNeeded {
            reason: NoReplyReason::Other,
            note,
        } if note.as_deref().is_none_or(|n| n.trim().is_empty()) => {
            Err(TransitionError::OtherNeedsNote)
        }
        _ => Ok(to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap()
    }

    fn replied() -> Action {
        Action::Replied {
            at: now(),
            reply_url: None,
            note: None,
        }
    }

    #[test]
    fn the_lifecycle_table_is_exactly_product_5() {
        let later = now() + chrono::Duration::days(1);
        let actions = [
            replied(),
            Action::NoReplyNeeded {
                reason: NoReplyReason::Spam,
                note: None,
            },
            Action::Snooze { until: later },
            Action::Reopen { note: None },
            Action::Wake,
        ];
        let mut allowed = Vec::new();
        for from in Status::ALL {
            for a in &actions {
                if let Ok(to) = apply(from, a, now()) {
                    allowed.push((from.as_str(), to.as_str()));
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                ("new", "replied"),
                ("new", "no_reply_needed"),
                ("new", "snoozed"),
                ("snoozed", "replied"),
                ("snoozed", "no_reply_needed"),
                // A new date for a snooze.
                ("snoozed", "snoozed"),
                ("snoozed", "new"),
                ("replied", "new"),
                ("no_reply_needed", "new"),
            ]
        );
    }

    #[test]
    fn refusals_say_what_to_do() {
        let err = apply(Status::Replied, &replied(), now()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a mention that is replied cannot become replied (reopen it first)"
        );
        let err = apply(Status::New, &Action::Snooze { until: now() }, now()).unwrap_err();
        assert!(matches!(err, TransitionError::SnoozeInPast { .. }));
        let other = Action::NoReplyNeeded {
            reason: NoReplyReason::Other,
            note: Some("  ".into()),
        };
        assert_eq!(
            apply(Status::New, &other, now()),
            Err(TransitionError::OtherNeedsNote)
        );
    }

    #[test]
    fn system_notes_and_reasons_read_back() {
        for n in [
            SystemNote::ReplyDetected {
                handle: "ErikA".into(),
            },
            SystemNote::FollowUp {
                author: "Kassa Kalle".into(),
            },
        ] {
            assert_eq!(SystemNote::parse(&n.text()), Some(n));
        }
        assert_eq!(SystemNote::parse("svarade i tråden"), None);
        for r in EventReason::ALL {
            assert_eq!(EventReason::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for r in NoReplyReason::ALL {
            assert_eq!(r.as_str().parse::<NoReplyReason>().unwrap(), r);
        }
        assert!("open".parse::<Status>().is_err());
    }
}
