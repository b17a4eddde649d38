//! "Did you mean": the valid name closest to a misspelt one (configuration keys, recipe fields).

/// The valid key closest to a misspelt one, when it is close enough to be what was meant.
pub fn nearest<'a, S: AsRef<str>>(key: &str, valid: &'a [S]) -> Option<&'a str> {
    let key = key.to_lowercase();
    valid
        .iter()
        .map(|v| (edit_distance(&key, &v.as_ref().to_lowercase()), v.as_ref()))
        .filter(|(d, v)| *d <= (v.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, v)| v)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbours (`agnet` → `agent` is one).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// ` (did you mean `x`?)` for a message, or nothing when no valid name is close.
pub fn did_you_mean<S: AsRef<str>>(key: &str, valid: &[S]) -> String {
    nearest(key, valid)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_and_far_ones_not() {
        let valid = ["user_agent", "per_host_delay", "timeout"];
        assert_eq!(nearest("user_agnet", &valid), Some("user_agent"));
        assert_eq!(nearest("per-host-delay", &valid), Some("per_host_delay"));
        assert_eq!(nearest("Timeout", &valid), Some("timeout"));
        assert_eq!(nearest("colour", &valid), None);
        assert_eq!(
            did_you_mean("titel", &["title", "body"]),
            " (did you mean `title`?)"
        );
        assert_eq!(did_you_mean("zzz", &["title", "body"]), "");
    }
}
