//! Decimal amounts (`1000.00`) ↔ integer minor units. Never floats.
use scf_primitives::Amount;

/// Minor-unit digits of a currency (ISO 4217): 0 for JPY and KRW, 2 otherwise.
pub fn decimals(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" => 0,
        _ => 2,
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount {0:?} is not a decimal number like 1000.00")]
    Syntax(String),
    #[error("amount {0:?} has more than {1} decimal places")]
    Precision(String, u32),
    #[error("amount {0:?} is too large")]
    Overflow(String),
}

/// Parses `1,000.50`-free decimal text into minor units, exactly.
pub fn parse(text: &str, decimals: u32) -> Result<Amount, AmountError> {
    let syntax = || AmountError::Syntax(text.to_string());
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(syntax());
    }
    if text.ends_with('.') {
        return Err(syntax());
    }
    if frac.len() as u32 > decimals {
        return Err(AmountError::Precision(text.to_string(), decimals));
    }
    let overflow = || AmountError::Overflow(text.to_string());
    let scale = 10u128.checked_pow(decimals).ok_or_else(overflow)?;
    let whole: Amount = whole.parse().map_err(|_| overflow())?;
    let mut frac_units: Amount = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| syntax())? };
    for _ in frac.len() as u32..decimals {
        frac_units *= 10;
    }
    whole.checked_mul(scale).and_then(|w| w.checked_add(frac_units)).ok_or_else(overflow)
}

/// Formats minor units as a decimal with exactly `decimals` places.
/// `units` of `currency` as people read it: `1,234.50 CNY`.
pub fn money(units: Amount, currency: &str) -> String {
    format!("{} {currency}", format(units, decimals(currency)))
}

pub fn format(units: Amount, decimals: u32) -> String {
    if decimals == 0 {
        return units.to_string();
    }
    let scale = 10u128.pow(decimals);
    format!("{}.{:0width$}", units / scale, units % scale, width = decimals as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse("1000.00", 2), Ok(100_000));
        assert_eq!(parse("400", 2), Ok(40_000));
        assert_eq!(parse("0.5", 2), Ok(50));
        assert_eq!(parse("7", 0), Ok(7));
        assert_eq!(format(60_000, 2), "600.00");
        assert_eq!(format(5, 2), "0.05");
        assert_eq!(format(7, 0), "7");
    }

    #[test]
    fn rejects_bad_text() {
        for bad in ["", "-1", "1.", ".5", "1e3", "1,000.00", "abc", "1.2.3", " 1"] {
            assert!(matches!(parse(bad, 2), Err(AmountError::Syntax(_))), "{bad}");
        }
        assert_eq!(parse("1.001", 2), Err(AmountError::Precision("1.001".into(), 2)));
        assert_eq!(parse("1.5", 0), Err(AmountError::Precision("1.5".into(), 0)));
        let huge = "9".repeat(40);
        assert_eq!(parse(&huge, 2), Err(AmountError::Overflow(huge.clone())));
    }
}
