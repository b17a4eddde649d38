//! The dashboard's words in English and Swedish: a small table, no i18n crate. The language is
//! `server.language` when set, else the browser's `Accept-Language`, else English.

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Sv,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Sv => "sv",
        }
    }

    /// `configured` wins; else the first of `sv`/`en` in Accept-Language (in the order given).
    pub fn choose(configured: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(c) = configured {
            return if c.starts_with("sv") {
                Lang::Sv
            } else {
                Lang::En
            };
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        for part in accept.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("sv") {
                return Lang::Sv;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::En
    }
}

/// Templates call `t.get("key")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn get(&self, key: &str) -> &'static str {
        match MESSAGES.iter().find(|(k, _, _)| *k == key) {
            Some((_, en, sv)) => match self.0 {
                Lang::En => en,
                Lang::Sv => sv,
            },
            None => {
                debug_assert!(false, "no message '{key}'");
                "?"
            }
        }
    }

    /// A word for a stored value (a status, a sentiment, a health): the value itself when the table
    /// has no entry for it.
    pub fn word<S: AsRef<str>>(&self, key: S) -> String {
        let key = key.as_ref();
        match MESSAGES.iter().find(|(k, _, _)| *k == key) {
            Some((_, en, sv)) => match self.0 {
                Lang::En => en,
                Lang::Sv => sv,
            }
            .to_string(),
            None => key.replace('_', " "),
        }
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
}

/// (key, English, Swedish).
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("inbox", "Inbox", "Inkorg"),
    ("sources", "Sources", "Källor"),
    ("report", "Weekly report", "Veckorapport"),
    (
        "delivery_problems",
        "Deliveries that failed",
        "Utskick som misslyckades",
    ),
    ("delivery_what", "What", "Vad"),
    ("delivery_to", "To", "Till"),
    ("delivery_state", "State (attempts)", "Läge (försök)"),
    ("retry", "next try", "nästa försök"),
    ("logout", "Log out", "Logga ut"),
    ("login", "Log in", "Logga in"),
    ("username", "User name", "Användarnamn"),
    ("password", "Password", "Lösenord"),
    (
        "login_failed",
        "Wrong user name or password.",
        "Fel användarnamn eller lösenord.",
    ),
    ("new", "New", "Nya"),
    ("criticism_open", "criticism", "kritik"),
    ("snoozed", "Snoozed", "Pausade"),
    ("replied", "Replied", "Besvarad"),
    ("no_reply_needed", "No reply needed", "Inget svar behövs"),
    ("all", "All", "Alla"),
    ("status", "Status", "Status"),
    ("sentiment", "Sentiment", "Ton"),
    ("criticism", "Criticism", "Kritik"),
    ("praise", "Praise", "Beröm"),
    ("neutral", "Neutral", "Neutral"),
    ("brand", "Brand", "Varumärke"),
    ("source", "Source", "Källa"),
    ("from", "From", "Från"),
    ("to", "To", "Till"),
    ("search", "Search", "Sök"),
    ("filter", "Filter", "Filtrera"),
    ("any", "any", "alla"),
    ("next_page", "Next page", "Nästa sida"),
    ("first_page", "First page", "Första sidan"),
    (
        "empty_inbox",
        "Nothing here. Well done.",
        "Inget här. Bra jobbat.",
    ),
    ("open_original", "Open the original", "Öppna originalet"),
    ("thread", "Thread", "Tråd"),
    ("why_matched", "Why it matched", "Varför den matchade"),
    ("reasons", "Reasons", "Skäl"),
    ("change", "Change", "Ändra"),
    ("classifier", "classifier", "klassificerare"),
    ("history", "History", "Historik"),
    ("reply_url", "Reply URL", "Svarets adress"),
    ("note", "Note", "Anteckning"),
    ("replied_at", "Replied at", "Besvarad"),
    ("mark_replied", "Mark replied", "Markera besvarad"),
    ("reason", "Reason", "Skäl"),
    ("not_about_us", "Not about us", "Inte om oss"),
    ("spam", "Spam", "Skräp"),
    (
        "handled_elsewhere",
        "Handled elsewhere",
        "Hanterad på annat sätt",
    ),
    (
        "praise_acknowledged",
        "Praise acknowledged",
        "Beröm noterat",
    ),
    ("other", "Other (say why)", "Annat (skriv varför)"),
    ("snooze", "Snooze", "Pausa"),
    ("until", "Until", "Till och med"),
    ("reopen", "Reopen", "Öppna igen"),
    ("undo", "Undo", "Ångra"),
    ("select", "Select", "Välj"),
    ("selected", "With the selected", "Med de valda"),
    ("apply", "Apply", "Utför"),
    ("author", "Author", "Författare"),
    ("age", "Age", "Ålder"),
    ("health", "Health", "Hälsa"),
    ("last_success", "Last success", "Senast lyckad"),
    ("last_error", "Last error", "Senaste fel"),
    ("next_check", "Next check", "Nästa kontroll"),
    ("items_found", "Items last crawl", "Poster senast"),
    ("recent_runs", "Recent runs", "Senaste körningar"),
    ("check_now", "Check now", "Kontrollera nu"),
    ("never", "never", "aldrig"),
    ("none", "none", "inget"),
    ("week", "Week", "Vecka"),
    ("previous_week", "Previous week", "Föregående vecka"),
    ("next_week", "Next week", "Nästa vecka"),
    ("print", "Print", "Skriv ut"),
    ("keyboard", "Keyboard shortcuts", "Kortkommandon"),
    (
        "help_jk",
        "next / previous mention",
        "nästa / föregående omnämnande",
    ),
    ("help_o", "open the original", "öppna originalet"),
    ("help_r", "mark replied", "markera besvarad"),
    (
        "help_n",
        "no reply needed (asks the reason)",
        "inget svar behövs (frågar efter skäl)",
    ),
    ("help_s", "snooze until a date", "pausa till ett datum"),
    ("help_u", "undo the last change", "ångra senaste ändringen"),
    ("help_x", "select", "välj"),
    ("help_help", "this help", "den här hjälpen"),
    ("close", "Close", "Stäng"),
    ("event_found", "found", "hittad"),
    ("actor", "by", "av"),
    (
        "pending",
        "waiting for the first check",
        "väntar på första kontrollen",
    ),
    ("ok", "working", "fungerar"),
    ("degraded", "some pages failed", "några sidor misslyckades"),
    (
        "failing",
        "failing; retrying with backoff",
        "misslyckas; försöker igen med paus",
    ),
    (
        "blocked",
        "the site refuses us (403/429/captcha)",
        "sajten stänger ute oss (403/429/captcha)",
    ),
    (
        "silent",
        "nothing new for a long time",
        "inget nytt på länge",
    ),
    (
        "broken_recipe",
        "the page loaded but no items were found: the layout probably changed",
        "sidan laddades men inga poster hittades: layouten har troligen ändrats",
    ),
    ("now", "now", "nu"),
    (
        "check_queued",
        "The source will be checked within a minute.",
        "Källan kontrolleras inom en minut.",
    ),
    ("changed", "Saved.", "Sparat."),
    ("manual", "manual", "manuell"),
    ("title", "Title", "Rubrik"),
    ("outcome", "Outcome", "Utfall"),
];

/// Relative time, like "3 h ago" / "för 3 h sedan".
pub fn relative(secs: i64, lang: Lang) -> String {
    let future = secs < 0;
    let s = secs.unsigned_abs();
    let amount = if s < 60 {
        return match lang {
            Lang::En => "just now".into(),
            Lang::Sv => "nyss".into(),
        };
    } else if s < 3600 {
        format!("{} min", s / 60)
    } else if s < 86_400 {
        format!("{} h", s / 3600)
    } else {
        let d = s / 86_400;
        match lang {
            Lang::En => format!("{d} {}", if d == 1 { "day" } else { "days" }),
            Lang::Sv => format!("{d} {}", if d == 1 { "dag" } else { "dagar" }),
        }
    };
    match (lang, future) {
        (Lang::En, false) => format!("{amount} ago"),
        (Lang::En, true) => format!("in {amount}"),
        (Lang::Sv, false) => format!("för {amount} sedan"),
        (Lang::Sv, true) => format!("om {amount}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_templates_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let re = regex::Regex::new(r#"t\.get\("([a-z_]+)"\)"#).unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for c in re.captures_iter(&text) {
                assert!(
                    MESSAGES.iter().any(|(k, _, _)| *k == &c[1]),
                    "missing message {}",
                    &c[1]
                );
            }
        }
        let mut keys: Vec<_> = MESSAGES.iter().map(|m| m.0).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), MESSAGES.len(), "duplicate message keys");
    }

    #[test]
    fn language_choice() {
        let mut h = HeaderMap::new();
        h.insert(
            "accept-language",
            "sv-SE,sv;q=0.9,en;q=0.8".parse().unwrap(),
        );
        assert_eq!(Lang::choose(None, &h), Lang::Sv);
        assert_eq!(Lang::choose(Some("en"), &h), Lang::En);
        h.insert("accept-language", "de, en-GB;q=0.5".parse().unwrap());
        assert_eq!(Lang::choose(None, &h), Lang::En);
        assert_eq!(relative(7200, Lang::Sv), "för 2 h sedan");
        assert_eq!(relative(-86_400 * 2, Lang::En), "in 2 days");
    }
}
