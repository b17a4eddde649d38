//! Sources: names unique, a kind, an http(s) URL, a recipe of the right kind where the kind needs one,
//! and a schedule; and how a recipe name is found (built in, or a file beside the configuration).

use super::defaults;
use super::problems::Problems;
use super::raw::RawSource;
use super::sections::duration;
use super::{CronSchedule, Schedule, SourceConfig, SourceKind, parse_duration};
use crate::crawl::recipe::{Recipe, RecipeKind};
use std::path::{Path, PathBuf};
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
        sources.push(SourceConfig {
            url: url(s, &name, kind, p),
            recipe: recipe(s, &name, kind, base_dir, p),
            schedule: schedule(&s.every, &s.schedule, &name, p),
            name,
            kind,
            ignore_robots: s.ignore_robots,
            allow_private: s.allow_private,
            expected_quiet: duration(&s.expected_quiet, defaults::EXPECTED_QUIET, p),
            enabled: s.enabled,
            reply_scope: super::brands::reply_scope(s.reply_scope.as_ref(), p),
        });
    }
    sources
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
