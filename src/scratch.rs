//! Reusable scratch tables for per-article hot loops.
//!
//! Counting distinct shingles, summing an article's terms or counting shared
//! terms per candidate each needs a table that is empty at the start of
//! every article. Clearing it each time would cost as much as the work;
//! instead each slot carries the number of the round that last wrote it, and
//! a new round only increments that number.

/// Round stamps for a table of slots.
#[derive(Debug, Default, Clone)]
pub struct Generations {
    stamp: Vec<u32>,
    now: u32,
}

impl Generations {
    /// Starts a new round over at least `len` slots. Returns `true` when the
    /// table had to grow (the caller then resizes its own slots to
    /// [`Self::len`]).
    pub fn begin(&mut self, len: usize) -> bool {
        let grown = len > self.stamp.len();
        if grown {
            self.stamp = vec![0; len];
            self.now = 0;
        }
        self.now = self.now.wrapping_add(1);
        if self.now == 0 {
            // Wrapped after 2^32 rounds: old stamps could look current.
            self.stamp.fill(0);
            self.now = 1;
        }
        grown
    }

    /// Whether slot `i` is still unused in this round; marks it used.
    #[inline]
    pub fn claim(&mut self, i: usize) -> bool {
        let fresh = self.stamp[i] != self.now;
        self.stamp[i] = self.now;
        fresh
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.stamp.len()
    }

    /// Whether there are no slots yet.
    pub fn is_empty(&self) -> bool {
        self.stamp.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_fresh_once_per_round() {
        let mut g = Generations::default();
        assert!(g.begin(4));
        assert!(g.claim(2));
        assert!(!g.claim(2));
        assert!(!g.begin(3));
        assert!(g.claim(2));
        assert!(g.begin(8));
        assert_eq!(g.len(), 8);
    }
}
