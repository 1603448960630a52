//! [`Log`]: an append-only list shared between successive reducer states.
//!
//! Yew's reducer hands out a new `State` per action; cloning a 10,000-entry
//! timeline each time would be quadratic. Entries are never changed once pushed,
//! so every state keeps the shared vector plus its own length: an older state
//! still sees exactly the entries it had. Owns nothing but that storage.

use std::cell::{Ref, RefCell};
use std::rc::Rc;

#[derive(Debug)]
pub struct Log<T> {
    items: Rc<RefCell<Vec<T>>>,
    len: usize,
}

impl<T> Clone for Log<T> {
    fn clone(&self) -> Self {
        Log {
            items: Rc::clone(&self.items),
            len: self.len,
        }
    }
}

impl<T> Default for Log<T> {
    fn default() -> Self {
        Log {
            items: Rc::new(RefCell::new(Vec::new())),
            len: 0,
        }
    }
}

impl<T> PartialEq for Log<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.items, &other.items) && self.len == other.len
    }
}

impl<T> Log<T> {
    /// Appends; entries past this state's length (pushed by a newer state that
    /// was dropped) are discarded first, so the log never forks.
    pub fn push(&mut self, item: T) {
        let mut items = self.items.borrow_mut();
        items.truncate(self.len);
        items.push(item);
        self.len = items.len();
    }

    /// A copy with a vector of its own: pushing to it never truncates the
    /// entries that other states sharing this one's vector see (replay
    /// restores a checkpoint this way, `state/replay.rs`).
    pub fn fork(&self) -> Log<T>
    where
        T: Clone,
    {
        Log {
            items: Rc::new(RefCell::new(self.items().to_vec())),
            len: self.len,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The entries this state holds.
    pub fn items(&self) -> LogView<'_, T> {
        LogView {
            items: self.items.borrow(),
            len: self.len,
        }
    }
}

/// A borrowed view of a [`Log`]'s entries.
pub struct LogView<'a, T> {
    items: Ref<'a, Vec<T>>,
    len: usize,
}

impl<T> std::ops::Deref for LogView<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.items[..self.len.min(self.items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_states_keep_their_view() {
        let mut a = Log::default();
        a.push(1);
        let mut b = a.clone();
        b.push(2);
        assert_eq!(&*a.items(), &[1]);
        assert_eq!(&*b.items(), &[1, 2]);
        assert_ne!(a, b);
        let c = b.clone();
        assert_eq!(b, c);
    }
}
