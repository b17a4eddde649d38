//! What a dashboard password must be: at least 8 characters, and not one an attacker tries first.
//!
//! Length alone lets `aaaaaaaa` and `12345678` through. Refused besides: the shipped list of common
//! passwords (`config/common-passwords.txt`, compared case-insensitively and also without trailing
//! digits and punctuation, so `Password123!` counts as `password`), a single repeated character, a
//! repeated short pattern (`abcabcab`, `12121212`), runs on the alphabet, the digits or a keyboard row
//! (`abcdefgh`, `87654321`, `qwertyui`), and the user name (also reversed, or followed by digits).

const COMMON: &str = include_str!("../../config/common-passwords.txt");
pub const MIN_CHARS: usize = 8;

/// `Ok` when `password` may be used by `user`, else why not, in words for the person choosing it.
pub fn check(user: &str, password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_CHARS {
        return Err(format!(
            "the password is too short: use at least {MIN_CHARS} characters (a few unrelated words are easy to remember)"
        ));
    }
    let lower = password.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    if let Some(period) = repeats(&chars) {
        return Err(if period == 1 {
            "the password is one character repeated; choose one that is harder to guess".into()
        } else {
            "the password repeats a short pattern; choose one that is harder to guess".into()
        });
    }
    if is_run(&chars) {
        return Err(
            "the password is a run of letters, digits or keys in order (like abcdefgh, 12345678 or qwertyui); choose one that is harder to guess"
                .into(),
        );
    }
    let name = user.trim().to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    if !name.is_empty() {
        let reversed: String = name.chars().rev().collect();
        if lower == name || lower == reversed || stem == name {
            return Err("the password is the user name; choose one that is harder to guess".into());
        }
    }
    if is_common(&lower) || is_common(stem) {
        return Err(
            "the password is on the list of the most common passwords, which attackers try first; choose another"
                .into(),
        );
    }
    Ok(())
}

fn is_common(candidate: &str) -> bool {
    !candidate.is_empty()
        && COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .any(|l| l == candidate)
}

/// The period when the whole password is one short pattern (up to 4 characters) repeated.
fn repeats(chars: &[char]) -> Option<usize> {
    (1..=4).find(|&p| chars.len() > p && chars.iter().enumerate().all(|(i, c)| *c == chars[i % p]))
}

/// Whether the password walks a sequence one step at a time, forwards or backwards.
fn is_run(chars: &[char]) -> bool {
    const ROWS: &[&str] = &[
        "abcdefghijklmnopqrstuvwxyzåäö",
        "01234567890",
        "qwertyuiopå",
        "asdfghjklöä",
        "zxcvbnm",
        "qazwsxedcrfvtgbyhnujmikolp",
        "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    ];
    ROWS.iter().any(|row| {
        let forward: String = chars.iter().collect();
        let backward: String = chars.iter().rev().collect();
        let doubled = format!("{row}{row}");
        doubled.contains(&forward) || doubled.contains(&backward)
    })
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn trivial_and_common_passwords_are_refused() {
        for bad in [
            "aaaaaaaa",
            "12345678",
            "87654321",
            "abcdefgh",
            "qwertyui",
            "12121212",
            "abcabcabc",
            "password",
            "Password123!",
            "lösenord1",
            "Sommar2026",
            "erikerik1",
            "short",
        ] {
            assert!(check("erikerik", bad).is_err(), "{bad} should be refused");
        }
        assert!(check("erikerik", "erikerik").is_err());
        assert!(check("erikerik", "kirekire").is_err());
    }

    #[test]
    fn ordinary_passwords_pass() {
        for good in [
            "korrekt häst batteri",
            "Tr0mb0ne-Kaffe",
            "gul bil i snön",
            "x7#kP2!qLm",
        ] {
            assert_eq!(check("erik", good), Ok(()), "{good}");
        }
    }
}
