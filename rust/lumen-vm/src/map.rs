//! Insertion-ordered maps with `String` or `Int` keys (docs/LANGUAGE.md 19).
//!
//! Entries live in a `Vec` in insertion order; maps with more than [`INDEX_THRESHOLD`]
//! entries also keep an open-addressing hash index (positions into the entry vector), so
//! lookups are O(1) without allocating a key. Removal keeps the order and rebuilds the
//! index (removal is rare: `remove` returns a new map anyway).

use std::rc::Rc;

use crate::arith::Fault;
use crate::limits::{too_many_elements, MAX_ELEMENTS};
use crate::value::Value;

/// Maps up to this many entries are searched linearly (no index).
const INDEX_THRESHOLD: usize = 8;

/// An owned map key.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum MapKey {
    /// An Int key.
    Int(i64),
    /// A String key.
    Str(Rc<String>),
}

/// A borrowed map key, for lookups without allocating.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyRef<'a> {
    /// An Int key.
    Int(i64),
    /// A String key.
    Str(&'a str),
}

impl From<&str> for MapKey {
    fn from(s: &str) -> MapKey {
        MapKey::Str(Rc::new(s.to_string()))
    }
}

impl MapKey {
    /// The key as a borrowed key.
    #[inline]
    pub fn as_ref(&self) -> KeyRef<'_> {
        match self {
            MapKey::Int(i) => KeyRef::Int(*i),
            MapKey::Str(s) => KeyRef::Str(s.as_str()),
        }
    }

    /// The key as a value (`Int` or `String`).
    pub fn to_value(&self) -> Value {
        match self {
            MapKey::Int(i) => Value::Int(*i),
            MapKey::Str(s) => Value::Str(s.clone()),
        }
    }

    /// The key of a value: Strings and Ints are keys, anything else is not.
    pub fn from_value(v: &Value) -> Option<MapKey> {
        match v {
            Value::Int(i) => Some(MapKey::Int(*i)),
            Value::Str(s) => Some(MapKey::Str(s.clone())),
            _ => None,
        }
    }
}

impl<'a> KeyRef<'a> {
    /// The borrowed key of a value, if it can be a key.
    #[inline]
    pub fn from_value(v: &'a Value) -> Option<KeyRef<'a>> {
        match v {
            Value::Int(i) => Some(KeyRef::Int(*i)),
            Value::Str(s) => Some(KeyRef::Str(s.as_str())),
            _ => None,
        }
    }

    /// An owned copy.
    pub fn to_owned_key(self) -> MapKey {
        match self {
            KeyRef::Int(i) => MapKey::Int(i),
            KeyRef::Str(s) => MapKey::from(s),
        }
    }

    fn hash(self) -> u64 {
        match self {
            KeyRef::Int(i) => {
                let x = (i as u64) ^ 0x9e37_79b9_7f4a_7c15;
                let x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                let x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                x ^ (x >> 31)
            }
            KeyRef::Str(s) => {
                // FNV-1a, then a final mix so the low bits are well distributed.
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                for b in s.bytes() {
                    h ^= b as u64;
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
                (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ 0x5555
            }
        }
    }
}

/// An insertion-ordered map.
#[derive(Clone, Default, Debug)]
pub struct MapObj {
    entries: Vec<(MapKey, Value)>,
    /// Open-addressing table of `position + 1` (0 = empty); empty when the map is small.
    index: Vec<u32>,
}

impl PartialEq for MapObj {
    /// Maps are equal when they hold the same keys with equal values (order-insensitive).
    fn eq(&self, other: &MapObj) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|(k, v)| other.get(k.as_ref()).is_some_and(|w| w == v))
    }
}

impl MapObj {
    /// An empty map.
    pub fn new() -> MapObj {
        MapObj::default()
    }

    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> MapObj {
        MapObj {
            entries: Vec::with_capacity(n),
            index: Vec::new(),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&MapKey, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The values, mutably, in insertion order (keys cannot change).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Entries in insertion order, as a slice.
    pub fn entries(&self) -> &[(MapKey, Value)] {
        &self.entries
    }

    fn position(&self, key: KeyRef<'_>) -> Option<usize> {
        if self.index.is_empty() {
            return self.entries.iter().position(|(k, _)| k.as_ref() == key);
        }
        let mask = self.index.len() - 1;
        let mut i = (key.hash() as usize) & mask;
        loop {
            let slot = *self.index.get(i)?;
            if slot == 0 {
                return None;
            }
            let pos = slot as usize - 1;
            if self
                .entries
                .get(pos)
                .is_some_and(|(k, _)| k.as_ref() == key)
            {
                return Some(pos);
            }
            i = (i + 1) & mask;
        }
    }

    /// The value for `key`.
    pub fn get(&self, key: KeyRef<'_>) -> Option<&Value> {
        let p = self.position(key)?;
        self.entries.get(p).map(|(_, v)| v)
    }

    /// The value for `key`, mutably.
    pub fn get_mut(&mut self, key: KeyRef<'_>) -> Option<&mut Value> {
        let p = self.position(key)?;
        self.entries.get_mut(p).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: KeyRef<'_>) -> bool {
        self.position(key).is_some()
    }

    /// Inserts or replaces; a replaced key keeps its position. Returns the old value.
    pub fn insert(&mut self, key: MapKey, value: Value) -> Option<Value> {
        if let Some(p) = self.position(key.as_ref()) {
            if let Some((_, v)) = self.entries.get_mut(p) {
                return Some(std::mem::replace(v, value));
            }
            return None;
        }
        self.entries.push((key, value));
        let n = self.entries.len();
        if n > INDEX_THRESHOLD {
            if self.index.is_empty() || n * 2 > self.index.len() {
                self.rebuild_index();
            } else if let Some((key, _)) = self.entries.last() {
                // A small map has no index: only a map that has one hashes its keys.
                self.index_insert(key.as_ref().hash(), n - 1);
            }
        }
        None
    }

    /// Removes `key`, keeping the order of the others. Returns the removed value.
    pub fn remove(&mut self, key: KeyRef<'_>) -> Option<Value> {
        let p = self.position(key)?;
        if p >= self.entries.len() {
            return None;
        }
        let (_, v) = self.entries.remove(p);
        if self.entries.len() > INDEX_THRESHOLD {
            self.rebuild_index();
        } else {
            self.index = Vec::new();
        }
        Some(v)
    }

    fn index_insert(&mut self, h: u64, pos: usize) {
        let mask = self.index.len().wrapping_sub(1);
        let mut i = (h as usize) & mask;
        for _ in 0..self.index.len() {
            match self.index.get_mut(i) {
                Some(slot) if *slot == 0 => {
                    *slot = pos as u32 + 1;
                    return;
                }
                Some(_) => i = (i + 1) & mask,
                None => return,
            }
        }
    }

    fn rebuild_index(&mut self) {
        let cap = (self.entries.len() * 2).next_power_of_two().max(16);
        self.index = vec![0; cap];
        let hashes: Vec<u64> = self
            .entries
            .iter()
            .map(|(k, _)| k.as_ref().hash())
            .collect();
        for (pos, h) in hashes.into_iter().enumerate() {
            self.index_insert(h, pos);
        }
    }
}

/// `m[key] = value` on a map value (copy-on-write), refusing to grow it past
/// [`MAX_ELEMENTS`] (E0914).
pub(crate) fn insert_checked(m: &mut Rc<MapObj>, key: MapKey, value: Value) -> Result<(), Fault> {
    if m.len() >= MAX_ELEMENTS && !m.contains_key(key.as_ref()) {
        return Err(too_many_elements(m.len() + 1));
    }
    Rc::make_mut(m).insert(key, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insertion_order_and_replace() {
        let mut m = MapObj::new();
        m.insert(MapKey::from("b"), Value::Int(1));
        m.insert(MapKey::from("a"), Value::Int(2));
        m.insert(MapKey::from("b"), Value::Int(3));
        let keys: Vec<String> = m.iter().map(|(k, _)| format!("{k:?}")).collect();
        assert_eq!(keys.len(), 2);
        assert_eq!(m.get(KeyRef::Str("b")), Some(&Value::Int(3)));
        assert_eq!(m.entries()[0].0, MapKey::from("b"));
    }

    #[test]
    fn large_maps_use_the_index() {
        let mut m = MapObj::new();
        for i in 0..1000 {
            m.insert(MapKey::Int(i * 7), Value::Int(i));
            m.insert(MapKey::from(format!("k{i}").as_str()), Value::Int(-i));
        }
        assert_eq!(m.len(), 2000);
        for i in 0..1000 {
            assert_eq!(m.get(KeyRef::Int(i * 7)), Some(&Value::Int(i)));
            assert_eq!(m.get(KeyRef::Str(&format!("k{i}"))), Some(&Value::Int(-i)));
        }
        assert_eq!(m.get(KeyRef::Int(1)), None);
        assert_eq!(m.remove(KeyRef::Int(7)), Some(Value::Int(1)));
        assert_eq!(m.get(KeyRef::Int(7)), None);
        assert_eq!(m.get(KeyRef::Int(14)), Some(&Value::Int(2)));
        assert_eq!(m.entries()[0].0, MapKey::Int(0));
        assert_eq!(m.entries()[1].0, MapKey::from("k0"));
        assert_eq!(m.entries()[2].0, MapKey::from("k1"));
    }

    #[test]
    fn equality_ignores_order() {
        let mut a = MapObj::new();
        a.insert(MapKey::Int(1), Value::Int(1));
        a.insert(MapKey::Int(2), Value::Int(2));
        let mut b = MapObj::new();
        b.insert(MapKey::Int(2), Value::Int(2));
        b.insert(MapKey::Int(1), Value::Float(1.0));
        assert_eq!(a, b);
        b.insert(MapKey::Int(3), Value::Int(3));
        assert_ne!(a, b);
    }
}
