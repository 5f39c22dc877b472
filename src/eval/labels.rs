//! An id → label table: a gold standard or a prediction, as
//! [`crate::read::load_labels`] reads it.

use std::collections::hash_map::Entry;
use std::sync::Arc;

use ahash::AHashMap;

/// An id → label table in insertion order: the gold standard or a
/// prediction.
///
/// Ids and labels are strings; labels are interned, so only their equality
/// matters (a gold label `7` and a predicted label `7` are unrelated).
#[derive(Debug, Clone, Default)]
pub struct Labels {
    /// Ids in insertion order; shared with `index` so each id is stored once.
    pub(super) ids: Vec<Arc<str>>,
    /// Label number of each id, parallel to `ids`.
    pub(super) label: Vec<u32>,
    /// Position of each id in `ids`.
    pub(super) index: AHashMap<Arc<str>, u32>,
    /// Label text by label number.
    pub(super) names: Vec<Box<str>>,
    /// Label number by label text.
    name_index: AHashMap<Box<str>, u32>,
}

impl Labels {
    /// An empty table.
    pub fn new() -> Labels {
        Labels::default()
    }

    /// Adds `id` with `label`. Returns `false`, leaving the table unchanged,
    /// when `id` is already present.
    ///
    /// # Panics
    ///
    /// When the table already holds `u32::MAX` ids (the crate numbers
    /// documents with `u32`, see [`crate::ArticleId`]); [`crate::read::load_labels`]
    /// reports that case as an error instead.
    pub fn insert(&mut self, id: &str, label: &str) -> bool {
        let pos = u32::try_from(self.ids.len())
            .ok()
            .filter(|&p| p < u32::MAX)
            .expect("a label table holds at most u32::MAX ids");
        // The key is allocated before the lookup so that one probe both
        // checks and inserts; the allocation is wasted only on a repeated
        // id, which the loader turns into an error anyway.
        let id: Arc<str> = id.into();
        match self.index.entry(id.clone()) {
            Entry::Occupied(_) => return false,
            Entry::Vacant(v) => v.insert(pos),
        };
        let label = match self.name_index.get(label) {
            Some(&l) => l,
            None => {
                // No more labels than ids, so this fits in u32 too.
                let l = self.names.len() as u32;
                self.names.push(label.into());
                self.name_index.insert(label.into(), l);
                l
            }
        };
        self.ids.push(id);
        self.label.push(label);
        true
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the table holds no id.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Number of distinct labels (clusters).
    pub fn clusters(&self) -> usize {
        self.names.len()
    }

    /// The label of `id`.
    pub fn get(&self, id: &str) -> Option<&str> {
        let &pos = self.index.get(id)?;
        Some(&self.names[self.label[pos as usize] as usize])
    }

    /// `(id, label)` pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.ids
            .iter()
            .zip(&self.label)
            .map(|(id, &l)| (&**id, &*self.names[l as usize]))
    }

    /// Where `id` stands in insertion order.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).map(|&p| p as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_keep_insertion_order_and_first_value() {
        let mut l = Labels::new();
        assert!(l.insert("b", "1"));
        assert!(l.insert("a", "2"));
        assert!(l.insert("c", "1"));
        assert!(!l.insert("a", "9"));
        assert_eq!(l.len(), 3);
        assert_eq!(l.clusters(), 2);
        assert_eq!(l.get("a"), Some("2"));
        assert_eq!(l.get("zz"), None);
        let got: Vec<_> = l.iter().collect();
        assert_eq!(got, vec![("b", "1"), ("a", "2"), ("c", "1")]);
    }
}
