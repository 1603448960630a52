//! `select`: readiness of several handles at once, from the relay's buffers and
//! queues (what the relay has read from the kernel), like Python's
//! `select.select(rlist, wlist, xlist, timeout)`.
//!
//! A `select` that cannot answer at once waits; the session looks at waiting
//! selects again whenever something may have changed readiness.

use crate::budget::Charge;
use crate::io;
use crate::ops::{OpResult, Outcome};
use crate::oserror::bad_handle;
use crate::session::{Loc, Session};
use crate::sock::{Os, Sock};
use shared::{Errno, ErrorBody, OkBody};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::time::Instant;

/// Python's `select` refuses more descriptors than FD_SETSIZE.
const MAX_SELECT_HANDLES: usize = 1024;

type Ready = (Vec<String>, Vec<String>, Vec<String>);

/// One of a select's lists: each handle once (evaluated once, however often it
/// is listed) and the list's order as indices into those, so the answer repeats
/// a ready handle as often as the learner listed it, like CPython's `select`.
#[derive(Debug, Default)]
pub struct WatchList {
    pub distinct: Vec<String>,
    order: Vec<u32>,
}

impl WatchList {
    pub fn new(list: Vec<String>) -> WatchList {
        let mut index: HashMap<String, u32> = HashMap::with_capacity(list.len());
        let mut distinct = Vec::new();
        let mut order = Vec::with_capacity(list.len());
        for h in list {
            let next = distinct.len() as u32;
            let i = *index.entry(h).or_insert_with_key(|h| {
                distinct.push(h.clone());
                next
            });
            order.push(i);
        }
        WatchList { distinct, order }
    }

    /// The listed handles whose distinct entry is ready, in list order.
    fn answer(&self, ready: &[bool]) -> Vec<String> {
        self.order
            .iter()
            .filter(|i| ready.get(**i as usize).copied().unwrap_or(false))
            .filter_map(|i| self.distinct.get(*i as usize).cloned())
            .collect()
    }
}

/// A `select` waiting for one of its handles to become ready. Each list is a
/// [`WatchList`]: evaluated once per distinct handle, answered with the learner's
/// duplicates as Python does.
pub struct PendingSelect {
    pub id: u64,
    pub r: WatchList,
    pub w: WatchList,
    pub x: WatchList,
}

impl Session {
    pub fn op_select(
        &mut self,
        id: u64,
        r: Vec<String>,
        w: Vec<String>,
        x: Vec<String>,
        timeout: Option<f64>,
    ) -> OpResult {
        let timeout = super::parse_timeout(timeout)?;
        if r.len() + w.len() + x.len() > MAX_SELECT_HANDLES {
            return Err(ErrorBody::errno_with(
                Errno::EINVAL,
                format!("select accepts at most {MAX_SELECT_HANDLES} handles (Python: ValueError: filedescriptor out of range in select())"),
            ));
        }
        let (r, w, x) = (WatchList::new(r), WatchList::new(w), WatchList::new(x));
        let ready = self.select_ready(&r, &w, &x)?;
        if has_any(&ready) || timeout.is_some_and(|t| t.is_zero()) {
            return Ok(Outcome::Done(select_body(ready)));
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let watch = r.distinct.len() + w.distinct.len() + x.distinct.len();
        let charge = Charge::Watch(watch);
        self.add_pending_charged(id, Loc::Select, deadline, None, charge)?;
        self.watch_writable(&w.distinct);
        self.selects.push(PendingSelect { id, r, w, x });
        Ok(Outcome::Later)
    }

    /// Answers every waiting `select` that has become ready (or hit a closed
    /// handle). Costs one readiness check per distinct watched handle, which the
    /// budget bounds.
    pub fn reevaluate_selects(&mut self) {
        let selects = std::mem::take(&mut self.selects);
        let mut still = Vec::with_capacity(selects.len());
        for s in selects {
            match self.select_ready(&s.r, &s.w, &s.x) {
                Ok(ready) if !has_any(&ready) => {
                    self.watch_writable(&s.w.distinct);
                    still.push(s);
                }
                result => {
                    self.take_pending(s.id);
                    self.complete(s.id, result.map(select_body));
                }
            }
        }
        self.selects.extend(still);
    }

    /// Stops waiting for select `id` (answered by a deadline, or abandoned).
    pub fn forget_select(&mut self, id: u64) {
        self.selects.retain(|s| s.id != id);
    }

    fn select_ready(
        &self,
        r: &WatchList,
        w: &WatchList,
        x: &WatchList,
    ) -> Result<Ready, ErrorBody> {
        for h in r.distinct.iter().chain(&w.distinct).chain(&x.distinct) {
            if !self.socks.contains_key(h) {
                return Err(bad_handle(h));
            }
        }
        let flags = |list: &WatchList, f: fn(&Sock) -> bool| -> Vec<bool> {
            list.distinct
                .iter()
                .map(|h| self.socks.get(h).is_some_and(f))
                .collect()
        };
        let rf = flags(r, Sock::readable);
        let wf = flags(w, Sock::writable);
        if !rf.contains(&true) && !wf.contains(&true) {
            return Ok((Vec::new(), Vec::new(), Vec::new()));
        }
        Ok((r.answer(&rf), w.answer(&wf), Vec::new()))
    }
    /// Arms a watcher for each stream in `w` so the session wakes when it can write.
    fn watch_writable(&mut self, w: &[String]) {
        for h in w {
            let Some(s) = self.socks.get_mut(h) else {
                continue;
            };
            if s.w_watch.is_some() {
                continue;
            }
            if let Os::Stream(st) = &s.os {
                let (fut, abort) = io::abortable(io::writable(h.clone(), Arc::clone(&st.io)));
                s.w_watch = Some(abort);
                self.io.push(fut);
            }
        }
    }
}

fn has_any(ready: &Ready) -> bool {
    !ready.0.is_empty() || !ready.1.is_empty() || !ready.2.is_empty()
}

fn select_body((r, w, x): Ready) -> OkBody {
    OkBody::Select { r, w, x }
}

#[cfg(test)]
mod tests {
    use super::WatchList;
    use proptest::prelude::*;

    fn cases() -> u32 {
        crate::test_support::proptest_cases(128)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        /// Deduplicated evaluation answers exactly what filtering the raw list
        /// would (duplicates and order included), and evaluates each handle once.
        #[test]
        fn answer_equals_filtering_the_raw_list(
            raw in proptest::collection::vec(0u8..20, 0..300),
            ready_set in proptest::collection::vec(any::<bool>(), 20),
        ) {
            let names: Vec<String> = raw.iter().map(|i| format!("s{i}")).collect();
            let list = WatchList::new(names.clone());
            let mut seen = list.distinct.clone();
            seen.sort();
            seen.dedup();
            prop_assert_eq!(seen.len(), list.distinct.len());
            let is_ready = |h: &str| {
                h.strip_prefix('s')
                    .and_then(|n| n.parse::<usize>().ok())
                    .and_then(|n| ready_set.get(n).copied())
                    .unwrap_or(false)
            };
            let flags: Vec<bool> = list.distinct.iter().map(|h| is_ready(h)).collect();
            let expected: Vec<String> = names.into_iter().filter(|h| is_ready(h)).collect();
            prop_assert_eq!(list.answer(&flags), expected);
        }
    }
}
