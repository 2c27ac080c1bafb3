//! Kubernetes resource quantities (`500m`, `2Gi`, `1.5G`, `1e3`), parsed
//! exactly so a ceiling comparison never rounds a value under its limit.

use std::cmp::Ordering;

/// A non-negative quantity as the fraction `numerator / denominator`.
#[derive(Clone, Copy, Debug)]
pub struct Quantity {
    numerator: u128,
    denominator: u128,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_to(other).is_eq()
    }
}

impl Eq for Quantity {}

impl Quantity {
    /// Parses the Kubernetes quantity syntax; `None` if it is not one (or
    /// is too large to hold exactly).
    pub fn parse(text: &str) -> Option<Quantity> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, suffix) = text.split_at(split);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let digits = format!("{whole}{fraction}");
        let mut numerator: u128 = digits.parse().ok()?;
        let mut denominator: u128 = 10u128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
        let (multiply, divide): (u128, u128) = match suffix {
            "" => (1, 1),
            "m" => (1, 1000),
            "k" => (1000, 1),
            "M" => (1000u128.pow(2), 1),
            "G" => (1000u128.pow(3), 1),
            "T" => (1000u128.pow(4), 1),
            "P" => (1000u128.pow(5), 1),
            "E" => (1000u128.pow(6), 1),
            "Ki" => (1 << 10, 1),
            "Mi" => (1 << 20, 1),
            "Gi" => (1 << 30, 1),
            "Ti" => (1 << 40, 1),
            "Pi" => (1 << 50, 1),
            "Ei" => (1 << 60, 1),
            exp if exp.starts_with(['e', 'E']) => {
                let power: i32 = exp[1..].parse().ok()?;
                let factor = 10u128.checked_pow(power.unsigned_abs())?;
                if power >= 0 { (factor, 1) } else { (1, factor) }
            }
            _ => return None,
        };
        numerator = numerator.checked_mul(multiply)?;
        denominator = denominator.checked_mul(divide)?;
        Some(Quantity {
            numerator,
            denominator,
        })
    }

    /// Compares exactly; a product too large to hold counts as larger.
    pub fn cmp_to(&self, other: &Quantity) -> Ordering {
        let left = self.numerator.checked_mul(other.denominator);
        let right = other.numerator.checked_mul(self.denominator);
        match (left, right) {
            (Some(l), Some(r)) => l.cmp(&r),
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (None, None) => {
                (self.numerator / self.denominator).cmp(&(other.numerator / other.denominator))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|| panic!("{s} parses"))
    }

    #[test]
    fn compares_across_suffixes() {
        for (a, b, ord) in [
            ("2", "2000m", Ordering::Equal),
            ("2001m", "2", Ordering::Greater),
            ("1Gi", "1073741824", Ordering::Equal),
            ("1G", "1Gi", Ordering::Less),
            ("1.5Gi", "1536Mi", Ordering::Equal),
            ("10Gi", "11Gi", Ordering::Less),
            ("1Ti", "10Gi", Ordering::Greater),
            ("1e3", "1k", Ordering::Equal),
            ("0.5", "500m", Ordering::Equal),
            ("100Ei", "1", Ordering::Greater),
        ] {
            assert_eq!(q(a).cmp_to(&q(b)), ord, "{a} vs {b}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_quantity() {
        for s in ["", "Gi", "1GB", "-1", "1.2.3", "abc", "1 Gi", "."] {
            assert!(Quantity::parse(s).is_none(), "{s:?}");
        }
    }
}
