//! Reply linking (PRODUCT §5 "Reply detection"): which of the leader's posts in a thread answers
//! which mention, when a mention's author writing again reopens it, and which open mentions only
//! had the leader post in the thread after them.
//!
//! Pure: the store hands over a thread's posts (stored and just crawled) and the mentions in it, and
//! applies the [`Linking`] this returns. Everything is ordered by the posts' own times — a crawl that
//! sees a reply, a follow-up and a second reply at once ends where the thread ends.

use crate::domain::dedup::{content_hash, normalise_text, url_key};
use crate::domain::item::{Item, Quote};
use crate::domain::mention::Status;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// How far one of the leader's posts reaches: only the posts it answers (by structure, quote or
/// address), or every open mention before it in the thread (`reply_scope = "thread"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyScope {
    #[default]
    Post,
    Thread,
}

impl ReplyScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyScope::Post => "post",
            ReplyScope::Thread => "thread",
        }
    }

    /// The scope of a mention: `thread` when its source or any of its brands asks for it.
    pub fn effective(source: ReplyScope, brands: &[ReplyScope]) -> ReplyScope {
        if source == ReplyScope::Thread || brands.contains(&ReplyScope::Thread) {
            ReplyScope::Thread
        } else {
            ReplyScope::Post
        }
    }
}

impl FromStr for ReplyScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "post" => Ok(ReplyScope::Post),
            "thread" => Ok(ReplyScope::Thread),
            _ => Err(format!(
                "unknown reply_scope '{s}' (expected \"post\": a reply counts for the posts it answers, or \"thread\": for every open mention before it)"
            )),
        }
    }
}

impl fmt::Display for ReplyScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One post of a thread as Lyssna stored or just read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThreadPost {
    /// Stable within the thread: the site's id, else the post's URL, else a hash of its text.
    pub key: String,
    /// The site's own id of the post.
    pub site_id: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// The post's own text (quotes taken out); stored as an excerpt.
    pub body: String,
    /// The site's id of the post this one answers, from the site's structure.
    pub reply_to: Option<String>,
    pub quotes: Vec<Quote>,
    /// The handle of the leader's identity that wrote it, when one did.
    pub leader: Option<String>,
}

impl ThreadPost {
    /// The post as a thread holds it: `leader` is the handle of the identity that wrote it.
    pub fn of(item: &Item, leader: Option<&str>) -> ThreadPost {
        ThreadPost {
            key: post_key(item),
            site_id: item.id.clone(),
            url: item.url.clone(),
            author: item.author.clone(),
            at: item.published_at,
            body: item.body.clone(),
            reply_to: item.reply_to.clone(),
            quotes: item.quotes.clone(),
            leader: leader.map(str::to_string),
        }
    }
}

/// A post's key within its thread: the site's id, else its URL (with the fragment that often names
/// the post), else a hash of who wrote what when.
pub fn post_key(item: &Item) -> String {
    if let Some(id) = item.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        return format!("id:{id}");
    }
    if let Some(url) = item.url.as_deref().and_then(url_key) {
        return format!("url:{url}");
    }
    let who = format!(
        "{}\n{}",
        item.author.as_deref().unwrap_or_default(),
        item.published_at.map(|t| t.timestamp()).unwrap_or_default()
    );
    format!("hash:{}", content_hash(Some(&who), &item.body))
}

/// How a post was found to answer another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// The site says so (a comment's parent, a forum's reply-to).
    Structure,
    /// It quotes the post or names its author in a quote.
    Quote,
    /// It addresses the post's author: `@handle`, or the handle first.
    Address,
    /// `reply_scope = "thread"`: any later post by the leader.
    Thread,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Structure => "structure",
            LinkKind::Quote => "quote",
            LinkKind::Address => "address",
            LinkKind::Thread => "thread",
        }
    }
}

/// What a post can be answered as: its author, the site ids of its posts, their texts.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub author: Option<&'a str>,
    pub ids: &'a [String],
    pub texts: &'a [String],
}

/// Greetings that may come before the handle a post addresses ("Hej Kalle, …").
const GREETINGS: &[&str] = &[
    "hej",
    "hejsan",
    "hallå",
    "tjena",
    "tjenare",
    "tack",
    "hi",
    "hello",
    "hey",
    "dear",
    "kära",
    "thanks",
    "god morgon",
    "good morning",
];

/// Quoted text shorter than this says too little to name the post it came from.
const MIN_QUOTE_CHARS: usize = 12;

fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    !a.is_empty() && a.to_lowercase() == b.to_lowercase()
}

/// Ids compared the way sites write them: Reddit's `t1_abc` parent is the comment `abc`.
fn same_id(a: &str, b: &str) -> bool {
    fn bare(s: &str) -> &str {
        let s = s.trim();
        match s.as_bytes() {
            [b't', d, b'_', ..] if d.is_ascii_digit() => &s[3..],
            _ => s,
        }
    }
    !a.trim().is_empty() && bare(a) == bare(b)
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-' || c == '.'
}

/// `text` begins with `name` followed by something that is not part of a name.
fn starts_with_name(text: &str, name: &str) -> bool {
    let lower = text.to_lowercase();
    let name = name.trim().to_lowercase();
    if name.is_empty() {
        return false;
    }
    lower.strip_prefix(name.as_str()).is_some_and(|rest| {
        rest.chars()
            .next()
            .is_none_or(|c| !is_name_char(c) || c == '.')
    })
}

/// Whether `body` addresses `handle`: `@handle` anywhere, or the handle first (after a greeting).
pub fn addresses(body: &str, handle: &str) -> bool {
    let handle = handle.trim();
    if handle.is_empty() {
        return false;
    }
    let at = format!("@{}", handle.to_lowercase());
    let lower = body.to_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(&at) {
        let end = from + i + at.len();
        let before_ok = lower[..from + i]
            .chars()
            .next_back()
            .is_none_or(|c| !is_name_char(c));
        if before_ok && starts_with_name(&lower[from + i + 1..], handle) {
            return true;
        }
        from = end;
    }
    let start = body.trim_start();
    if starts_with_name(start, handle) {
        return true;
    }
    let lower_start = start.to_lowercase();
    GREETINGS.iter().any(|g| {
        lower_start.strip_prefix(g).is_some_and(|rest| {
            rest.starts_with([' ', ',', '!'])
                && starts_with_name(rest.trim_start_matches([' ', ',', '!']), handle)
        })
    })
}

/// A quoted text, normalised, without the ellipsis a shortened quote ends with.
fn quote_text(q: &Quote) -> String {
    let t = normalise_text(&q.text);
    t.trim_end_matches(['.', '…', ' ']).to_string()
}

/// Whether `post` answers the post(s) described by `target`, and how. The same test serves any post
/// (the leader's reply, or anyone's reply to a stored mention).
pub fn link_to(post: &ThreadPost, target: &Target<'_>) -> Option<LinkKind> {
    if let Some(parent) = &post.reply_to
        && target.ids.iter().any(|id| same_id(parent, id))
    {
        return Some(LinkKind::Structure);
    }
    for q in &post.quotes {
        if let (Some(qa), Some(a)) = (&q.author, target.author)
            && same_name(qa, a)
        {
            return Some(LinkKind::Quote);
        }
        let quoted = quote_text(q);
        if quoted.chars().count() >= MIN_QUOTE_CHARS
            && target.texts.iter().any(|t| {
                let t = normalise_text(t);
                t.contains(&quoted) || (t.chars().count() >= MIN_QUOTE_CHARS && quoted.contains(&t))
            })
        {
            return Some(LinkKind::Quote);
        }
    }
    match target.author {
        Some(a) if addresses(&post.body, a) => Some(LinkKind::Address),
        _ => None,
    }
}

/// Whether `post` answers anything at all: a structural parent, a quote, or an address to someone in
/// the thread (`authors`) or anyone with `@`.
fn links_somewhere(post: &ThreadPost, authors: &[&str]) -> bool {
    post.reply_to
        .as_deref()
        .is_some_and(|r| !r.trim().is_empty())
        || !post.quotes.is_empty()
        || authors.iter().any(|a| addresses(&post.body, a))
        || post.body.split_whitespace().any(|w| {
            w.strip_prefix('@')
                .is_some_and(|rest| rest.chars().next().is_some_and(is_name_char))
        })
}

/// A mention in the thread, as linking needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadMention {
    pub id: String,
    /// False for a mention this crawl is about to create: it may turn out to be a follow-up.
    pub stored: bool,
    pub author: Option<String>,
    /// Its post time (the inbox's clock).
    pub at: DateTime<Utc>,
    pub body: String,
    /// Keys (see [`ThreadPost::key`]) of its own post and the follow-ups attached to it.
    pub posts: Vec<String>,
    /// Site ids of its own post (from its dedup keys), for a thread whose posts were not stored.
    pub ids: Vec<String>,
    pub status: Status,
    /// The `at` of its latest status change (a detected reply or follow-up carries the post's time):
    /// posts at or before it have been accounted for already.
    pub last_change_at: Option<DateTime<Utc>>,
    pub scope: ReplyScope,
}

/// A change linking decides, in post-time order; `mention` and `post` index the inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The leader's post `post` answers the mention: replied at its time.
    Replied {
        mention: usize,
        post: usize,
        at: DateTime<Utc>,
        how: LinkKind,
    },
    /// The mention's author wrote again (`post`) after the reply: back to the inbox.
    Reopened {
        mention: usize,
        post: usize,
        at: DateTime<Utc>,
    },
}

/// What linking decided for one thread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Linking {
    pub changes: Vec<Change>,
    /// (post, mention): a follow-up post that now belongs to the mention.
    pub attached: Vec<(usize, usize)>,
    /// (new mention, mention): a mention this crawl was about to create is a follow-up of another.
    pub absorbed: Vec<(usize, usize)>,
    /// (mention, post): the latest of the leader's posts after the open mention that answers nothing
    /// in particular — "you posted in this thread after this".
    pub posted_after: Vec<(usize, usize)>,
}

/// Where a post or mention sits in the thread: its time, then its place on the page.
type Position = (DateTime<Utc>, usize);

struct State {
    status: Status,
    /// The latest accounted-for change; a stored one sorts after every post of its second.
    last: Option<Position>,
    own: Position,
    posts: HashSet<String>,
    ids: Vec<String>,
    texts: Vec<String>,
    absorbed: bool,
}

impl State {
    fn after_last(&self, p: Position) -> bool {
        self.last.is_none_or(|l| p > l)
    }
}

/// Links a thread's posts to the mentions in it. `posts` may come in any order; posts without a time
/// cannot be placed and are left out.
pub fn link(posts: &[ThreadPost], mentions: &[ThreadMention]) -> Linking {
    let mut order: Vec<usize> = (0..posts.len())
        .filter(|&i| posts[i].at.is_some())
        .collect();
    order.sort_by_key(|&i| (posts[i].at, i));
    let mut linker = Linker {
        posts,
        mentions,
        authors: posts
            .iter()
            .filter(|p| p.leader.is_none())
            .filter_map(|p| p.author.as_deref())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect(),
        states: mentions
            .iter()
            .map(|m| initial_state(posts, &order, m))
            .collect(),
        out: Linking::default(),
        latest_unlinked: vec![None; mentions.len()],
    };
    linker.absorb_attached();
    for &pi in &order {
        if posts[pi].leader.is_some() {
            linker.leader_post(pi);
        } else {
            linker.follow_up(pi);
        }
    }
    linker.finish()
}

fn position(posts: &[ThreadPost], i: usize) -> Position {
    (posts[i].at.unwrap_or_default(), i)
}

/// Where a mention stands before the thread is walked: its own post (and, for a mention stored
/// before its thread's posts were, the post by its author at its time), its ids and texts.
fn initial_state(posts: &[ThreadPost], order: &[usize], m: &ThreadMention) -> State {
    let mut keys: HashSet<String> = m.posts.iter().cloned().collect();
    let mine: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| keys.contains(&posts[i].key))
        .collect();
    let own = mine.first().copied().or_else(|| {
        order.iter().copied().find(|&i| {
            posts[i].at == Some(m.at)
                && posts[i].leader.is_none()
                && match (&posts[i].author, &m.author) {
                    (Some(a), Some(b)) => same_name(a, b),
                    _ => false,
                }
        })
    });
    let mut ids = m.ids.clone();
    let mut texts = vec![m.body.clone()];
    for &i in mine.iter().chain(own.iter()) {
        ids.extend(posts[i].site_id.clone());
        texts.push(posts[i].body.clone());
        keys.insert(posts[i].key.clone());
    }
    State {
        status: m.status,
        last: m.last_change_at.map(|t| (t, usize::MAX)),
        own: own.map_or((m.at, 0), |i| position(posts, i)),
        posts: keys,
        ids,
        texts,
        absorbed: false,
    }
}

/// One walk through a thread in post-time order.
struct Linker<'a> {
    posts: &'a [ThreadPost],
    mentions: &'a [ThreadMention],
    /// Everyone but the leader who wrote in the thread: whom a post can address.
    authors: Vec<&'a str>,
    states: Vec<State>,
    out: Linking,
    /// Per mention: the latest of the leader's posts after it that answered nobody.
    latest_unlinked: Vec<Option<usize>>,
}

impl Linker<'_> {
    /// A post an earlier crawl attached to a stored mention is that mention's, not a new one.
    fn absorb_attached(&mut self) {
        let mentions = self.mentions;
        for (ni, n) in mentions.iter().enumerate().filter(|(_, n)| !n.stored) {
            let owner = mentions
                .iter()
                .position(|m| m.stored && n.posts.iter().any(|k| m.posts.contains(k)));
            if let Some(mi) = owner {
                self.states[ni].absorbed = true;
                self.out.absorbed.push((ni, mi));
            }
        }
    }

    /// One of the leader's posts: replies for the open mentions it answers, or, answering nobody,
    /// a note for the open mentions before it.
    fn leader_post(&mut self, pi: usize) {
        let p = &self.posts[pi];
        let here = position(self.posts, pi);
        let mut answered_any = false;
        for (mi, m) in self.mentions.iter().enumerate() {
            let s = &self.states[mi];
            if s.absorbed || here <= s.own || s.posts.contains(&p.key) {
                continue;
            }
            let how = link_to(
                p,
                &Target {
                    author: m.author.as_deref(),
                    ids: &s.ids,
                    texts: &s.texts,
                },
            )
            .or((m.scope == ReplyScope::Thread).then_some(LinkKind::Thread));
            let Some(how) = how else { continue };
            answered_any |= how != LinkKind::Thread;
            let s = &mut self.states[mi];
            if s.status.is_open() && s.after_last(here) {
                s.status = Status::Replied;
                s.last = Some(here);
                self.out.changes.push(Change::Replied {
                    mention: mi,
                    post: pi,
                    at: here.0,
                    how,
                });
            }
        }
        if answered_any || links_somewhere(p, &self.authors) {
            return;
        }
        for (mi, m) in self.mentions.iter().enumerate() {
            let s = &self.states[mi];
            if m.scope == ReplyScope::Post
                && !s.absorbed
                && s.status.is_open()
                && here > s.own
                && s.after_last(here)
            {
                self.latest_unlinked[mi] = Some(pi);
            }
        }
    }

    /// Anyone else's post: a follow-up when its author wrote a mention that was answered before it.
    fn follow_up(&mut self, pi: usize) {
        let p = &self.posts[pi];
        let here = position(self.posts, pi);
        let Some(author) = p.author.as_deref() else {
            return;
        };
        // A post that already belongs to a mention (its own, or a follow-up attached earlier) is
        // accounted for; only a mention this crawl is about to create may yet be a follow-up.
        let belongs =
            self.mentions.iter().zip(&self.states).any(|(m, s)| {
                !s.absorbed && s.posts.contains(&p.key) && (m.stored || s.own != here)
            });
        if belongs {
            return;
        }
        // The one mention it follows up: the latest replied one by the same author before it.
        let target = self
            .mentions
            .iter()
            .enumerate()
            .filter(|(mi, m)| {
                let s = &self.states[*mi];
                !s.absorbed
                    && s.status == Status::Replied
                    && here > s.own
                    && s.after_last(here)
                    && m.author.as_deref().is_some_and(|a| same_name(a, author))
            })
            .max_by_key(|(mi, _)| self.states[*mi].own)
            .map(|(mi, _)| mi);
        let Some(mi) = target else { return };
        let s = &mut self.states[mi];
        s.status = Status::New;
        s.last = Some(here);
        s.posts.insert(p.key.clone());
        s.ids.extend(p.site_id.clone());
        s.texts.push(p.body.clone());
        self.out.changes.push(Change::Reopened {
            mention: mi,
            post: pi,
            at: here.0,
        });
        self.out.attached.push((pi, mi));
        for (ni, n) in self.mentions.iter().enumerate() {
            if !n.stored && ni != mi && self.states[ni].own == here {
                self.states[ni].absorbed = true;
                self.out.absorbed.push((ni, mi));
            }
        }
    }

    /// The notes that still apply once the whole thread is walked.
    fn finish(mut self) -> Linking {
        for (mi, post) in self.latest_unlinked.iter().enumerate() {
            let s = &self.states[mi];
            if let Some(pi) = *post
                && s.status.is_open()
                && !s.absorbed
                && s.after_last(position(self.posts, pi))
            {
                self.out.posted_after.push((mi, pi));
            }
        }
        self.out
    }
}

#[cfg(test)]
mod tests;
