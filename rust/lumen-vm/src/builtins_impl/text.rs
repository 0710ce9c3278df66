//! The string builtins: case, `trim`, `split`/`join`, `replace`, `starts_with`/`ends_with`,
//! `chars`, `pad_left`/`pad_right`.

use super::args::{arg, want_count, want_list, want_str};
use crate::arith::Fault;
use crate::limits::{check_elements, check_string, text_too_long};
use crate::value::Value;

pub(super) fn upper(name: &str, args: &[Value]) -> Result<Value, Fault> {
    Ok(Value::str(want_str(name, arg(args, 0))?.to_uppercase()))
}

pub(super) fn lower(name: &str, args: &[Value]) -> Result<Value, Fault> {
    Ok(Value::str(want_str(name, arg(args, 0))?.to_lowercase()))
}

pub(super) fn trim(name: &str, args: &[Value]) -> Result<Value, Fault> {
    Ok(Value::str(want_str(name, arg(args, 0))?.trim()))
}

pub(super) fn split(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let s = want_str(name, arg(args, 0))?;
    let sep = want_str(name, arg(args, 1))?;
    check_elements(if sep.is_empty() {
        s.chars().count()
    } else {
        s.matches(sep).count() + 1
    })?;
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::str(c.to_string())).collect()
    } else {
        s.split(sep).map(Value::str).collect()
    };
    Ok(Value::list(parts))
}

pub(super) fn join(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let xs = want_list(name, arg(args, 0))?;
    let sep = want_str(name, arg(args, 1))?;
    let mut s = String::new();
    for (i, x) in xs.iter().enumerate() {
        if i > 0 {
            s.push_str(sep);
        }
        if crate::value::write_display(&mut s, x, 0, false).is_err() {
            return Err(text_too_long());
        }
        check_string(s.len())?;
    }
    Ok(Value::str(s))
}

pub(super) fn replace(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let s = want_str(name, arg(args, 0))?;
    let from = want_str(name, arg(args, 1))?;
    let to = want_str(name, arg(args, 2))?;
    if from.is_empty() {
        return Ok(Value::str(s));
    }
    let count = s.matches(from).count();
    if to.len() > from.len() {
        check_string(
            count
                .saturating_mul(to.len() - from.len())
                .saturating_add(s.len()),
        )?;
    }
    Ok(Value::str(s.replace(from, to)))
}

pub(super) fn starts_with(name: &str, args: &[Value]) -> Result<Value, Fault> {
    Ok(Value::Bool(
        want_str(name, arg(args, 0))?.starts_with(want_str(name, arg(args, 1))?),
    ))
}

pub(super) fn ends_with(name: &str, args: &[Value]) -> Result<Value, Fault> {
    Ok(Value::Bool(
        want_str(name, arg(args, 0))?.ends_with(want_str(name, arg(args, 1))?),
    ))
}

pub(super) fn chars(name: &str, args: &[Value]) -> Result<Value, Fault> {
    let s = want_str(name, arg(args, 0))?;
    check_elements(s.chars().count())?;
    Ok(Value::list(
        s.chars().map(|c| Value::str(c.to_string())).collect(),
    ))
}

/// `pad_left` (`left`) or `pad_right`.
pub(super) fn pad(name: &str, args: &[Value], left: bool) -> Result<Value, Fault> {
    let s = want_str(name, arg(args, 0))?;
    let width = want_count(name, arg(args, 1))?;
    let fill = match args.get(2) {
        Some(f) => want_str(name, f)?,
        None => " ",
    };
    let len = s.chars().count();
    if width <= len {
        return Ok(Value::str(s));
    }
    if fill.is_empty() {
        return Err(Fault::runtime(format!("{name}: the fill string is empty")));
    }
    // Bytes of the result: the padding repeats `fill`, whose characters may be wider.
    let fill_chars = fill.chars().count().max(1);
    check_string(
        (width - len)
            .saturating_mul(fill.len())
            .div_ceil(fill_chars)
            .saturating_add(s.len()),
    )?;
    let padding: String = fill.chars().cycle().take(width - len).collect();
    Ok(Value::str(if left {
        padding + s
    } else {
        s.to_string() + &padding
    }))
}
