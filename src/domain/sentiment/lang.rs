//! Language detection: `sv`, `en` or `other`.
//!
//! whatlang's trigram model is good on sentences but guesses on a few words, and it readily confuses
//! Swedish with Norwegian and Danish. So: texts of fewer than [`SHORT`] words are decided by function
//! words, then by the letters å/ä/ö, then by which lexicon knows the words; longer texts go to whatlang
//! restricted to the languages Lyssna's users actually meet, with the same function-word counts as a
//! tiebreak when whatlang is unsure or picks a neighbour of Swedish.

use std::sync::OnceLock;

use whatlang::{Detector, Lang};

use super::tokenize::{Kind, Token};

/// Below this many words a text counts as short (whatlang is unreliable there).
const SHORT: usize = 6;

/// Words that are frequent in Swedish and are not (or are rarely) English, Norwegian or Danish words.
const SV_WORDS: &[&str] = &[
    "och", "inte", "jag", "är", "att", "ett", "också", "mycket", "väldigt", "från", "när", "vad",
    "hur", "mig", "dig", "hade", "blev", "aldrig", "inget", "något", "någon", "än", "här", "där",
    "fick", "får", "varit", "bara", "dom", "tack", "nej", "sämst", "bra", "lite", "hos",
];
/// Words that are frequent in English and not Swedish words.
const EN_WORDS: &[&str] = &[
    "the", "and", "is", "it", "to", "of", "a", "that", "you", "this", "was", "for", "with", "not",
    "but", "are", "have", "my", "they", "be", "on", "at", "so", "very", "just", "we", "what", "no",
    "don't", "can't", "it's", "i'm", "never", "would", "will", "there", "their", "your", "from",
    "or", "an", "if", "all", "get", "been", "had", "were", "me", "our",
];

/// Whether `w` is one of the distinctly Swedish function words.
pub(crate) fn is_swedish_word(w: &str) -> bool {
    SV_WORDS.contains(&w)
}

fn detector() -> &'static Detector {
    static DETECTOR: OnceLock<Detector> = OnceLock::new();
    DETECTOR.get_or_init(|| {
        // The languages of a Swedish company's web: Nordic neighbours, the large European ones, and
        // the largest immigrant languages in Latin script. Other scripts are detected by whatlang's
        // script step before this list matters.
        Detector::with_allowlist(vec![
            Lang::Swe,
            Lang::Eng,
            Lang::Nob,
            Lang::Dan,
            Lang::Fin,
            Lang::Deu,
            Lang::Fra,
            Lang::Spa,
            Lang::Ita,
            Lang::Nld,
            Lang::Por,
            Lang::Pol,
            Lang::Tur,
            Lang::Est,
            Lang::Rus,
            Lang::Ara,
            Lang::Ukr,
            Lang::Ell,
            Lang::Pes,
        ])
    })
}

/// Detects the language of already tokenised text. `lexicon_vote` says, for a short text with no
/// function words, how many words only the Swedish (positive) or only the English (negative) lexicon
/// knows.
pub(crate) fn detect(
    text: &str,
    tokens: &[Token<'_>],
    lexicon_vote: impl Fn() -> i32,
) -> &'static str {
    let mut words = 0usize;
    let (mut sv, mut en, mut en_strong) = (0usize, 0usize, 0usize);
    for t in tokens.iter().filter(|t| t.kind == Kind::Word) {
        words += 1;
        let w = t.text.as_ref();
        sv += usize::from(SV_WORDS.contains(&w));
        let english = EN_WORDS.contains(&w);
        en += usize::from(english);
        // Short words other Latin-script languages share ("a", "no", "on", "me", "so") don't count.
        en_strong += usize::from(english && w.len() > 2 && !matches!(w, "all" | "are"));
    }
    let swedish_letters = text.contains(['å', 'ä', 'ö', 'Å', 'Ä', 'Ö']);
    let nordic_neighbour_letters = text.contains(['æ', 'ø', 'Æ', 'Ø']);
    if words == 0 {
        return "other";
    }
    if words < SHORT {
        return match sv.cmp(&en) {
            std::cmp::Ordering::Greater => "sv",
            std::cmp::Ordering::Less => "en",
            std::cmp::Ordering::Equal if swedish_letters && !nordic_neighbour_letters => "sv",
            std::cmp::Ordering::Equal => match lexicon_vote() {
                v if v > 0 => "sv",
                v if v < 0 => "en",
                _ => "other",
            },
        };
    }
    // Fast path, a third of the classifier's time otherwise: when function words leave no doubt,
    // whatlang would only agree. English needs three distinctly English words and no Swedish ones;
    // Swedish needs three Swedish words, å/ä/ö (which Norwegian and Danish lack in ä/ö) and no English.
    if en_strong >= 3 && sv == 0 && !swedish_letters && !nordic_neighbour_letters {
        return "en";
    }
    if sv >= 3 && en == 0 && text.contains(['ä', 'ö', 'Ä', 'Ö']) && !nordic_neighbour_letters {
        return "sv";
    }
    let info = detector().detect(text);
    match info.map(|i| (i.lang(), i.is_reliable())) {
        Some((Lang::Swe, _)) => "sv",
        Some((Lang::Eng, _)) => "en",
        // Danish and Norwegian have no ä/ö: a text with them and Swedish function words is Swedish.
        Some((Lang::Nob | Lang::Dan, _))
            if swedish_letters && !nordic_neighbour_letters && sv >= 2 =>
        {
            "sv"
        }
        Some((_, false)) | None if sv >= 3 && sv >= 2 * en => "sv",
        Some((_, false)) | None if en >= 3 && en >= 2 * sv => "en",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::super::detect_language;

    #[test]
    fn sentences_in_each_language() {
        assert_eq!(
            detect_language(
                "Jag har väntat i tre veckor på svar från kundtjänst och ingen hör av sig."
            ),
            "sv"
        );
        assert_eq!(
            detect_language("I have been waiting three weeks for an answer from customer support."),
            "en"
        );
        assert_eq!(
            detect_language(
                "Der Kundendienst hat mir nach drei Wochen immer noch nicht geantwortet."
            ),
            "other"
        );
        assert_eq!(
            detect_language(
                "Kundeservice har ikke svaret meg på tre uker, og jeg er lei av å vente."
            ),
            "other"
        );
    }

    #[test]
    fn short_texts_use_function_words_letters_and_lexicons() {
        assert_eq!(detect_language("Inte bra"), "sv");
        assert_eq!(detect_language("Not good"), "en");
        assert_eq!(detect_language("Sämst!"), "sv");
        assert_eq!(detect_language("Toppen!"), "sv");
        assert_eq!(detect_language("Awesome!"), "en");
        assert_eq!(detect_language("👍"), "other");
        assert_eq!(detect_language(""), "other");
        assert_eq!(detect_language("Volvo XC60"), "other");
    }
}
