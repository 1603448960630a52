//! `select`: readiness of several handles at once, from the relay's buffers and
//! queues (what the relay has read from the kernel), like Python's
//! `select.select(rlist, wlist, xlist, timeout)`.
//!
//! A `select` that cannot answer at once waits; the session looks at waiting
//! selects again whenever something may have changed readiness.

use crate::io;
use crate::oserror::bad_handle;
use crate::session::{Loc, PendingSelect, Session};
use crate::sock::Os;
use shared::{Errno, ErrorBody, OkBody};
use std::sync::Arc;
use tokio::time::Instant;

/// Python's `select` refuses more descriptors than FD_SETSIZE.
const MAX_SELECT_HANDLES: usize = 1024;

type Ready = (Vec<String>, Vec<String>, Vec<String>);

impl Session {
    pub fn op_select(
        &mut self,
        id: u64,
        r: Vec<String>,
        w: Vec<String>,
        x: Vec<String>,
        timeout: Option<f64>,
    ) {
        let timeout = match super::parse_timeout(timeout) {
            Ok(t) => t,
            Err(e) => return self.out.err(id, e),
        };
        if r.len() + w.len() + x.len() > MAX_SELECT_HANDLES {
            return self.out.err(
                id,
                ErrorBody::errno_with(
                    Errno::EINVAL,
                    format!("select accepts at most {MAX_SELECT_HANDLES} handles (Python: ValueError: filedescriptor out of range in select())"),
                ),
            );
        }
        match self.select_ready(&r, &w, &x) {
            Err(e) => self.out.err(id, e),
            Ok(ready) if has_any(&ready) || timeout.is_some_and(|t| t.is_zero()) => {
                self.out.ok(id, select_body(ready))
            }
            Ok(_) => {
                let deadline = timeout.map(|t| Instant::now() + t);
                if let Err(e) = self.add_pending(id, Loc::Select, deadline, None) {
                    return self.out.err(id, e);
                }
                self.watch_writable(&w);
                self.selects.push(PendingSelect { id, r, w, x });
            }
        }
    }

    /// Answers every waiting `select` that has become ready (or hit a closed handle).
    pub fn reevaluate_selects(&mut self) {
        let selects = std::mem::take(&mut self.selects);
        let mut still = Vec::with_capacity(selects.len());
        for s in selects {
            match self.select_ready(&s.r, &s.w, &s.x) {
                Ok(ready) if !has_any(&ready) => {
                    self.watch_writable(&s.w);
                    still.push(s);
                }
                result => {
                    self.take_pending(s.id);
                    match result {
                        Ok(ready) => self.out.ok(s.id, select_body(ready)),
                        Err(e) => self.out.err(s.id, e),
                    }
                }
            }
        }
        self.selects.extend(still);
    }

    fn select_ready(&self, r: &[String], w: &[String], x: &[String]) -> Result<Ready, ErrorBody> {
        for h in r.iter().chain(w).chain(x) {
            if !self.socks.contains_key(h) {
                return Err(bad_handle(h));
            }
        }
        let pick = |list: &[String], f: &dyn Fn(&crate::sock::Sock) -> bool| {
            list.iter()
                .filter(|h| self.socks.get(*h).is_some_and(f))
                .cloned()
                .collect::<Vec<_>>()
        };
        Ok((
            pick(r, &|s| s.readable()),
            pick(w, &|s| s.writable()),
            Vec::new(),
        ))
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
