//! Threads' posts and the reply linking of one crawl, inside the crawl's transaction: what the store
//! knows of each thread the crawl read goes to `domain::conversation::link`, and what that decides is
//! written — detected replies and follow-ups at the posts' own times, follow-ups attached to the
//! mention they follow up (never a second mention), the leader's posts that answer nobody in
//! particular — and the thread's posts are kept for the next crawl and the mention page.

use super::mentions::{CrawlRecord, FOLLOW_UP_ACTOR, REPLY_DETECTION_ACTOR, transition_at};
use super::{
    Store, StoreError, StoreResult, col, from_ts, in_list, json_col, opt_from_ts, placeholders_for,
    search, ts,
};
use crate::domain::conversation::{self, Change, Linking, ReplyScope, ThreadMention, ThreadPost};
use crate::domain::dedup::IngestPlan;
use crate::domain::item::Quote;
use crate::domain::mention::{self, Action, Status, SystemNote};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{Any, AssertSqlSafe, Transaction};
use std::collections::{HashMap, HashSet};

/// The longest excerpt of a post kept, in characters: enough to recognise a quote of it and to show
/// the thread around a mention.
pub const EXCERPT_CHARS: usize = 600;

/// A stored post of a thread, as the mention page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredThreadPost {
    pub thread_url: String,
    pub key: String,
    pub site_id: Option<String>,
    pub url: Option<String>,
    pub author: Option<String>,
    pub posted_at: Option<DateTime<Utc>>,
    pub excerpt: String,
    pub reply_to: Option<String>,
    pub quotes: Vec<Quote>,
    /// The leader's handle when one of the leader's identities wrote it.
    pub leader: Option<String>,
    /// The mention this post is (`role` "mention") or follows up (`role` "follow_up").
    pub mention_id: Option<String>,
    pub role: Option<String>,
}

impl StoredThreadPost {
    /// The post as linking sees it.
    pub fn as_thread_post(&self) -> ThreadPost {
        ThreadPost {
            key: self.key.clone(),
            site_id: self.site_id.clone(),
            url: self.url.clone(),
            author: self.author.clone(),
            at: self.posted_at,
            body: self.excerpt.clone(),
            reply_to: self.reply_to.clone(),
            quotes: self.quotes.clone(),
            leader: self.leader.clone(),
        }
    }
}

/// At most `max` characters of `s`, cut at a character boundary, with an ellipsis when cut.
fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s[..i].trim_end()),
        None => s.to_string(),
    }
}

/// One thread's linking, decided before the crawl's new mentions are written.
pub(super) struct ThreadLinking {
    thread_url: String,
    posts: Vec<ThreadPost>,
    /// How many of `posts` (the first ones) this crawl read: those are written back.
    read: usize,
    mentions: Vec<ThreadMention>,
    /// For each mention: the candidate it is about to be made from (`None`: a stored mention).
    candidate: Vec<Option<usize>>,
    linking: Linking,
}

/// What linking changed in one crawl.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Linked {
    pub replied: usize,
    pub reopened: usize,
}

/// A stored mention of a thread, with what linking needs of it.
struct StoredMention {
    thread_url: String,
    mention: ThreadMention,
}

/// The thread's scope for one mention: the crawled source's setting for its own mentions, and its
/// brands' settings.
fn scope_of(rec: &CrawlRecord, source_id: i64, brands: &[String]) -> ReplyScope {
    let brand_scopes: Vec<ReplyScope> = brands
        .iter()
        .filter_map(|b| {
            rec.brand_reply_scopes
                .iter()
                .find(|(name, _)| name == b)
                .map(|(_, s)| *s)
        })
        .collect();
    let source = if source_id == rec.source_id {
        rec.reply_scope
    } else {
        ReplyScope::Post
    };
    ReplyScope::effective(source, &brand_scopes)
}

async fn stored_mentions(
    tx: &mut Transaction<'_, Any>,
    rec: &CrawlRecord,
    threads: &[&str],
) -> StoreResult<Vec<StoredMention>> {
    let mut out = Vec::new();
    let backend = search::backend_of(tx);
    for chunk in threads.chunks(backend.chunk_rows(1)) {
        let sql = format!(
            "SELECT m.id, m.source_id, m.thread_url, m.url, m.author, m.published_at, m.found_at, m.body, m.status, \
             m.brands, (SELECT MAX(e.at) FROM events e WHERE e.mention_id = m.id AND e.kind = 'status' \
             AND e.from_value IS NOT NULL) AS last_change FROM mentions m WHERE m.thread_url IN ({}) AND {}",
            in_list(backend, chunk.len()),
            super::VISIBLE
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for t in chunk {
            q = q.bind(*t);
        }
        for row in q.fetch_all(&mut **tx).await? {
            let brands: Vec<String> = json_col(&row, "brands")?;
            let source_id: i64 = col(&row, "source_id")?;
            let status: String = col(&row, "status")?;
            let thread_url: String = col(&row, "thread_url")?;
            let url: Option<String> = col(&row, "url")?;
            // An article found through a feed or an alert is its thread's root: the comments under it
            // answer it by being there (their `reply_to` names the thread, see `ingest::watch`).
            let ids = if crate::domain::thread::is_thread_root(url.as_deref(), &thread_url) {
                vec![thread_url.clone()]
            } else {
                Vec::new()
            };
            out.push(StoredMention {
                thread_url,
                mention: ThreadMention {
                    id: col(&row, "id")?,
                    stored: true,
                    author: col(&row, "author")?,
                    at: mention::posted_at(
                        opt_from_ts(col(&row, "published_at")?),
                        from_ts(col(&row, "found_at")?),
                    ),
                    body: col(&row, "body")?,
                    posts: Vec::new(),
                    ids,
                    status: status.parse().map_err(StoreError::Corrupt)?,
                    last_change_at: opt_from_ts(col(&row, "last_change")?),
                    scope: scope_of(rec, source_id, &brands),
                },
            });
        }
    }
    let ids: Vec<&str> = out.iter().map(|m| m.mention.id.as_str()).collect();
    let site_ids = site_ids(tx, &ids).await?;
    for m in &mut out {
        if let Some(found) = site_ids.get(&m.mention.id) {
            m.mention.ids.extend(found.iter().cloned());
        }
    }
    Ok(out)
}

/// The site ids the mentions are known by (their `id:SOURCE:ID` keys).
async fn site_ids(
    tx: &mut Transaction<'_, Any>,
    mention_ids: &[&str],
) -> StoreResult<HashMap<String, Vec<String>>> {
    let mut found: HashMap<String, Vec<String>> = HashMap::new();
    let backend = search::backend_of(tx);
    for chunk in mention_ids.chunks(backend.chunk_rows(1)) {
        let sql = format!(
            "SELECT key, mention_id FROM mention_keys WHERE key LIKE 'id:%' AND mention_id IN ({})",
            in_list(backend, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&mut **tx).await? {
            let key: String = col(&row, "key")?;
            if let Some((_, site_id)) = key.trim_start_matches("id:").split_once(':') {
                found
                    .entry(col(&row, "mention_id")?)
                    .or_default()
                    .push(site_id.to_string());
            }
        }
    }
    Ok(found)
}

const POST_COLUMNS: &str = "thread_url, post_key, site_id, url, author, posted_at, excerpt, reply_to, quotes, \
     leader, mention_id, role";

fn post_from_row(row: &sqlx::any::AnyRow) -> StoreResult<StoredThreadPost> {
    Ok(StoredThreadPost {
        thread_url: col(row, "thread_url")?,
        key: col(row, "post_key")?,
        site_id: col(row, "site_id")?,
        url: col(row, "url")?,
        author: col(row, "author")?,
        posted_at: opt_from_ts(col(row, "posted_at")?),
        excerpt: col(row, "excerpt")?,
        reply_to: col(row, "reply_to")?,
        quotes: json_col(row, "quotes")?,
        leader: col(row, "leader")?,
        mention_id: col(row, "mention_id")?,
        role: col(row, "role")?,
    })
}

async fn stored_posts(
    conn: &mut sqlx::AnyConnection,
    threads: &[&str],
) -> StoreResult<Vec<StoredThreadPost>> {
    let mut out = Vec::new();
    let backend = search::backend_of(conn);
    for chunk in threads.chunks(backend.chunk_rows(1)) {
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM thread_posts WHERE thread_url IN ({}) ORDER BY thread_url, posted_at, post_key",
            in_list(backend, chunk.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for t in chunk {
            q = q.bind(*t);
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.push(post_from_row(&row)?);
        }
    }
    Ok(out)
}

/// Links the replies in every thread this crawl read that holds a mention (stored, or about to be
/// made from one of `plan`'s new candidates), and takes the new candidates that turn out to be
/// follow-ups out of `plan`.
pub(super) async fn link_threads(
    tx: &mut Transaction<'_, Any>,
    rec: &CrawlRecord,
    plan: &mut IngestPlan,
    now: DateTime<Utc>,
) -> StoreResult<Vec<ThreadLinking>> {
    if rec.thread_posts.is_empty() {
        return Ok(Vec::new());
    }
    // The crawl's posts by thread, in the crawl's order (one pass: a big feed has a thread per article).
    let mut by_thread: HashMap<&str, Vec<&crate::domain::candidate::ThreadedPost>> = HashMap::new();
    for p in &rec.thread_posts {
        by_thread.entry(p.thread_url.as_str()).or_default().push(p);
    }
    let mut threads: Vec<&str> = by_thread.keys().copied().collect();
    threads.sort_unstable();
    let new: HashSet<usize> = plan.new.iter().copied().collect();
    let mut stored: HashMap<String, Vec<StoredMention>> = HashMap::new();
    for m in stored_mentions(tx, rec, &threads).await? {
        stored.entry(m.thread_url.clone()).or_default().push(m);
    }
    // A thread is linked when a mention is stored in it or a new one comes, except an article alone in
    // its own thread (a feed item, nothing stored there yet): it has nothing to link.
    let threads: Vec<&str> = threads
        .into_iter()
        .filter(|t| {
            let posts = &by_thread[t];
            stored.contains_key(*t)
                || (posts
                    .iter()
                    .any(|p| p.candidate.is_some_and(|c| new.contains(&c)))
                    && !posts
                        .iter()
                        .all(|p| crate::domain::thread::is_thread_root(p.post.url.as_deref(), t)))
        })
        .collect();
    let mut known_posts: HashMap<String, Vec<StoredThreadPost>> = HashMap::new();
    for p in stored_posts(tx, &threads).await? {
        known_posts.entry(p.thread_url.clone()).or_default().push(p);
    }
    let mut out = Vec::with_capacity(threads.len());
    let mut absorbed = HashSet::new();
    for thread in threads {
        let mut posts: Vec<ThreadPost> = Vec::new();
        let mut keys = HashSet::new();
        let mut mentions = Vec::new();
        let mut candidate = Vec::new();
        for p in by_thread.get(thread).into_iter().flatten() {
            if !keys.insert(p.post.key.clone()) {
                continue;
            }
            posts.push(p.post.clone());
            if let Some(c) = p.candidate.filter(|c| new.contains(c)) {
                let cand = &rec.candidates[c];
                mentions.push(ThreadMention {
                    id: format!("candidate {c}"),
                    stored: false,
                    author: cand.author.clone(),
                    at: mention::posted_at(cand.published_at, now),
                    body: cand.body.clone(),
                    posts: vec![p.post.key.clone()],
                    ids: p.post.site_id.iter().cloned().collect(),
                    status: Status::New,
                    last_change_at: None,
                    scope: scope_of(rec, rec.source_id, &cand.brands),
                });
                candidate.push(Some(c));
            }
        }
        let read = posts.len();
        let stored_here = known_posts.remove(thread).unwrap_or_default();
        for s in stored.get_mut(thread).into_iter().flatten() {
            s.mention.posts = stored_here
                .iter()
                .filter(|p| p.mention_id.as_deref() == Some(s.mention.id.as_str()))
                .map(|p| p.key.clone())
                .collect();
            mentions.push(s.mention.clone());
            candidate.push(None);
        }
        posts.extend(
            stored_here
                .iter()
                .filter(|p| !keys.contains(&p.key))
                .map(StoredThreadPost::as_thread_post),
        );
        let linking = conversation::link(&posts, &mentions);
        for &(n, _) in &linking.absorbed {
            absorbed.extend(candidate[n]);
        }
        out.push(ThreadLinking {
            thread_url: thread.to_string(),
            posts,
            read,
            mentions,
            candidate,
            linking,
        });
    }
    plan.drop_new(&absorbed);
    Ok(out)
}

const POST_COLS: usize = 13;

/// Writes what linking decided once the crawl's new mentions exist (`new_ids` in `plan` order).
pub(super) async fn apply_links(
    tx: &mut Transaction<'_, Any>,
    threads: &[ThreadLinking],
    plan: &IngestPlan,
    new_ids: &[String],
    now: DateTime<Utc>,
) -> StoreResult<Linked> {
    let made: HashMap<usize, &str> = plan
        .new
        .iter()
        .copied()
        .zip(new_ids.iter().map(String::as_str))
        .collect();
    let mut linked = Linked::default();
    for t in threads {
        let ids: Vec<Option<&str>> = t
            .mentions
            .iter()
            .zip(&t.candidate)
            .map(|(m, c)| match c {
                None => Some(m.id.as_str()),
                Some(c) => made.get(c).copied(),
            })
            .collect();
        write_posts(tx, t, &ids, now).await?;
        let mut status: Vec<Status> = t.mentions.iter().map(|m| m.status).collect();
        for change in &t.linking.changes {
            let (mi, action, actor, at) = match *change {
                Change::Replied {
                    mention, post, at, ..
                } => {
                    let p = &t.posts[post];
                    let handle = p.leader.clone().unwrap_or_default();
                    let action = Action::Replied {
                        at,
                        reply_url: p.url.clone(),
                        note: Some(SystemNote::ReplyDetected { handle }.text()),
                    };
                    (mention, action, REPLY_DETECTION_ACTOR, at)
                }
                Change::Reopened { mention, post, at } => {
                    let author = t.posts[post].author.clone().unwrap_or_default();
                    let action = Action::Reopen {
                        note: Some(SystemNote::FollowUp { author }.text()),
                    };
                    (mention, action, FOLLOW_UP_ACTOR, at)
                }
            };
            let Some(id) = ids[mi] else { continue };
            let Ok(to) = mention::apply(status[mi], &action, now) else {
                continue;
            };
            transition_at(tx, id, status[mi], &action, actor, at, now).await?;
            // A reply or a follow-up is news of its own: an older note no longer applies.
            sqlx::query(
                "UPDATE mentions SET leader_posted_at = NULL, leader_post_url = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(&mut **tx)
            .await?;
            status[mi] = to;
            match to {
                Status::Replied => linked.replied += 1,
                _ => linked.reopened += 1,
            }
        }
        for &(mi, post) in &t.linking.posted_after {
            let Some(id) = ids[mi] else { continue };
            let p = &t.posts[post];
            sqlx::query(
                "UPDATE mentions SET leader_posted_at = $1, leader_post_url = $2 WHERE id = $3",
            )
            .bind(p.at.map(ts))
            .bind(p.url.as_deref())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(linked)
}

/// Stores the posts this crawl read of one thread (an edit replaces the excerpt), with the mention
/// each now belongs to.
async fn write_posts(
    tx: &mut Transaction<'_, Any>,
    t: &ThreadLinking,
    ids: &[Option<&str>],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut belongs: HashMap<usize, (&str, &str)> = HashMap::new();
    for (mi, m) in t.mentions.iter().enumerate() {
        if let (Some(id), Some(_)) = (ids[mi], t.candidate[mi])
            && let Some(own) = t.posts[..t.read]
                .iter()
                .position(|p| m.posts.contains(&p.key))
        {
            belongs.insert(own, (id, "mention"));
        }
    }
    for &(post, mi) in &t.linking.attached {
        if let Some(id) = ids[mi] {
            belongs.insert(post, (id, "follow_up"));
        }
    }
    let read: Vec<(usize, &ThreadPost)> = t.posts[..t.read].iter().enumerate().collect();
    // Attached follow-ups that were already stored are updated in place.
    let older: Vec<(usize, (&str, &str))> = belongs
        .iter()
        .filter(|(p, _)| **p >= t.read)
        .map(|(p, b)| (*p, *b))
        .collect();
    let backend = search::backend_of(tx);
    for chunk in read.chunks(backend.chunk_rows(POST_COLS)) {
        let sql = format!(
            "INSERT INTO thread_posts (thread_url, post_key, site_id, url, author, posted_at, excerpt, reply_to, \
             quotes, leader, mention_id, role, first_seen_at) VALUES {} \
             ON CONFLICT (thread_url, post_key) DO UPDATE SET site_id = excluded.site_id, url = excluded.url, \
             author = excluded.author, posted_at = excluded.posted_at, excerpt = excluded.excerpt, \
             reply_to = excluded.reply_to, quotes = excluded.quotes, leader = excluded.leader, \
             mention_id = COALESCE(excluded.mention_id, thread_posts.mention_id), \
             role = COALESCE(excluded.role, thread_posts.role)",
            placeholders_for(backend, chunk.len(), POST_COLS)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (i, p) in chunk {
            let quotes: Vec<Quote> = p
                .quotes
                .iter()
                .map(|q| Quote {
                    author: q.author.clone(),
                    text: excerpt(&q.text, EXCERPT_CHARS / 2),
                })
                .collect();
            let (mention_id, role) = belongs.get(i).copied().unzip();
            q = q
                .bind(t.thread_url.as_str())
                .bind(p.key.as_str())
                .bind(p.site_id.as_deref())
                .bind(p.url.as_deref())
                .bind(p.author.as_deref())
                .bind(p.at.map(ts))
                .bind(excerpt(&p.body, EXCERPT_CHARS))
                .bind(p.reply_to.as_deref())
                .bind(serde_json::to_string(&quotes).unwrap_or_else(|_| "[]".into()))
                .bind(p.leader.as_deref())
                .bind(mention_id)
                .bind(role)
                .bind(ts(now));
        }
        q.execute(&mut **tx).await?;
    }
    for (post, (id, role)) in older {
        sqlx::query(
            "UPDATE thread_posts SET mention_id = $1, role = $2 WHERE thread_url = $3 AND post_key = $4",
        )
        .bind(id)
        .bind(role)
        .bind(t.thread_url.as_str())
        .bind(t.posts[post].key.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl Store {
    /// The stored posts of a thread (its canonical URL), in time order: what the mention page shows
    /// around a mention, and what a post's context (a reply to a stored mention, a post in a thread
    /// about the brand) is judged from.
    pub async fn thread_posts(&self, thread_url: &str) -> StoreResult<Vec<StoredThreadPost>> {
        let mut conn = self.pool().acquire().await?;
        let mut posts = stored_posts(&mut conn, &[thread_url]).await?;
        posts.sort_by(|a, b| (a.posted_at, &a.key).cmp(&(b.posted_at, &b.key)));
        Ok(posts)
    }
}
