//! What every call of one tool shares: its qualified name, its alias and its grants, made
//! once per [`Vm`](crate::Vm) from the module's `ToolDef`s and handed to the host by
//! reference count with each [`ToolRequest`](crate::ToolRequest), so a tool call copies
//! pointers instead of strings and JSON values.
//!
//! Both types compare, print and dereference like the `String` and
//! `Vec<(String, serde_json::Value)>` they replace, so hosts read them the same way.

use std::fmt;
use std::ops::Deref;
use std::rc::Rc;

/// An immutable, reference-counted string (a tool's name or alias): a clone copies a pointer.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SharedStr(Rc<str>);

impl SharedStr {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether both are the same allocation (so certainly the same text).
    pub fn ptr_eq(a: &SharedStr, b: &SharedStr) -> bool {
        Rc::ptr_eq(&a.0, &b.0)
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> SharedStr {
        SharedStr(Rc::from(s))
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> SharedStr {
        SharedStr(Rc::from(s))
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> SharedStr {
        SharedStr(Rc::from(s.as_str()))
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == &*other.0
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        **self == *other.0
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// One grant: its key and JSON value.
pub type Grant = (String, serde_json::Value);

/// A tool's grants in declaration order, immutable and reference-counted: a clone copies a
/// pointer. Dereferences to a slice of `(key, value)`.
#[derive(Clone, PartialEq, Default)]
pub struct Grants(Rc<[Grant]>);

impl Grants {
    /// Whether both are the same allocation (so certainly the same grants).
    pub fn ptr_eq(a: &Grants, b: &Grants) -> bool {
        Rc::ptr_eq(&a.0, &b.0)
    }

    /// The grants as a slice.
    pub fn as_slice(&self) -> &[Grant] {
        &self.0
    }
}

impl Deref for Grants {
    type Target = [Grant];
    fn deref(&self) -> &[Grant] {
        &self.0
    }
}

impl AsRef<[Grant]> for Grants {
    fn as_ref(&self) -> &[Grant] {
        &self.0
    }
}

impl From<Vec<Grant>> for Grants {
    fn from(v: Vec<Grant>) -> Grants {
        Grants(Rc::from(v))
    }
}

impl From<&[Grant]> for Grants {
    fn from(v: &[Grant]) -> Grants {
        Grants(Rc::from(v))
    }
}

impl FromIterator<Grant> for Grants {
    fn from_iter<I: IntoIterator<Item = Grant>>(iter: I) -> Grants {
        Grants(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Grants {
    type Item = &'a Grant;
    type IntoIter = std::slice::Iter<'a, Grant>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl PartialEq<Vec<Grant>> for Grants {
    fn eq(&self, other: &Vec<Grant>) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<[Grant]> for Grants {
    fn eq(&self, other: &[Grant]) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<Grants> for Vec<Grant> {
    fn eq(&self, other: &Grants) -> bool {
        **self == *other.0
    }
}

impl fmt::Debug for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

/// The name, alias and grants of one of a module's tools, shared by all its calls.
#[derive(Debug, Clone)]
pub(crate) struct SharedTool {
    pub name: SharedStr,
    pub alias: SharedStr,
    pub grants: Grants,
}

/// The shared parts of every tool of `tools`, by tool index.
pub(crate) fn share_tools(tools: &[crate::lir::ToolDef]) -> Rc<[SharedTool]> {
    tools
        .iter()
        .map(|t| SharedTool {
            name: SharedStr::from(&t.name),
            alias: SharedStr::from(&t.alias),
            grants: Grants::from(t.grants.as_slice()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shared_str_compares_and_prints_like_its_text() {
        let s = SharedStr::from("echo.upper");
        assert_eq!(s, "echo.upper");
        assert_eq!(s, "echo.upper".to_string());
        assert_ne!(s, "echo.lower");
        assert_eq!(format!("{s} {s:?}"), "echo.upper \"echo.upper\"");
        assert!(s.starts_with("echo."));
        let t = s.clone();
        assert!(SharedStr::ptr_eq(&s, &t));
        assert!(!SharedStr::ptr_eq(&s, &SharedStr::from("echo.upper")));
    }

    #[test]
    fn grants_compare_with_vectors_and_share_on_clone() {
        let v = vec![("max_calls".to_string(), json!(2))];
        let g = Grants::from(v.clone());
        assert_eq!(g, v);
        assert_eq!(v, g);
        assert_ne!(g, Vec::new());
        assert_eq!(g.len(), 1);
        assert_eq!(format!("{g:?}"), format!("{v:?}"));
        assert!(Grants::ptr_eq(&g, &g.clone()));
        assert!(!Grants::ptr_eq(&g, &Grants::from(v)));
    }
}
