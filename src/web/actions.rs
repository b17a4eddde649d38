//! The leader's actions as the dashboard forms and the API send them (PRODUCT §5, §10): the same fields
//! either way, checked here and applied through the store, which records every change as an event.

use crate::domain::mention::{Action, NoReplyReason, Status};
use crate::domain::sentiment::Label;
use crate::store::MentionRecord;
use crate::web::Web;
use crate::web::error::{WebError, WebResult};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

/// `{"status": …, "reply_url"?, "note"?, "replied_at"?, "reason"?, "until"?}`; empty strings count as
/// absent (an empty form field).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    pub status: String,
    #[serde(default)]
    pub reply_url: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub replied_at: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub until: Option<String>,
}

impl StatusInput {
    /// From form fields (other fields, like `csrf_token` and `back`, are ignored). A snooze comes as
    /// `until` (a preset button's instant, or a date) or as a picked `until_date` with its
    /// `until_time` (08:00 when left empty).
    pub fn from_form(fields: &[(String, String)]) -> StatusInput {
        let get = |k: &str| {
            fields
                .iter()
                .find(|(n, v)| n == k && !v.trim().is_empty())
                .map(|(_, v)| v.clone())
        };
        let until = get("until").or_else(|| {
            get("until_date").map(|d| match get("until_time") {
                Some(t) => format!("{}T{}", d.trim(), t.trim()),
                None => d,
            })
        });
        StatusInput {
            status: get("status").unwrap_or_default(),
            reply_url: get("reply_url"),
            note: get("note"),
            replied_at: get("replied_at"),
            reason: get("reason"),
            until,
        }
    }
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A time as the API (RFC 3339) or a form (`YYYY-MM-DDTHH:MM` or `YYYY-MM-DD`, local time in `tz`)
/// writes it; `field` names it in the message.
pub fn parse_time(s: &str, tz: Tz, field: &str) -> WebResult<DateTime<Utc>> {
    crate::domain::time::parse_user_time(s, tz)
        .map_err(|e| WebError::Invalid(format!("{field}: {e}")))
}

/// The action the input asks for, given the mention's current status. Bad input is 422; whether the
/// transition is allowed is the lifecycle's call (409).
pub fn to_action(
    input: &StatusInput,
    current: Status,
    now: DateTime<Utc>,
    tz: Tz,
) -> WebResult<Action> {
    let note = present(&input.note).map(str::to_string);
    let status: Status = input.status.trim().parse().map_err(WebError::Invalid)?;
    Ok(match status {
        Status::Replied => {
            let reply_url = match present(&input.reply_url) {
                Some(u) => Some(
                    crate::web::view::safe_href(Some(u))
                        .map(|_| u.to_string())
                        .ok_or_else(|| {
                            WebError::Invalid(format!("reply_url: '{u}' is not an http(s) URL"))
                        })?,
                ),
                None => None,
            };
            let at = match present(&input.replied_at) {
                Some(s) => parse_time(s, tz, "replied_at")?,
                None => now,
            };
            if at > now + chrono::Duration::minutes(5) {
                return Err(WebError::Invalid("replied_at is in the future".into()));
            }
            Action::Replied {
                at,
                reply_url,
                note,
            }
        }
        Status::NoReplyNeeded => {
            let reason: NoReplyReason = present(&input.reason)
                .ok_or_else(|| {
                    WebError::Invalid(
                        "no_reply_needed needs a reason: not_about_us, spam, handled_elsewhere, praise_acknowledged or other"
                            .into(),
                    )
                })?
                .parse()
                .map_err(WebError::Invalid)?;
            if reason == NoReplyReason::Other && note.is_none() {
                return Err(WebError::Invalid(
                    "reason 'other' needs a note saying why no reply is needed".into(),
                ));
            }
            Action::NoReplyNeeded { reason, note }
        }
        Status::Snoozed => {
            let until = present(&input.until)
                .ok_or_else(|| WebError::Invalid("snoozed needs 'until' (a time)".into()))
                .and_then(|s| {
                    crate::domain::time::parse_snooze_until(s, tz)
                        .map_err(|e| WebError::Invalid(format!("until: {e}")))
                })?;
            if until <= now {
                return Err(WebError::Invalid("until must be in the future".into()));
            }
            Action::Snooze { until }
        }
        // "new" is reopen; for a snoozed mention it ends the snooze early.
        Status::New if current == Status::Snoozed => Action::Wake,
        Status::New => Action::Reopen { note },
    })
}

impl Web {
    /// Applies the input to a mention as `actor`; every change is an event.
    pub async fn change_status(
        &self,
        id: &str,
        input: &StatusInput,
        actor: &str,
    ) -> WebResult<MentionRecord> {
        let now = Utc::now();
        let current = self
            .store
            .mention(id)
            .await?
            .ok_or_else(|| WebError::NotFound(format!("no mention with id {id}")))?;
        let action = to_action(input, current.status, now, self.config.timezone)?;
        // A reply cannot come before the post it answers (the metrics would count it as instant).
        if let Action::Replied { at, .. } = &action
            && let Some(published) = current.published_at
            && *at < published
        {
            return Err(WebError::Invalid(format!(
                "replied_at {} is before the post was published ({})",
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )));
        }
        let m = self.store.apply_action(id, &action, actor, now).await?;
        self.changed();
        let reason = match &action {
            Action::NoReplyNeeded { reason, .. } => Some(reason.as_str()),
            _ => None,
        };
        if let Some(about_us) = crate::store::label_of_status(m.status, reason) {
            crate::ingest::learning::learn_relevance(&self.pipeline, &m, about_us);
        }
        Ok(m)
    }

    /// The leader confirms a held-back mention is about us: back to the inbox, and learnt.
    pub async fn confirm_about_us(&self, id: &str, actor: &str) -> WebResult<MentionRecord> {
        let m = self.store.confirm_about_us(id, actor, Utc::now()).await?;
        self.changed();
        crate::ingest::learning::learn_relevance(&self.pipeline, &m, true);
        Ok(m)
    }

    /// The leader's sentiment override (`None` clears it), recorded as an event and learned at once by
    /// the pipeline, so the same phrasing is not mislabelled the same way again.
    pub async fn override_sentiment(
        &self,
        id: &str,
        label: Option<Label>,
        actor: &str,
    ) -> WebResult<MentionRecord> {
        let before = self
            .store
            .mention(id)
            .await?
            .ok_or_else(|| WebError::NotFound(format!("no mention with id {id}")))?;
        let m = self
            .store
            .set_sentiment_override(id, label, actor, Utc::now())
            .await?;
        self.changed();
        if before.sentiment_override != m.sentiment_override {
            crate::ingest::learning::learn_from_override(&self.store, &self.pipeline, &m, label)
                .await?;
            if label.is_some() {
                crate::ingest::learning::learn_relevance(&self.pipeline, &m, true);
            }
        }
        Ok(m)
    }

    pub async fn undo(&self, id: &str, actor: &str) -> WebResult<MentionRecord> {
        let m = self.store.undo_last(id, actor, Utc::now()).await?;
        self.changed();
        // A mark taken back is a label taken back: learn again from what stands.
        crate::ingest::learning::relearn_relevance(&self.store, &self.pipeline).await?;
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn input(status: &str) -> StatusInput {
        StatusInput {
            status: status.into(),
            ..StatusInput::default()
        }
    }

    #[test]
    fn a_picked_day_and_time_make_one_until() {
        let f = |pairs: &[(&str, &str)]| {
            let fields: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            StatusInput::from_form(&fields).until
        };
        assert_eq!(
            f(&[("until_date", "2026-12-02"), ("until_time", "13:15")]).as_deref(),
            Some("2026-12-02T13:15")
        );
        assert_eq!(
            f(&[("until_date", "2026-12-02"), ("until_time", "")]).as_deref(),
            Some("2026-12-02")
        );
        // A preset button's value wins over the picker's fields.
        assert_eq!(
            f(&[
                ("until", "2026-12-03T07:00:00Z"),
                ("until_date", "2026-12-02")
            ])
            .as_deref(),
            Some("2026-12-03T07:00:00Z")
        );
        assert_eq!(f(&[("until", "")]), None);
    }

    #[test]
    fn inputs_become_actions_or_422() {
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
        let tz = chrono_tz::Europe::Stockholm;
        let ok = |i: &StatusInput, cur| to_action(i, cur, now, tz);
        assert!(
            matches!(ok(&input("replied"), Status::New), Ok(Action::Replied { at, .. }) if at == now)
        );
        assert!(matches!(
            ok(&input("bogus"), Status::New),
            Err(WebError::Invalid(_))
        ));
        assert!(matches!(
            ok(&input("snoozed"), Status::New),
            Err(WebError::Invalid(_))
        ));
        let mut s = input("snoozed");
        s.until = Some("2026-11-25".into());
        // A bare date wakes at 08:00 local time, not midnight.
        assert!(
            matches!(ok(&s, Status::New), Ok(Action::Snooze { until }) if until == Utc.with_ymd_and_hms(2026, 11, 25, 7, 0, 0).unwrap())
        );
        // A snoozed mention gets a new date.
        assert!(matches!(ok(&s, Status::Snoozed), Ok(Action::Snooze { .. })));
        let mut o = input("no_reply_needed");
        o.reason = Some("other".into());
        assert!(matches!(ok(&o, Status::New), Err(WebError::Invalid(_))));
        o.reason = Some("nonsense".into());
        assert!(matches!(ok(&o, Status::New), Err(WebError::Invalid(_))));
        let mut r = input("replied");
        r.reply_url = Some("javascript:alert(1)".into());
        assert!(matches!(ok(&r, Status::New), Err(WebError::Invalid(_))));
        r.reply_url = None;
        r.replied_at = Some("yesterday".into());
        assert!(matches!(ok(&r, Status::New), Err(WebError::Invalid(_))));
        r.replied_at = Some("2026-11-20T09:30".into());
        assert!(
            matches!(ok(&r, Status::New), Ok(Action::Replied { at, .. }) if at == Utc.with_ymd_and_hms(2026, 11, 20, 8, 30, 0).unwrap())
        );
        assert_eq!(ok(&input("new"), Status::Snoozed).unwrap(), Action::Wake);
        assert!(matches!(
            ok(&input("new"), Status::Replied),
            Ok(Action::Reopen { .. })
        ));
    }
}
