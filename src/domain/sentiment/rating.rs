//! Ratings from the source: stars, points and thumbs, whatever the scale.
//!
//! Recipes give a value and the scale's best value (`Rating { value, scale }`): 4 of 5 stars, 8 of
//! 10, 85 of 100, and thumbs as scale 1 (1 up, 0 or −1 down). A rating says more about what the writer
//! thought than their words do, so it decides whenever it is clearly low or high.

use crate::domain::item::Rating;

/// The rating's position from 0 (worst) to 1 (best), or `None` when it cannot be read.
///
/// A value above its scale means the recipe guessed the scale (the default is 5): "80 %" read as 80
/// of 5. Such a value is read on the smallest usual scale that holds it, 10 or 100, rather than being
/// clamped to a perfect score.
pub(crate) fn position(r: Rating) -> Option<f64> {
    if !(r.value.is_finite() && r.scale.is_finite() && r.scale > 0.0) {
        return None;
    }
    let scale = if r.value <= r.scale {
        r.scale
    } else if r.value <= 10.0 {
        10.0
    } else if r.value <= 100.0 {
        100.0
    } else {
        return None;
    };
    Some((r.value / scale).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(value: f64, scale: f64) -> Option<f64> {
        position(Rating { value, scale })
    }

    #[test]
    fn every_scale_maps_to_zero_one() {
        assert_eq!(at(4.0, 5.0), Some(0.8));
        assert_eq!(at(8.0, 10.0), Some(0.8));
        assert_eq!(at(85.0, 100.0), Some(0.85));
        // Thumbs: scale 1, up is 1, down is 0 or −1.
        assert_eq!(at(1.0, 1.0), Some(1.0));
        assert_eq!(at(0.0, 1.0), Some(0.0));
        assert_eq!(at(-1.0, 1.0), Some(0.0));
    }

    #[test]
    fn a_value_above_its_scale_is_read_on_a_larger_scale() {
        assert_eq!(at(30.0, 5.0), Some(0.3));
        assert_eq!(at(9.0, 5.0), Some(0.9));
        assert_eq!(at(250.0, 5.0), None);
    }

    #[test]
    fn nonsense_is_ignored() {
        assert_eq!(at(1.0, 0.0), None);
        assert_eq!(at(f64::NAN, 5.0), None);
        assert_eq!(at(1.0, f64::INFINITY), None);
    }
}
