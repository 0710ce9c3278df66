//! The built-in functions the VM implements natively, by stable numeric id.
//!
//! The compiler refers to a builtin by `Builtin::from_name(name)` and emits
//! `CallBuiltin { builtin: b as u16, .. }`. Ids are part of the LIR format: append new
//! builtins at the end and bump `LIR_VERSION` when the list changes.
//!
//! Higher-order list functions (`map`, `filter`, `reduce`, `any`, `all`, `find`,
//! `sort_by`) are not here: the compiler lowers them to loops that call the closure with
//! `CallValue`, so no builtin ever calls back into Lumen code (no Rust recursion per call).
//! `sort_by` lowers to a loop computing keys, then `SortByKeys`.

macro_rules! builtins {
    ($($variant:ident = $name:literal, $min:literal ..= $max:literal;)*) => {
        /// A builtin function id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Builtin {
            $($variant,)*
        }

        impl Builtin {
            /// Every builtin, in id order.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant,)*];

            /// The Lumen name (aliases such as `length`/`string` map to one builtin
            /// through [`Builtin::from_name`]).
            pub fn name(self) -> &'static str {
                match self {
                    $(Builtin::$variant => $name,)*
                }
            }

            /// Accepted argument counts, inclusive.
            pub fn arity(self) -> (u8, u8) {
                match self {
                    $(Builtin::$variant => ($min, $max),)*
                }
            }
        }
    };
}

builtins! {
    Print = "print", 0..=255;
    ToString = "to_string", 1..=1;
    ToInt = "to_int", 1..=1;
    ToFloat = "to_float", 1..=1;
    TypeOf = "type_of", 1..=1;
    ParseJson = "parse_json", 1..=1;
    ToJson = "to_json", 1..=1;
    Len = "len", 1..=1;
    Upper = "upper", 1..=1;
    Lower = "lower", 1..=1;
    Trim = "trim", 1..=1;
    Split = "split", 2..=2;
    Join = "join", 2..=2;
    Replace = "replace", 3..=3;
    Contains = "contains", 2..=2;
    StartsWith = "starts_with", 2..=2;
    EndsWith = "ends_with", 2..=2;
    Chars = "chars", 1..=1;
    IndexOf = "index_of", 2..=2;
    Slice = "slice", 2..=3;
    Repeat = "repeat", 2..=2;
    PadLeft = "pad_left", 2..=3;
    PadRight = "pad_right", 2..=3;
    Abs = "abs", 1..=1;
    Min = "min", 1..=2;
    Max = "max", 1..=2;
    Floor = "floor", 1..=1;
    Ceil = "ceil", 1..=1;
    Round = "round", 1..=1;
    Sqrt = "sqrt", 1..=1;
    Pow = "pow", 2..=2;
    Clamp = "clamp", 3..=3;
    Append = "append", 2..=2;
    Sort = "sort", 1..=1;
    Reverse = "reverse", 1..=1;
    Range = "range", 1..=3;
    First = "first", 1..=1;
    Last = "last", 1..=1;
    IsEmpty = "is_empty", 1..=1;
    Take = "take", 2..=2;
    Drop = "drop", 2..=2;
    Enumerate = "enumerate", 1..=1;
    Zip = "zip", 2..=2;
    Flatten = "flatten", 1..=1;
    Unique = "unique", 1..=1;
    Sum = "sum", 1..=1;
    Keys = "keys", 1..=1;
    Values = "values", 1..=1;
    Entries = "entries", 1..=1;
    HasKey = "has_key", 2..=2;
    Get = "get", 2..=3;
    Set = "set", 3..=3;
    Remove = "remove", 2..=2;
    Merge = "merge", 2..=2;
    SortByKeys = "__sort_by_keys", 2..=2;
}

impl Builtin {
    /// The builtin a Lumen name refers to, including the aliases `length` (= `len`) and
    /// `string` (= `to_string`). Higher-order functions return `None` (see module docs).
    pub fn from_name(name: &str) -> Option<Builtin> {
        match name {
            "length" => Some(Builtin::Len),
            "string" => Some(Builtin::ToString),
            _ => Builtin::ALL.iter().copied().find(|b| b.name() == name),
        }
    }

    /// The builtin with numeric id `id`, if any.
    pub fn from_id(id: u16) -> Option<Builtin> {
        Builtin::ALL.get(id as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for (i, b) in Builtin::ALL.iter().enumerate() {
            assert_eq!(*b as u16 as usize, i);
            assert_eq!(Builtin::from_id(i as u16), Some(*b));
            assert_eq!(Builtin::from_name(b.name()), Some(*b));
        }
        assert_eq!(Builtin::from_name("length"), Some(Builtin::Len));
        assert_eq!(Builtin::from_name("map"), None);
    }
}
