//! Native implementations of the builtins listed in `builtins.rs` (spec §8 and
//! docs/LANGUAGE.md), by topic: `convert` (`print`, conversions, JSON text), `numbers`,
//! `text` (strings), `sequences` (lists and strings alike), `lists`, `maps`; `args` checks
//! the arguments. `call` is the one dispatch. Builtins never call Lumen code.
//!
//! Arguments arrive in the caller's argument registers, which the VM clears after the
//! call; a builtin may therefore *take* an argument (`std::mem::take`) and, when it holds
//! the only reference, update it in place (`append`, `set`, `remove`, `merge`, `sort`).
//!
//! Decisions the spec leaves open (documented here for the checker and the docs):
//! - `print(a, b, ...)` joins the display texts with one space; returns null.
//! - `to_int`: Int as is, Float truncated (null if not finite or out of range), String
//!   parsed as a decimal integer after trimming (null if it is not one), Bool 1/0, else null.
//!   `to_float`: Int/Float as numbers, String parsed (null if not a number), else null.
//! - `parse_json(s)`: the value; invalid JSON is run-time error E0911 with serde's message.
//!   `to_json(v)`: compact JSON text, map keys in insertion order (see `json`).
//! - `len`/`length`: characters of a string, elements of a list/tuple, entries of a map.
//! - `split(s, "")` splits into characters; `join(xs, sep)` joins the display texts.
//! - `index_of(s, sub)`: character index of the first occurrence, or -1; on lists, the
//!   index of the first equal element, or -1.
//! - `slice(x, start, end?)` on lists and strings (by character), Python-style: negative
//!   indices count from the end, out-of-range bounds are clamped, `end` defaults to the
//!   length. `take(xs, n)`/`drop(xs, n)` clamp `n` to `0..=len` (lists and strings).
//! - `pad_left(s, width, fill = " ")`/`pad_right`: pad with `fill` repeated (cut to the
//!   exact width, by characters); an empty fill is an error.
//! - `repeat(s, n)` on strings and lists; n < 0 gives an empty result.
//! - `floor`/`ceil`/`round` return Int (a Float that does not fit is E0901); `round`
//!   rounds half away from zero. `sqrt` and `pow` with a Float operand return Float;
//!   `pow(Int, Int >= 0)` is a checked Int. `abs` is checked on Int.
//! - `min`/`max` take two values or one list (an empty list is an error); `clamp(x, lo, hi)`.
//! - `sort(xs)`: stable, on numbers (Int/Float mixed), strings, or lists/tuples of those;
//!   NaN sorts last. `__sort_by_keys(xs, keys)` sorts xs by the parallel keys list.
//! - `range(n)`, `range(a, b)`, `range(a, b, step)`: `a` up to (excluding) `b`; step 0 is
//!   an error. `first`/`last` of an empty list are null.
//! - `contains(x, y)`: substring, list element, or map key. `sum` of Ints is checked.
//! - `get(m, k, default = null)` on maps (missing key) and lists (index out of range);
//!   `set(m, k, v)` on maps and lists (index must be in range), `remove(m, k)` and
//!   `merge(a, b)` (b wins) on maps — all return a new value.
//! - `type_of(v)`: docs/LANGUAGE.md 23.

use std::cmp::Ordering;

use crate::arith::Fault;
use crate::builtins::Builtin;
use crate::value::Value;

mod args;
mod convert;
mod lists;
mod maps;
mod numbers;
mod sequences;
mod text;

/// Calls builtin `b` with `args`; `out` receives `print` lines.
pub(crate) fn call(
    b: Builtin,
    args: &mut [Value],
    out: &mut dyn FnMut(&str),
) -> Result<Value, Fault> {
    let name = b.name();
    match b {
        Builtin::Print => convert::print(args, out),
        Builtin::ToString => convert::to_string(args),
        Builtin::ToInt => Ok(convert::to_int(name, args)),
        Builtin::ToFloat => Ok(convert::to_float(args)),
        Builtin::TypeOf => Ok(convert::type_of(args)),
        Builtin::ParseJson => convert::parse_json(name, args),
        Builtin::ToJson => convert::to_json(args),
        Builtin::Len => sequences::len(args),
        Builtin::Upper => text::upper(name, args),
        Builtin::Lower => text::lower(name, args),
        Builtin::Trim => text::trim(name, args),
        Builtin::Split => text::split(name, args),
        Builtin::Join => text::join(name, args),
        Builtin::Replace => text::replace(name, args),
        Builtin::Contains => sequences::contains(args),
        Builtin::StartsWith => text::starts_with(name, args),
        Builtin::EndsWith => text::ends_with(name, args),
        Builtin::Chars => text::chars(name, args),
        Builtin::IndexOf => sequences::index_of(name, args),
        Builtin::Slice => sequences::slice(name, args),
        Builtin::Repeat => sequences::repeat(name, args),
        Builtin::PadLeft => text::pad(name, args, true),
        Builtin::PadRight => text::pad(name, args, false),
        Builtin::Abs => numbers::abs(name, args),
        Builtin::Min => numbers::min_max(name, args, Ordering::Less),
        Builtin::Max => numbers::min_max(name, args, Ordering::Greater),
        Builtin::Floor | Builtin::Ceil | Builtin::Round => numbers::round(b, name, args),
        Builtin::Sqrt => numbers::sqrt(name, args),
        Builtin::Pow => numbers::pow(args),
        Builtin::Clamp => numbers::clamp(name, args),
        Builtin::Append => lists::append(name, args),
        Builtin::Sort => lists::sort(name, args),
        Builtin::SortByKeys => lists::sort_by_keys(name, args),
        Builtin::Reverse => sequences::reverse(name, args),
        Builtin::Range => lists::range(name, args),
        Builtin::First => sequences::first_or_last(name, args, true),
        Builtin::Last => sequences::first_or_last(name, args, false),
        Builtin::IsEmpty => sequences::is_empty(args),
        Builtin::Take => sequences::take_or_drop(name, args, true),
        Builtin::Drop => sequences::take_or_drop(name, args, false),
        Builtin::Enumerate => lists::enumerate(name, args),
        Builtin::Zip => lists::zip(name, args),
        Builtin::Flatten => lists::flatten(name, args),
        Builtin::Unique => lists::unique(name, args),
        Builtin::Sum => lists::sum(name, args),
        Builtin::Keys => maps::keys(name, args),
        Builtin::Values => maps::values(name, args),
        Builtin::Entries => maps::entries(name, args),
        Builtin::HasKey => maps::has_key(name, args),
        Builtin::Get => maps::get(name, args),
        Builtin::Set => maps::set(name, args),
        Builtin::Remove => maps::remove(name, args),
        Builtin::Merge => maps::merge(name, args),
    }
}

#[cfg(test)]
mod tests;
