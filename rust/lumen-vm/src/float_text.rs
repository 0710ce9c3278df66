//! The text of a finite `f64` exactly as Rust's `{:?}` writes it (shortest round-trip
//! digits; `.0` on integral values; exponent form below `1e-4` and from `1e16` on), without
//! `core::fmt`'s float code (Grisu with its Dragon fallback and bignums).
//!
//! The shortest digits come from `zmij`, the formatter serde_json already links for its own
//! numbers; only the layout is written here. Both pick the shortest digit string that reads
//! back as the same `f64` and, among those, the one closest to it; on an exact tie zmij keeps
//! the even digit and Rust rounds up, which [`shortest`] corrects. The tests compare the
//! two on many values.
//!
//! With the crate feature `core-float-fmt` the public functions write with `core::fmt`
//! instead (the same text): for builds that link core's float code anyway, such as the full
//! WebAssembly runtime, whose compiler formats floats, where this module would only add
//! code. The tests check this module's own formatting either way.

use std::fmt::Write as _;

/// At most 17 significant digits (zmij writes no more), without sign, point or exponent.
struct Digits {
    buf: [u8; 24],
    len: usize,
}

impl Digits {
    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Appends the text of the finite `f` (as `format!("{f:?}")` would).
pub(crate) fn push_finite(out: &mut String, f: f64) {
    if cfg!(feature = "core-float-fmt") {
        let _ = write!(out, "{f:?}");
    } else {
        own_finite(out, f);
    }
}

/// Appends `f` as `format!("{f}")` would: `NaN`, `inf`, `-inf`, or every digit of the
/// shortest round-trip form written out without an exponent, with no `.0` on integers.
pub(crate) fn push_display(out: &mut String, f: f64) {
    if cfg!(feature = "core-float-fmt") {
        let _ = write!(out, "{f}");
    } else {
        own_display(out, f);
    }
}

/// [`push_finite`] without core::fmt.
fn own_finite(out: &mut String, f: f64) {
    let (negative, digits, exp) = shortest(f);
    let digits = digits.as_slice();
    if negative {
        out.push('-');
    }
    // The value is 0.DIGITS × 10^exp: its scientific exponent is exp - 1.
    let sci = exp - 1;
    if digits.is_empty() || (-4..16).contains(&sci) {
        push_plain(out, digits, exp, true);
    } else {
        push_digits(out, &digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            push_digits(out, &digits[1..]);
        }
        out.push('e');
        push_int(out, sci);
    }
}

/// [`push_display`] without core::fmt.
fn own_display(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("NaN");
        return;
    }
    if f.is_sign_negative() {
        out.push('-');
    }
    if f.is_infinite() {
        out.push_str("inf");
        return;
    }
    let (_, digits, exp) = shortest(f);
    push_plain(out, digits.as_slice(), exp, false);
}

/// The sign, the shortest round-trip digits and the exponent `e` of `0.DIGITS × 10^e` of the
/// finite `f` (no digits for zero), rounded as Rust's formatter rounds them.
fn shortest(f: f64) -> (bool, Digits, i32) {
    let mut buffer = zmij::Buffer::new();
    let (negative, mut digits, mut exp) = decompose(buffer.format_finite(f).as_bytes());
    if is_tie_below(f, digits.as_slice(), exp) {
        round_up(&mut digits, &mut exp);
    }
    (negative, digits, exp)
}

/// Appends `0.DIGITS × 10^exp` without an exponent; `point_zero` writes integers (and zero)
/// with `.0`.
fn push_plain(out: &mut String, digits: &[u8], exp: i32, point_zero: bool) {
    if digits.is_empty() {
        out.push_str(if point_zero { "0.0" } else { "0" });
    } else if exp <= 0 {
        out.push_str("0.");
        for _ in 0..-exp {
            out.push('0');
        }
        push_digits(out, digits);
    } else {
        let whole = exp as usize;
        if whole >= digits.len() {
            push_digits(out, digits);
            for _ in digits.len()..whole {
                out.push('0');
            }
            if point_zero {
                out.push_str(".0");
            }
        } else {
            push_digits(out, &digits[..whole]);
            out.push('.');
            push_digits(out, &digits[whole..]);
        }
    }
}

/// Whether `|f|` lies exactly halfway between `0.DIGITS × 10^exp` and the next number of
/// as many digits. zmij then keeps the even one (as round-half-even readers do); Rust's
/// formatter rounds half up: `999900000000000.25` prints as `…000.3` there.
fn is_tie_below(f: f64, digits: &[u8], exp: i32) -> bool {
    if digits.is_empty() || digits.len() > 17 {
        return false;
    }
    let d = digits.iter().fold(0u64, |n, &c| n * 10 + u64::from(c));
    // The halfway point is (10·D + 5) × 10^q.
    let q = exp - digits.len() as i32 - 1;
    let bits = f.to_bits();
    let fraction = bits & ((1 << 52) - 1);
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let (mant, be) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    exactly_equal(d * 10 + 5, q, mant, be)
}

/// Whether `t × 10^q == mant × 2^be` exactly (`t`, `mant` non-zero).
fn exactly_equal(t: u64, q: i32, mant: u64, be: i32) -> bool {
    if t == 0 || mant == 0 {
        return false;
    }
    // Both sides as odd × 2^k (× 5^q on the left): the odd parts and the powers of two must
    // match.
    let (t_odd, t_twos) = (t >> t.trailing_zeros(), t.trailing_zeros() as i32);
    let (m_odd, m_twos) = (mant >> mant.trailing_zeros(), mant.trailing_zeros() as i32);
    if q + t_twos != be + m_twos {
        return false;
    }
    let Some(five) = 5u128.checked_pow(q.unsigned_abs()) else {
        return false;
    };
    if q >= 0 {
        u128::from(t_odd).checked_mul(five) == Some(u128::from(m_odd))
    } else {
        u128::from(m_odd).checked_mul(five) == Some(u128::from(t_odd))
    }
}

/// Adds one unit in the last place of `0.DIGITS × 10^exp` (a carry out of the first digit
/// makes it `0.1 × 10^(exp+1)`), dropping the trailing zeros it leaves.
fn round_up(digits: &mut Digits, exp: &mut i32) {
    while digits.len > 0 {
        let last = &mut digits.buf[digits.len - 1];
        if *last < 9 {
            *last += 1;
            return;
        }
        digits.len -= 1;
    }
    digits.buf[0] = 1;
    digits.len = 1;
    *exp += 1;
}

/// Splits a decimal number (`-`, digits with at most one `.`, then `e`, a sign and digits)
/// into its sign, its significant digits (no leading or trailing zeros; none for zero) and
/// the exponent `e` of `0.DIGITS × 10^e`.
fn decompose(text: &[u8]) -> (bool, Digits, i32) {
    let (negative, rest) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &rest[rest.len()..]),
    };
    let mut digits = Digits {
        buf: [0; 24],
        len: 0,
    };
    // 0.DIGITS × 10^point; each leading zero dropped moves the exponent down by one.
    let mut point = None;
    let mut leading = 0;
    for &c in mantissa {
        if c == b'.' {
            point = Some(digits.len + leading);
        } else if c == b'0' && digits.len == 0 {
            leading += 1;
        } else if digits.len < digits.buf.len() {
            digits.buf[digits.len] = c.wrapping_sub(b'0');
            digits.len += 1;
        }
    }
    let point = point.unwrap_or(digits.len + leading) as i32;
    while digits.len > 0 && digits.buf[digits.len - 1] == 0 {
        digits.len -= 1;
    }
    let exp = point - leading as i32 + parse_exponent(exponent);
    (negative, digits, exp)
}

/// The value of an exponent: an optional sign, then decimal digits.
fn parse_exponent(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let value = digits
        .iter()
        .fold(0i32, |n, &c| n * 10 + i32::from(c.wrapping_sub(b'0')));
    if negative {
        -value
    } else {
        value
    }
}

/// Appends digit values (0..=9) as characters.
fn push_digits(out: &mut String, digits: &[u8]) {
    out.extend(digits.iter().map(|&d| char::from(b'0' + d)));
}

/// Appends a (small) integer in decimal.
fn push_int(out: &mut String, n: i32) {
    if n < 0 {
        out.push('-');
    }
    let mut buf = [0u8; 10];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    push_digits(out, &buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: f64) -> String {
        let mut s = String::new();
        own_finite(&mut s, f);
        s
    }

    fn check(f: f64) {
        if f.is_finite() {
            assert_eq!(text(f), format!("{f:?}"), "bits {:#x}", f.to_bits());
        }
        let mut display = String::new();
        own_display(&mut display, f);
        assert_eq!(display, format!("{f}"), "bits {:#x}", f.to_bits());
    }

    #[test]
    fn the_layout_is_debug_s_at_every_boundary() {
        for f in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            2.5,
            100.0,
            123456.789,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            5e-324,
            -5e-324,
            9007199254740993.0,
            1.0 / 3.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            check(f);
        }
        // Around both switches between the plain and the exponent form, and every power of
        // ten with its neighbours.
        for e in -324..=308 {
            let p = format!("1e{e}").parse::<f64>().unwrap();
            for f in [
                p,
                f64::from_bits(p.to_bits() + 1),
                f64::from_bits(p.to_bits().saturating_sub(1)),
            ] {
                check(f);
                check(-f);
                check(f * 1.5);
                check(f * 9.999);
            }
        }
    }

    #[test]
    fn integers_and_halves_print_like_debug() {
        for i in -2000i64..2000 {
            check(i as f64);
            check(i as f64 / 2.0);
            check(i as f64 / 1000.0);
            check((i as f64) * 1e13);
        }
    }

    #[test]
    fn random_bit_patterns_print_like_debug() {
        // xorshift64*: every exponent, subnormals included, and random mantissas.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..300_000 {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let bits = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            check(f64::from_bits(bits));
            // Short decimals (few digits) too: the shortest form matters most there.
            let short = (bits % 1_000_000) as f64 / 10f64.powi((bits >> 60) as i32);
            check(short);
        }
    }

    #[test]
    fn exact_halfway_values_round_up_like_debug() {
        // 999900000000000.25 and 1394865425023536.25 are exact f64 values: their shortest
        // texts that read back end in .2 or .3 at equal distance; Debug rounds half up
        // (zmij keeps the even digit).
        for f in [
            f64::from_bits(0x430c_6b3a_e27c_c002),
            f64::from_bits(0x4313_d27d_a8ac_08c1),
            0.125,
            0.25,
        ] {
            check(f);
            check(-f);
        }
        assert!(exactly_equal(125, -3, 1, -3));
        assert!(!exactly_equal(125, -3, 3, -3));
        assert!(exactly_equal(5, 1, 25, 1));
        let (_, mut digits, mut exp) = decompose(b"0.199");
        round_up(&mut digits, &mut exp);
        assert_eq!((digits.as_slice(), exp), (&[2][..], 0));
        let (_, mut digits, mut exp) = decompose(b"0.99");
        round_up(&mut digits, &mut exp);
        assert_eq!((digits.as_slice(), exp), (&[1][..], 1));
    }

    #[test]
    fn decompose_reads_every_shape_of_input() {
        let parts = |t: &[u8]| {
            let (negative, digits, exp) = decompose(t);
            (negative, digits.as_slice().to_vec(), exp)
        };
        assert!(parts(b"0.0").1.is_empty() && parts(b"-0.0").0);
        assert_eq!(parts(b"-12.5"), (true, vec![1, 2, 5], 2));
        assert_eq!(parts(b"0.00123"), (false, vec![1, 2, 3], -2));
        assert_eq!(parts(b"1.5e+16"), (false, vec![1, 5], 17));
        assert_eq!(parts(b"5e-324"), (false, vec![5], -323));
        assert_eq!(parts(b"1200.0"), (false, vec![1, 2], 4));
    }
}
