//! Sources: names unique, a kind, an http(s) URL, a recipe of the right kind where the kind needs one,
//! and a schedule; and how a recipe name is found (built in, or a file beside the configuration).

use super::defaults;
use super::problems::Problems;
use super::raw::RawSource;
use super::sections::duration;
use super::{CronSchedule, Schedule, SourceConfig, SourceKind, parse_duration};
use crate::crawl::recipe::{Recipe, RecipeKind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

pub(super) fn sources(raw: &[RawSource], base_dir: &Path, p: &mut Problems) -> Vec<SourceConfig> {
    let mut sources = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for s in raw {
        let name = s.name.get_ref().trim().to_string();
        if name.is_empty() {
            p.at(&s.name, "a source needs a name");
        } else if !seen.insert(name.clone()) {
            p.at(&s.name, format!("the source name '{name}' is used twice"));
        }
        let kind = s.kind.get_ref().parse::<SourceKind>().unwrap_or_else(|e| {
            p.at(&s.kind, e);
            SourceKind::Manual
        });
        let recipe = recipe(s, &name, kind, base_dir, p);
        let thread_recipe = thread_recipe(s, &name, recipe.as_ref(), base_dir, p).map(Arc::new);
        let recipe = recipe.map(Arc::new);
        let auth = s.auth.as_ref().and_then(|a| auth(a, &name, p));
        sources.push(SourceConfig {
            auth,
            url: url(s, &name, kind, p),
            recipe,
            thread_recipe,
            schedule: schedule(&s.every, &s.schedule, &name, p),
            name,
            kind,
            ignore_robots: s.ignore_robots,
            allow_private: s.allow_private,
            expected_quiet: duration(&s.expected_quiet, defaults::EXPECTED_QUIET, p),
            enabled: s.enabled,
            about: s.about.iter().map(|b| b.get_ref().clone()).collect(),
            thread_context: s.thread_context,
            reply_scope: super::brands::reply_scope(s.reply_scope.as_ref(), p),
        });
    }
    sources
}

/// Every brand a source says it is `about` must be configured.
pub(super) fn check_about(raw: &[RawSource], brands: &[super::BrandSpec], p: &mut Problems) {
    for s in raw {
        for b in &s.about {
            if !brands.iter().any(|x| x.name == *b.get_ref()) {
                let names: Vec<&str> = brands.iter().map(|x| x.name.as_str()).collect();
                p.at(
                    b,
                    format!(
                        "source '{}': about = '{}' is not a configured brand{}",
                        s.name.get_ref(),
                        b.get_ref(),
                        crate::domain::spelling::did_you_mean(b.get_ref(), &names)
                    ),
                );
            }
        }
    }
}

fn url(s: &RawSource, name: &str, kind: SourceKind, p: &mut Problems) -> Option<url::Url> {
    match &s.url {
        Some(u) => match url::Url::parse(u.get_ref()) {
            Ok(parsed)
                if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some() =>
            {
                Some(parsed)
            }
            _ => {
                p.at(
                    u,
                    format!("source '{name}': '{}' is not an http(s) URL", u.get_ref()),
                );
                None
            }
        },
        None => {
            if kind != SourceKind::Manual {
                p.at(&s.name, format!("source '{name}' needs a url"));
            }
            None
        }
    }
}

fn recipe_kind_name(kind: RecipeKind) -> &'static str {
    match kind {
        RecipeKind::Html => "html",
        RecipeKind::Json => "json",
    }
}

fn recipe(
    s: &RawSource,
    name: &str,
    kind: SourceKind,
    base_dir: &Path,
    p: &mut Problems,
) -> Option<Recipe> {
    match (&s.recipe, kind) {
        (Some(r), SourceKind::Html | SourceKind::Json) => {
            match resolve_recipe(r.get_ref(), base_dir) {
                Ok(recipe) => {
                    let wanted = kind.as_str();
                    if recipe_kind_name(recipe.kind()) != wanted {
                        p.at(
                        r,
                        format!(
                            "source '{name}' is kind = \"{wanted}\" but recipe '{}' is for {} pages",
                            r.get_ref(),
                            recipe_kind_name(recipe.kind())
                        ),
                    );
                    }
                    Some(recipe)
                }
                Err(e) => {
                    p.at(r, format!("source '{name}': {e}"));
                    None
                }
            }
        }
        (Some(r), _) => {
            p.at(
                r,
                format!("source '{name}': only html and json sources use a recipe"),
            );
            None
        }
        (None, SourceKind::Html) => {
            p.at(&s.kind, format!(
                "source '{name}' is an html source and needs a recipe, e.g. recipe = \"schema-org\" (built-in: {})",
                Recipe::builtin_names().join(", ")
            ));
            None
        }
        (None, SourceKind::Json) => {
            p.at(&s.kind, format!(
                "source '{name}' is a json source and needs a recipe, e.g. recipe = \"discourse-search\""
            ));
            None
        }
        (None, _) => None,
    }
}

/// A source's `auth`: header names that are header names, environment variable names that are not
/// empty, and basic auth with both its user name and its password.
fn auth(
    a: &Spanned<super::raw::RawAuth>,
    name: &str,
    p: &mut Problems,
) -> Option<super::SourceAuth> {
    let raw = a.get_ref();
    let mut ok = true;
    for header in raw.headers.keys() {
        if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
            p.at(
                a,
                format!("source '{name}': auth.headers: '{header}' is not a request header name"),
            );
            ok = false;
        }
    }
    let vars = raw
        .headers
        .values()
        .chain(&raw.cookie_env)
        .chain(&raw.username_env)
        .chain(&raw.password_env);
    for var in vars {
        if var.trim().is_empty() || var.contains(['=', ' ']) {
            p.at(a, format!("source '{name}': auth: '{var}' is not an environment variable name (auth values are the names of environment variables, e.g. \"LYSSNA_FORUM_TOKEN\")"));
            ok = false;
        }
    }
    let basic = match (&raw.username_env, &raw.password_env) {
        (Some(u), Some(pw)) => Some((u.clone(), pw.clone())),
        (None, None) => None,
        _ => {
            p.at(
                a,
                format!(
                    "source '{name}': auth: basic auth needs both username_env and password_env"
                ),
            );
            ok = false;
            None
        }
    };
    ok.then(|| super::SourceAuth {
        headers: raw
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        cookie_env: raw.cookie_env.clone(),
        basic,
    })
}

/// A listing's thread recipe: the source's `thread_recipe`, else the one its recipe's `[follow]` names.
fn thread_recipe(
    s: &RawSource,
    name: &str,
    recipe: Option<&Recipe>,
    base_dir: &Path,
    p: &mut Problems,
) -> Option<Recipe> {
    let Some(follow) = recipe.and_then(Recipe::follow) else {
        if let (Some(t), Some(_)) = (&s.thread_recipe, recipe) {
            p.at(
                t,
                format!(
                    "source '{name}': thread_recipe is for listings, and recipe '{}' reads no thread links (it has no [follow] table)",
                    recipe.map_or("", Recipe::name)
                ),
            );
        }
        return None;
    };
    let (wanted, at) = match (&s.thread_recipe, &follow.thread_recipe) {
        (Some(t), _) => (t.get_ref().clone(), Some(t)),
        (None, Some(n)) => (n.clone(), None),
        (None, None) => {
            p.at(
                &s.name,
                format!(
                    "source '{name}' is a listing (its recipe has a [follow] table) and needs the recipe to read each thread with: thread_recipe = \"flashback-thread\" on the source or in [follow]"
                ),
            );
            return None;
        }
    };
    let problem = match resolve_recipe(&wanted, base_dir) {
        Ok(r) if r.follow().is_none() => return Some(r),
        Ok(_) => format!(
            "source '{name}': thread recipe '{wanted}' reads thread links itself ([follow]); name a recipe that reads a thread's posts"
        ),
        Err(e) => format!("source '{name}': thread recipe: {e}"),
    };
    match at {
        Some(t) => p.at(t, problem),
        None => p.at(&s.name, problem),
    }
    None
}

fn schedule(
    every: &Option<Spanned<String>>,
    cron: &Option<Spanned<String>>,
    name: &str,
    p: &mut Problems,
) -> Schedule {
    let fallback = Schedule::Every(defaults::SOURCE_EVERY);
    match (every, cron) {
        (Some(e), Some(_)) => {
            p.at(
                e,
                format!("source '{name}' has both every and schedule; keep one"),
            );
            fallback
        }
        (Some(e), None) => match parse_duration(e.get_ref()) {
            Ok(d) if d >= defaults::SOURCE_EVERY_MIN => Schedule::Every(d),
            Ok(_) => {
                p.at(
                    e,
                    format!(
                        "source '{name}': every = \"{}\" is too often; the minimum is 1m",
                        e.get_ref()
                    ),
                );
                Schedule::Every(defaults::SOURCE_EVERY_MIN)
            }
            Err(err) => {
                p.at(e, format!("source '{name}': every: {err}"));
                fallback
            }
        },
        (None, Some(c)) => match CronSchedule::parse(c.get_ref()) {
            Ok(c) => Schedule::Cron(Box::new(c)),
            Err(err) => {
                p.at(c, format!("source '{name}': schedule {err}"));
                fallback
            }
        },
        (None, None) => fallback,
    }
}

/// A recipe by built-in name, or a file: `NAME` → `recipes/NAME.toml` beside the config file (also
/// `config/recipes/NAME.toml`), or a path ending in `.toml` relative to the config file.
pub fn resolve_recipe(name: &str, base_dir: &Path) -> Result<Recipe, String> {
    if let Some(r) = Recipe::builtin(name) {
        return Ok(r);
    }
    let candidates: Vec<PathBuf> = if name.ends_with(".toml") {
        vec![base_dir.join(name), PathBuf::from(name)]
    } else {
        vec![
            base_dir.join("recipes").join(format!("{name}.toml")),
            base_dir.join("config/recipes").join(format!("{name}.toml")),
        ]
    };
    for c in &candidates {
        if let Ok(text) = std::fs::read_to_string(c) {
            return Recipe::from_toml(&c.display().to_string(), &text).map_err(|e| e.to_string());
        }
    }
    Err(format!(
        "unknown recipe '{name}': not built in ({}) and no file at {}",
        Recipe::builtin_names().join(", "),
        candidates
            .iter()
            .map(|c| c.display().to_string())
            .collect::<Vec<_>>()
            .join(" or ")
    ))
}
