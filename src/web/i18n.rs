//! The dashboard's words in English and Swedish: a small table, no i18n crate. The language is
//! `server.language` when set, else the browser's `Accept-Language`, else English.

use crate::domain::mention::{NoReplyReason, Status};
use crate::domain::query::Field;
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

    /// One mention's status, as a row or its history says it ("Ny", "Besvarad"); the navigation
    /// and the filter menu use the plural words (`new` → "Nya").
    pub fn status(&self, status: &str) -> String {
        self.word(format!("st_{status}"))
    }

    /// English or Swedish, inline, for text built in code.
    pub fn pick<'a>(&self, en: &'a str, sv: &'a str) -> &'a str {
        match self.0 {
            Lang::En => en,
            Lang::Sv => sv,
        }
    }

    /// `n` and the right form of a counted word: `(one, many)` per language, e.g. `1 identity`,
    /// `2 identities`, `1 omnämnande`, `2 omnämnanden`.
    pub fn count(&self, n: usize, en: (&str, &str), sv: (&str, &str)) -> String {
        let (one, many) = match self.0 {
            Lang::En => en,
            Lang::Sv => sv,
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// (key, English, Swedish).
pub const MESSAGES: &[(&str, &str, &str)] = &[
    ("inbox", "Inbox", "Inkorg"),
    (
        "probably_not",
        "Probably not about us",
        "Troligen inte om oss",
    ),
    (
        "probably_not_intro",
        "Mentions your marks taught Lyssna are probably not about you. Confirm the ones that are (a); dismiss the rest (#).",
        "Omnämnanden som dina markeringar har lärt Lyssna troligen inte handlar om er. Bekräfta de som gör det (a); avfärda resten (#).",
    ),
    ("about_us", "About us", "Om oss"),
    ("leader_post", "you", "du"),
    (
        "reply_that_counted",
        "the reply that counted",
        "svaret som räknades",
    ),
    ("unknown_author", "unknown", "okänd"),
    (
        "help_a",
        "about us (in Probably not about us)",
        "om oss (i Troligen inte om oss)",
    ),
    (
        "learned",
        "What Lyssna has learnt",
        "Vad Lyssna har lärt sig",
    ),
    (
        "learned_intro",
        "From your marks: \"not about us\" teaches what a brand is not; replied, no reply needed and \"about us\" what it is. Adopt a suggested term by adding its line to the brand in lyssna.toml; the counts say what it would do to the mentions already stored.",
        "Från dina markeringar: \"inte om oss\" lär vad ett varumärke inte är; besvarat, inget svar behövs och \"om oss\" vad det är. Ta in ett föreslaget villkor genom att lägga dess rad under varumärket i lyssna.toml; siffrorna säger vad det skulle göra med de omnämnanden som redan finns.",
    ),
    ("learned_none", "No marks yet.", "Inga markeringar ännu."),
    ("scoring", "scores new mentions", "bedömer nya omnämnanden"),
    ("leans_not", "says not about us", "talar för inte om oss"),
    ("leans_about", "says about us", "talar för om oss"),
    ("suggested", "Suggested terms", "Föreslagna villkor"),
    (
        "no_suggestions",
        "No terms to suggest yet.",
        "Inga villkor att föreslå ännu.",
    ),
    (
        "suggestions_failed",
        "The suggestions could not be computed",
        "Förslagen kunde inte räknas fram",
    ),
    ("not_about_us_short", "Not about us", "Inte om oss"),
    ("relevance", "relevance", "relevans"),
    ("held_back", "held back", "hålls tillbaka"),
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
    ("n_selected", "{n} selected:", "{n} valda:"),
    ("apply", "Apply", "Utför"),
    ("author", "Author", "Författare"),
    ("age", "Age", "Ålder"),
    ("health", "Health", "Hälsa"),
    ("last_success", "Last success", "Senast lyckad"),
    ("last_error", "Last error", "Senaste fel"),
    ("next_check", "Next check", "Nästa kontroll"),
    ("items_found", "Items last crawl", "Poster senast"),
    ("recent_runs", "Recent runs", "Senaste körningar"),
    ("watched_threads", "Watched threads", "Bevakade trådar"),
    ("watch_retired", "no longer watched", "bevakas inte längre"),
    ("watch_next", "next check", "nästa koll"),
    (
        "watch_not_found_yet",
        "comments not found yet",
        "kommentarer inte hittade ännu",
    ),
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
    // One mention's status.
    ("st_new", "New", "Ny"),
    ("st_snoozed", "Snoozed", "Pausad"),
    ("st_replied", "Replied", "Besvarad"),
    ("st_no_reply_needed", "No reply needed", "Inget svar behövs"),
    // Health labels (the words above explain them).
    ("health_pending", "pending", "väntar"),
    ("health_ok", "ok", "ok"),
    ("health_degraded", "degraded", "delvis"),
    ("health_failing", "failing", "fel"),
    ("health_blocked", "blocked", "blockerad"),
    ("health_silent", "silent", "tyst"),
    ("health_broken_recipe", "broken recipe", "trasigt recept"),
    ("kind_feed", "feed", "flöde"),
    ("kind_html", "web page", "webbsida"),
    ("kind_json", "JSON API", "JSON-API"),
    ("kind_manual", "added by hand", "tillagd för hand"),
    // Deliveries on the report page.
    ("report_email", "report e-mail", "rapportmejl"),
    ("report_webhook", "report webhook", "rapportwebhook"),
    ("criticism_webhook", "criticism webhook", "kritikwebhook"),
    ("digest_email", "digest e-mail", "sammanfattningsmejl"),
    ("interrupted", "interrupted", "avbruten"),
    (
        "delivery_pending",
        "waiting to retry",
        "väntar på nytt försök",
    ),
    // Crawl outcomes.
    ("unchanged", "unchanged", "oförändrad"),
    ("failed", "failed", "misslyckades"),
    ("deferred", "deferred", "uppskjuten"),
    // Event reasons Lyssna writes itself (`EventReason`).
    ("ev_found", "found", "hittad"),
    ("ev_added_by_hand", "added by hand", "tillagd för hand"),
    ("ev_reopen", "reopened", "öppnad igen"),
    ("ev_snooze_ended", "snooze ended", "pausen tog slut"),
    ("ev_undo", "undone", "ångrad"),
    ("ev_override", "changed by hand", "ändrad för hand"),
    (
        "ev_override_cleared",
        "back to the classifier",
        "tillbaka till klassificeraren",
    ),
    ("ev_edited", "the post was edited", "inlägget redigerades"),
    ("ev_edit", "Edited", "Redigerad"),
    ("ev_about_us", "Confirmed: about us", "Bekräftat: om oss"),
    ("actor_lyssna", "Lyssna", "Lyssna"),
    (
        "actor_reply_detection",
        "Lyssna (saw your reply)",
        "Lyssna (såg ditt svar)",
    ),
    (
        "actor_follow_up",
        "Lyssna (follow-up)",
        "Lyssna (uppföljning)",
    ),
    // Rows.
    (
        "flag_reply_detected",
        "Lyssna saw your reply",
        "Lyssna såg ditt svar",
    ),
    (
        "flag_follow_up",
        "Follow-up after your reply",
        "Uppföljning efter ditt svar",
    ),
    (
        "flag_posted_after",
        "You posted in this thread after this",
        "Du skrev i tråden efter detta",
    ),
    ("snoozed_until", "snoozed until", "pausad till"),
    ("open_mention", "Open in Lyssna", "Öppna i Lyssna"),
    ("more_actions", "More…", "Mer…"),
    (
        "select_all",
        "Select all on this page",
        "Välj alla på sidan",
    ),
    ("clear_selection", "Clear", "Rensa"),
    ("filters", "Filters", "Filter"),
    (
        "search_placeholder",
        "Search mentions (/)",
        "Sök omnämnanden (/)",
    ),
    (
        "search_failed",
        "The search or a filter could not be used",
        "Sökningen eller ett filter kunde inte användas",
    ),
    ("written", "written", "skriven"),
    ("found_by_lyssna", "found by Lyssna", "hittad av Lyssna"),
    ("in_thread", "In this thread", "I den här tråden"),
    ("this_mention", "this mention", "det här omnämnandet"),
    ("next_mention", "Next mention", "Nästa omnämnande"),
    ("back_to_inbox", "Inbox", "Inkorgen"),
    ("change_snooze", "Change the snooze", "Ändra pausen"),
    ("pick_date", "Pick a date", "Välj datum"),
    ("time", "Time", "Tid"),
    ("date", "Date", "Datum"),
    ("score", "Score", "Poäng"),
    ("set_by_you", "set by you", "satt av dig"),
    (
        "classifier_said",
        "the classifier said",
        "klassificeraren sa",
    ),
    ("cancel", "Cancel", "Avbryt"),
    ("ok_button", "OK", "OK"),
    (
        "why_no_reply",
        "Why is no reply needed?",
        "Varför behövs inget svar?",
    ),
    ("snooze_until_q", "Snooze until when?", "Pausa till när?"),
    (
        "note_other",
        "Say why (required for “Other”)",
        "Skriv varför (krävs för ”Annat”)",
    ),
    ("later_today", "Later today", "Senare i dag"),
    ("tomorrow_morning", "Tomorrow morning", "I morgon bitti"),
    ("next_monday", "Next Monday", "På måndag"),
    ("add_mention", "Add a mention", "Lägg till omnämnande"),
    (
        "add_mention_intro",
        "A mention Lyssna cannot crawl: a Facebook or LinkedIn post, a phone call, an e-mail. It goes to the inbox and counts in the report.",
        "Ett omnämnande som Lyssna inte kan hämta själv: ett inlägg på Facebook eller LinkedIn, ett samtal, ett mejl. Det hamnar i inkorgen och räknas i rapporten.",
    ),
    ("channel", "Channel", "Kanal"),
    ("ch_facebook", "Facebook", "Facebook"),
    ("ch_linkedin", "LinkedIn", "LinkedIn"),
    ("ch_x", "X", "X"),
    ("ch_phone", "Phone", "Telefon"),
    ("ch_email", "E-mail", "E-post"),
    ("ch_other", "Other", "Annat"),
    ("url_optional", "Link (optional)", "Länk (valfri)"),
    ("text", "What was said", "Vad som sades"),
    ("when_said", "When", "När"),
    (
        "brand_match",
        "Match the brands automatically",
        "Matcha varumärkena automatiskt",
    ),
    ("add", "Add", "Lägg till"),
    (
        "no_users",
        "No login exists yet. On the server, create one with:",
        "Det finns ingen inloggning än. Skapa en på servern med:",
    ),
    ("help_search", "Search", "Sök"),
    ("help_slash", "search", "sök"),
    (
        "help_enter",
        "open the mention in Lyssna",
        "öppna omnämnandet i Lyssna",
    ),
    (
        "help_e",
        "no reply needed (asks the reason)",
        "inget svar behövs (frågar efter skäl)",
    ),
    ("help_hash", "not about us", "inte om oss"),
    ("help_bang", "spam", "skräp"),
    (
        "help_b",
        "snooze (presets or a date)",
        "pausa (förval eller ett datum)",
    ),
    ("help_star", "select all / none", "välj alla / inga"),
    (
        "help_x_more",
        "select; r, n, s then act on every selected mention",
        "välj; r, n och s gäller sedan alla valda",
    ),
    (
        "help_esc",
        "close, clear the selection",
        "stäng, rensa valet",
    ),
    (
        "help_j_mention",
        "on a mention: j goes to the next one",
        "på ett omnämnande: j går till nästa",
    ),
    (
        "q_words",
        "both words, anywhere",
        "båda orden, var som helst",
    ),
    ("q_phrase", "the exact phrase", "exakt fras"),
    ("q_or", "either", "något av dem"),
    ("q_not", "without", "utan"),
    ("q_prefix", "words that begin so", "ord som börjar så"),
    ("q_author", "written by", "skriven av"),
    (
        "q_site",
        "on a site (and its subdomains)",
        "på en sajt (och dess underdomäner)",
    ),
    ("q_title", "in the title", "i rubriken"),
    (
        "q_fold",
        "å, ä, ö and accents are optional: aterbetalning finds återbetalning",
        "å, ä, ö och accenter är valfria: aterbetalning hittar återbetalning",
    ),
    ("toast_undo", "Undo", "Ångra"),
    (
        "nothing_to_undo_tab",
        "Nothing to undo: no mention was changed from this tab.",
        "Inget att ångra: inget omnämnande ändrades från den här fliken.",
    ),
    (
        "session_ended",
        "Your session has ended; reload the page and log in again.",
        "Din session har tagit slut; ladda om sidan och logga in igen.",
    ),
    (
        "network_failed",
        "Lyssna could not be reached; nothing was changed.",
        "Lyssna gick inte att nå; inget ändrades.",
    ),
];

/// What a change did, as the toast after it says it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Replied,
    NoReply(NoReplyReason),
    /// With the wake-up time as shown ("Thu 26 Nov 08:00").
    Snoozed(String),
    Reopened,
    Undone,
    Added,
    /// The sentiment, in the page's words.
    Sentiment(String),
    /// Confirmed as about us: out of "Probably not about us", into the inbox.
    AboutUs,
}

impl Change {
    /// The change a status stands for (the bulk form's, the API's).
    pub fn of(status: Status, reason: Option<NoReplyReason>, until: Option<String>) -> Change {
        match status {
            Status::Replied => Change::Replied,
            Status::NoReplyNeeded => Change::NoReply(reason.unwrap_or(NoReplyReason::Other)),
            Status::Snoozed => Change::Snoozed(until.unwrap_or_default()),
            Status::New => Change::Reopened,
        }
    }

    /// "Marked replied", "2 marked replied", "Inget svar behövs: skräp", "3 pausade till tors 08:00".
    pub fn toast(&self, n: usize, lang: Lang) -> String {
        let t = Tr(lang);
        let many = n != 1;
        let lead = if many { format!("{n} ") } else { String::new() };
        let text = match (self, lang) {
            (Change::Replied, Lang::En) => "marked replied".to_string(),
            (Change::Replied, Lang::Sv) => if many {
                "markerade besvarade"
            } else {
                "markerad besvarad"
            }
            .to_string(),
            (Change::NoReply(r), Lang::En) => {
                format!(
                    "marked no reply needed: {}",
                    t.get(r.as_str()).to_lowercase()
                )
            }
            (Change::NoReply(r), Lang::Sv) => {
                format!("inget svar behövs: {}", t.get(r.as_str()).to_lowercase())
            }
            (Change::Snoozed(until), Lang::En) => format!("snoozed until {until}"),
            (Change::Snoozed(until), Lang::Sv) => {
                format!("{} till {until}", if many { "pausade" } else { "pausad" })
            }
            (Change::Reopened, Lang::En) => "back in the inbox".to_string(),
            (Change::Reopened, Lang::Sv) => "tillbaka i inkorgen".to_string(),
            (Change::Undone, Lang::En) => "undone".to_string(),
            (Change::Undone, Lang::Sv) => if many { "ångrade" } else { "ångrat" }.to_string(),
            (Change::Added, Lang::En) => "mention added".to_string(),
            (Change::Added, Lang::Sv) => "omnämnandet lades till".to_string(),
            (Change::Sentiment(label), Lang::En) => format!("sentiment: {label}"),
            (Change::Sentiment(label), Lang::Sv) => format!("ton: {label}"),
            (Change::AboutUs, Lang::En) => "about us: moved to the inbox".to_string(),
            (Change::AboutUs, Lang::Sv) => "om oss: flyttat till inkorgen".to_string(),
        };
        capitalise(&format!("{lead}{text}"))
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A status as an adjective in a Swedish sentence ("ett omnämnande som är besvarat").
fn status_sv(s: &str) -> &str {
    match s {
        "new" => "nytt",
        "snoozed" => "pausat",
        "replied" => "besvarat",
        "no_reply_needed" => "markerat inget svar behövs",
        other => other,
    }
}

/// A message from the lifecycle, the store or the input checks in the page's language. The messages
/// are written in English once (the API answers them as they are); the dashboard's Swedish says the
/// same. Unknown messages are shown as they are.
pub fn localize_error(msg: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return msg.to_string();
    }
    sv_error(msg).unwrap_or_else(|| msg.to_string())
}

fn sv_error(msg: &str) -> Option<String> {
    if let Some(rest) = msg.strip_prefix("a mention that is ") {
        let (from, rest) = rest.split_once(" cannot become ")?;
        let (to, hint) = match rest.split_once(" (") {
            Some((to, hint)) => (to, hint.trim_end_matches(')')),
            None => (rest, ""),
        };
        let hint = match hint {
            "reopen it first" => " (öppna det igen först)",
            "it is already in the inbox" => " (det ligger redan i inkorgen)",
            _ => "",
        };
        return Some(format!(
            "ett omnämnande som är {} kan inte bli {}{hint}",
            status_sv(from),
            status_sv(to)
        ));
    }
    let fixed: &[(&str, &str)] = &[
        (
            "snooze needs a time in the future",
            "pausen behöver en tid i framtiden",
        ),
        (
            "reason 'other' needs a note",
            "skälet ”Annat” behöver en anteckning om varför inget svar behövs",
        ),
        (
            "the mention changed while you were editing it",
            "omnämnandet ändrades medan du arbetade med det; ladda om sidan och försök igen",
        ),
        (
            "there is nothing to undo",
            "det finns inget att ångra på det här omnämnandet",
        ),
        (
            "no_reply_needed needs a reason",
            "”Inget svar behövs” kräver ett skäl: inte om oss, skräp, hanterad på annat sätt, beröm noterat eller annat",
        ),
        (
            "snoozed needs 'until'",
            "pausa kräver en tid att pausa till",
        ),
        (
            "until must be in the future",
            "tiden att pausa till måste ligga i framtiden",
        ),
        (
            "replied_at is in the future",
            "svarstiden ligger i framtiden",
        ),
        (
            "a mention needs some text",
            "ett omnämnande behöver en text",
        ),
        (
            "Select mentions first",
            "Välj omnämnanden först (x eller kryssrutorna).",
        ),
    ];
    if let Some((_, sv)) = fixed.iter().find(|(en, _)| msg.starts_with(en)) {
        return Some(sv.to_string());
    }
    let quoted = |s: &str| s.split('\'').nth(1).unwrap_or("").to_string();
    if let Some(id) = msg.strip_prefix("no mention with id ") {
        return Some(format!("inget omnämnande med id {id}"));
    }
    if let Some(id) = msg.strip_prefix("this mention is already stored as ") {
        return Some(format!("det här omnämnandet finns redan som {id}"));
    }
    if msg.starts_with("unknown status ") {
        return Some(format!("okänd status '{}'", quoted(msg)));
    }
    if msg.starts_with("unknown reason ") {
        return Some(format!("okänt skäl '{}'", quoted(msg)));
    }
    if msg.starts_with("unknown brand ") {
        return Some(format!("okänt varumärke '{}'", quoted(msg)));
    }
    if msg.contains("is not an http(s) URL") {
        return Some(format!("'{}' är inte en http(s)-adress", quoted(msg)));
    }
    if let Some(rest) = msg.strip_prefix("replied_at ")
        && let Some((at, published)) = rest.split_once(" is before the post was published (")
    {
        return Some(format!(
            "svarstiden {at} är före inläggets publicering ({}",
            published
        ));
    }
    if msg.contains("is not a time;") {
        let field = msg.split(':').next().unwrap_or("");
        let field = match field {
            "until" => "tiden",
            "replied_at" => "svarstiden",
            "published_at" | "time" => "tidpunkten",
            "date" => "datumet",
            other => other,
        };
        return Some(format!(
            "{field}: '{}' är ingen tid; skriv ett datum som 2026-11-20 eller 2026-11-20T10:00",
            quoted(msg)
        ));
    }
    if msg.contains("is in the future") {
        return Some("tiden ligger i framtiden".into());
    }
    sv_search_error(msg)
}

/// The search's refusals (`domain::search`) in Swedish.
fn sv_search_error(msg: &str) -> Option<String> {
    let after = |prefix: &str| msg.strip_prefix(prefix).map(str::to_string);
    if let Some(rest) = after("the search is not understood: ") {
        let column = rest.rsplit("at column ").next().unwrap_or("").trim();
        return Some(format!(
            "sökningen går inte att förstå vid tecken {column}: se efter att citattecken och parenteser \
             är stängda och att OR och NOT står mellan ord"
        ));
    }
    if let Some(rest) = after("the search is ") {
        let n = rest.split(' ').next().unwrap_or("");
        return Some(format!(
            "sökningen är {n} tecken lång; högst {} söks",
            crate::domain::search::MAX_QUERY_BYTES
        ));
    }
    if msg.starts_with("a search needs a word to look for") {
        return Some(
            "en sökning behöver ett ord att leta efter bredvid det den utesluter, t.ex. gomonday -spam"
                .into(),
        );
    }
    if let Some(rest) = after("a search word cannot begin with '*' (") {
        let word = rest.split(')').next().unwrap_or("");
        return Some(format!(
            "ett sökord kan inte börja med '*' ({word}); sök på ordets början, t.ex. konto*"
        ));
    }
    if msg.starts_with("NEAR is for brand queries") {
        return Some(
            "NEAR hör till varumärkenas frågor; sök på en fras inom citattecken i stället".into(),
        );
    }
    if let Some(rest) = after("search knows the fields title:, body:, author: and site:, not ") {
        return Some(format!(
            "sökningen känner fälten title:, body:, author: och site:, inte {rest}"
        ));
    }
    if let Some(rest) = msg.split_once("letters is not searched for: ").map(|p| p.1) {
        return Some(format!(
            "ord på fler än {} bokstäver söks inte: {rest}",
            crate::domain::search::MAX_WORD_BYTES
        ));
    }
    if msg.starts_with("the search has more than") {
        return Some(format!(
            "sökningen har fler än {} ord och fraser; ta bort några",
            crate::domain::search::MAX_TERMS
        ));
    }
    if let Some(word) = msg.strip_suffix("' has no letters or digits to search for") {
        return Some(format!(
            "{word}' har inga bokstäver eller siffror att söka på"
        ));
    }
    None
}

/// A sentiment reason (`negated: "inte bra" (−1.5)`) in the page's language: the words Lyssna adds
/// around the quoted text are translated, the quoted text never.
pub fn sentiment_reason(reason: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return reason.to_string();
    }
    // Longest first: a phrase is replaced before a shorter one inside it ("praise" last).
    const WORDS: &[(&str, &str)] = &[
        (
            "no sentiment words, emoji or rating found",
            "inga tonord, emojier eller betyg hittades",
        ),
        (
            "a weak positive word is not praise",
            "ett svagt positivt ord är inget beröm",
        ),
        (
            "a question asking for information",
            "en fråga efter information",
        ),
        (
            " overrides the text (text alone: ",
            " väger tyngre än texten (texten ensam: ",
        ),
        ("reads as an advertisement", "läses som en annons"),
        ("irony after a complaint: ", "ironi efter ett klagomål: "),
        (
            ": middling, the text decides",
            ": mittemellan, texten avgör",
        ),
        ("where the lexicon finds ", "där lexikonet hittar "),
        ("weak or mixed signals", "svaga eller blandade signaler"),
        ("irony (marked): ", "ironi (markerad): "),
        ("promise not kept: ", "löfte som inte hölls: "),
        ("repeated contact: ", "upprepad kontakt: "),
        ("charged twice: ", "dubbeldebitering: "),
        ("still missing: ", "saknas fortfarande: "),
        ("neutral between ", "neutral mellan "),
        ("reads as news", "läses som en nyhet"),
        (" before contrast", " före en kontrast"),
        (" after contrast", " efter en kontrast"),
        ("no problems: ", "inga problem: "),
        ("not working: ", "fungerar inte: "),
        (": weighs less", ": väger mindre"),
        ("never came: ", "kom aldrig: "),
        ("not solved: ", "inte löst: "),
        ("no answer: ", "inget svar: "),
        (" more signals", " signaler till"),
        ("about others", "om andra"),
        ("a question", "en fråga"),
        ("negated: ", "negerat: "),
        ("emphasis: ", "betonat: "),
        ("repeated: ", "upprepat: "),
        ("learned: ", "inlärt: "),
        ("waiting: ", "väntan: "),
        ("quick: ", "snabbt: "),
        ("slow: ", "långsamt: "),
        ("late: ", "sent: "),
        ("phrase ", "fras "),
        ("rating ", "betyg "),
        ("rule ", "regel "),
        ("…and ", "…och "),
        (" and ", " och "),
        ("criticism", "kritik"),
        ("praise", "beröm"),
    ];
    // Only outside the quotes: even-numbered pieces between `"`.
    reason
        .split('"')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                return part.to_string();
            }
            WORDS
                .iter()
                .fold(part.to_string(), |acc, (en, sv)| acc.replace(en, sv))
        })
        .collect::<Vec<_>>()
        .join("\"")
}

/// A brand's relevance score and its reasons, in the page's language:
/// `relevance 0.12 (held back): "tidigt …" (−1.4)`.
pub fn relevance_note(m: &crate::domain::query::MatchedBrand, lang: Lang) -> Option<String> {
    let score = m.relevance?;
    let t = Tr(lang);
    let mut s = format!("{} {score:.2}", t.get("relevance"));
    if m.held {
        s.push_str(&format!(" ({})", t.get("held_back")));
    }
    if !m.relevance_reasons.is_empty() {
        let reasons = relevance_features(&m.relevance_reasons.join(", "), lang);
        s.push_str(&format!(": {reasons}"));
    }
    Some(s)
}

/// A relevance model's features as they read (`near "tidigt"`, `name written in lower case`) in
/// `lang`.
pub fn relevance_features(text: &str, lang: Lang) -> String {
    match lang {
        Lang::En => text.to_string(),
        Lang::Sv => text
            .replace("near \"", "nära \"")
            .replace("name written ", "namnet skrivet ")
            .replace("in lower case", "med gemener")
            .replace("capitalised", "med versal")
            .replace("in capitals", "med versaler")
            .replace("first in a sentence", "först i en mening")
            .replace("author ", "författare ")
            .replace("site ", "sajt ")
            .replace("path /", "sökväg /"),
    }
}

/// Why a brand matched (`gomonday in title; gomonday.se in url`), in the page's language.
pub fn match_explanation(explanation: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return explanation.to_string();
    }
    explanation
        .split("; ")
        .map(|part| {
            if part == crate::domain::query::CHOSEN_BY_HAND {
                return "vald för hand".to_string();
            }
            for (en, sv) in [
                ("on a page about ", "på en sida om "),
                ("in a thread about ", "i en tråd om "),
                ("a reply to a mention of ", "ett svar på ett omnämnande av "),
            ] {
                if let Some(brand) = part.strip_prefix(en) {
                    return format!("{sv}{brand}");
                }
            }
            match part.rsplit_once(" in ") {
                Some((what, field)) => {
                    let place = match Field::ALL.iter().find(|f| f.name() == field) {
                        Some(Field::Title) => "rubriken",
                        Some(Field::Body) => "texten",
                        Some(Field::Author) => "författaren",
                        Some(Field::Site) => "sajten",
                        Some(Field::Url) => "adressen",
                        Some(Field::Lang) => "språket",
                        None => field,
                    };
                    format!("{what} i {place}")
                }
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A local time as a person reads it in a dialog or a toast: `Thu 26 Nov 08:00`, `tors 26 nov 08:00`.
pub fn short_time(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz, lang: Lang) -> String {
    use chrono::{Datelike, Timelike};
    let l = t.with_timezone(&tz);
    const EN_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const SV_DAYS: [&str; 7] = ["mån", "tis", "ons", "tors", "fre", "lör", "sön"];
    const EN_MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    const SV_MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
    ];
    let (days, months) = match lang {
        Lang::En => (EN_DAYS, EN_MONTHS),
        Lang::Sv => (SV_DAYS, SV_MONTHS),
    };
    format!(
        "{} {} {} {:02}:{:02}",
        days[l.weekday().num_days_from_monday() as usize],
        l.day(),
        months[l.month0() as usize],
        l.hour(),
        l.minute()
    )
}

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

    #[test]
    fn toasts_count_right() {
        assert_eq!(Change::Replied.toast(1, Lang::En), "Marked replied");
        assert_eq!(Change::Replied.toast(2, Lang::En), "2 marked replied");
        assert_eq!(Change::Replied.toast(1, Lang::Sv), "Markerad besvarad");
        assert_eq!(Change::Replied.toast(3, Lang::Sv), "3 markerade besvarade");
        assert_eq!(
            Change::NoReply(NoReplyReason::Spam).toast(1, Lang::Sv),
            "Inget svar behövs: skräp"
        );
        assert_eq!(
            Change::Snoozed("tors 26 nov 08:00".into()).toast(2, Lang::Sv),
            "2 pausade till tors 26 nov 08:00"
        );
        assert_eq!(Change::Undone.toast(1, Lang::Sv), "Ångrat");
        let t = Tr(Lang::Sv);
        assert_eq!(
            t.count(1, ("identity", "identities"), ("identitet", "identiteter")),
            "1 identitet"
        );
        assert_eq!(
            t.count(2, ("identity", "identities"), ("identitet", "identiteter")),
            "2 identiteter"
        );
    }

    #[test]
    fn the_messages_people_meet_are_swedish_in_the_swedish_ui() {
        use crate::domain::mention::{Action, TransitionError, apply};
        use chrono::TimeZone;
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 20, 10, 0, 0)
            .unwrap();
        let tz = chrono_tz::Europe::Stockholm;
        let mut messages: Vec<String> = vec![
            apply(Status::Replied, &Action::Reopen { note: None }, now)
                .map(|_| String::new())
                .unwrap_or_default(),
            apply(
                Status::Replied,
                &Action::Replied {
                    at: now,
                    reply_url: None,
                    note: None,
                },
                now,
            )
            .unwrap_err()
            .to_string(),
            apply(Status::New, &Action::Wake, now)
                .unwrap_err()
                .to_string(),
            TransitionError::SnoozeInPast { until: now, now }.to_string(),
            TransitionError::OtherNeedsNote.to_string(),
            crate::store::StoreError::Conflict.to_string(),
            crate::store::StoreError::NothingToUndo.to_string(),
            crate::store::StoreError::MentionNotFound("m_1".into()).to_string(),
        ];
        messages.retain(|m| !m.is_empty());
        for (status, field, value) in [
            ("bogus", "", ""),
            ("no_reply_needed", "", ""),
            ("no_reply_needed", "reason", "nonsense"),
            ("snoozed", "", ""),
            ("snoozed", "until", "2020-01-01"),
            ("snoozed", "until", "sometime"),
            ("replied", "reply_url", "javascript:x"),
            ("replied", "replied_at", "2999-01-01"),
        ] {
            let fields = vec![
                ("status".to_string(), status.to_string()),
                (field.to_string(), value.to_string()),
            ];
            let input = crate::web::actions::StatusInput::from_form(&fields);
            let err = crate::web::actions::to_action(&input, Status::New, now, tz).unwrap_err();
            messages.push(err.public_message());
        }
        // Every refusal of the search box.
        let long = "a".repeat(600);
        let word = "x".repeat(120);
        let many = vec!["w"; 17].join(" ");
        for q in [
            long.as_str(),
            "\"open",
            "-spam",
            "*konto",
            "a NEAR/2 b",
            "url:x",
            word.as_str(),
            many.as_str(),
            "title:\"!\" x",
        ] {
            let err = crate::domain::search::parse_search(q).unwrap_err();
            messages.push(err.0);
        }
        for m in &messages {
            let sv = localize_error(m, Lang::Sv);
            assert_ne!(&sv, m, "no Swedish for {m:?}");
            assert_eq!(localize_error(m, Lang::En), *m);
        }
        assert_eq!(
            localize_error(
                "a mention that is replied cannot become replied (reopen it first)",
                Lang::Sv
            ),
            "ett omnämnande som är besvarat kan inte bli besvarat (öppna det igen först)"
        );
    }

    #[test]
    fn reasons_and_explanations_in_swedish_keep_the_quoted_text() {
        assert_eq!(
            sentiment_reason("negated: phrase \"rating bra\" (−1.5)", Lang::Sv),
            "negerat: fras \"rating bra\" (−1.5)"
        );
        assert_eq!(
            sentiment_reason(
                "rating 1/5 overrides the text (text alone: praise +0.40)",
                Lang::Sv
            ),
            "betyg 1/5 väger tyngre än texten (texten ensam: beröm +0.40)"
        );
        assert_eq!(
            match_explanation("gomonday in title; gomonday.se in url", Lang::Sv),
            "gomonday i rubriken; gomonday.se i adressen"
        );
        assert_eq!(
            match_explanation("gomonday in title", Lang::En),
            "gomonday in title"
        );
    }

    #[test]
    fn short_times_in_both_languages() {
        use chrono::TimeZone;
        let t = chrono::Utc.with_ymd_and_hms(2026, 11, 26, 7, 0, 0).unwrap();
        let tz = chrono_tz::Europe::Stockholm;
        assert_eq!(short_time(t, tz, Lang::En), "Thu 26 Nov 08:00");
        assert_eq!(short_time(t, tz, Lang::Sv), "tors 26 nov 08:00");
    }
}
