//! One session's resource budget, counted in one place: handles (open, connects
//! in flight, connections waiting to be accepted), buffered bytes (outbox, queued
//! writes and HTTP bodies, piped bytes and FTP uploads), select watch lists and
//! connections to each lab server. The process-wide file-descriptor reserve is
//! `descriptors.rs`.
//!
//! Owns the counters, the limits and the exact `limit` messages; the session
//! calls [`Budget`] before it takes a resource and tells it when it gives one
//! back. Nothing here performs I/O.

use crate::oserror::flag_limit;
use shared::ErrorBody;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// Per-session limits that have no command-line flag (yet); `Config::budget`.
#[derive(Clone, Debug)]
pub struct SessionBudget {
    /// Bytes one session may hold unsent: outbox, queued writes and HTTP bodies,
    /// piped bytes and FTP uploads waiting for their sockets.
    pub buffered_bytes: usize,
    /// Connections one session may hold to one lab server.
    pub lab_connections: u32,
    /// Distinct handles all waiting `select`s of one session may watch.
    pub select_watch: usize,
    /// How long a session may stay unauthenticated when a token is configured.
    pub auth_timeout: Duration,
}

impl Default for SessionBudget {
    fn default() -> Self {
        SessionBudget {
            buffered_bytes: 16 << 20,
            lab_connections: 8,
            select_watch: 1024,
            auth_timeout: Duration::from_secs(10),
        }
    }
}

/// What a pending request holds of the budget until it is answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Charge {
    #[default]
    Nothing,
    /// Bytes buffered for the request (a queued `send`, an HTTP body).
    Bytes(usize),
    /// Distinct handles a waiting `select` watches.
    Watch(usize),
    /// An `ftp.connect` in flight: one handle.
    Connect,
}

/// The session's counters and limits.
pub struct Budget {
    limits: SessionBudget,
    max_handles: usize,
    /// Piped client bytes and FTP upload bytes not yet written to their sockets.
    piped: usize,
    /// Bytes held by pending requests ([`Charge::Bytes`]).
    queued: usize,
    /// Connections accepted from the kernel, waiting in listen queues.
    accept_queued: usize,
    /// `ftp.connect`s in flight.
    connecting: usize,
    /// Distinct handles watched by waiting selects.
    watched: usize,
    /// A listener stopped accepting from the kernel because the handles were full.
    accept_stalled: bool,
    labs: Vec<(String, SocketAddr)>,
    lab_counts: Vec<u32>,
    /// Handle → index in `labs` of the lab it is connected (or connecting) to.
    lab_holders: HashMap<String, usize>,
}

impl Budget {
    pub fn new(
        limits: SessionBudget,
        max_handles: u32,
        labs: impl IntoIterator<Item = (String, SocketAddr)>,
    ) -> Budget {
        let labs: Vec<(String, SocketAddr)> = labs.into_iter().collect();
        Budget {
            limits,
            max_handles: max_handles as usize,
            piped: 0,
            queued: 0,
            accept_queued: 0,
            connecting: 0,
            watched: 0,
            accept_stalled: false,
            lab_counts: vec![0; labs.len()],
            labs,
            lab_holders: HashMap::new(),
        }
    }

    pub fn limits(&self) -> &SessionBudget {
        &self.limits
    }

    // ---- handles ----

    /// Handles in use given `open` named handles (sockets, HTTP and FTP).
    pub fn handles(&self, open: usize) -> usize {
        open + self.accept_queued + self.connecting
    }

    /// May one more handle be taken, with `open` named handles?
    pub fn has_handle_room(&self, open: usize) -> bool {
        self.handles(open) < self.max_handles
    }

    /// `limit` unless one more handle fits.
    pub fn check_handle(&self, open: usize) -> Result<(), ErrorBody> {
        if self.has_handle_room(open) {
            return Ok(());
        }
        let used = self.handles(open);
        let max = self.max_handles;
        let mut detail = Vec::new();
        if self.accept_queued > 0 {
            detail.push(format!(
                "{} connections waiting to be accepted",
                self.accept_queued
            ));
        }
        if self.connecting > 0 {
            detail.push(format!("{} ftp.connect calls in flight", self.connecting));
        }
        let detail = if detail.is_empty() {
            String::new()
        } else {
            format!(", counting {}", detail.join(" and "))
        };
        Err(flag_limit(
            format!("this session already has {used} open handles{detail}; close some first"),
            "--max-handles",
            max,
        ))
    }

    /// A connection entered a listen queue.
    pub fn accept_queued(&mut self) {
        self.accept_queued += 1;
    }

    /// `n` connections left listen queues (accepted as handles or dropped).
    pub fn accept_dequeued(&mut self, n: usize) {
        self.accept_queued = self.accept_queued.saturating_sub(n);
    }

    /// A listener stopped taking connections from the kernel for lack of handles.
    pub fn stall_accepting(&mut self) {
        self.accept_stalled = true;
    }

    /// Whether some listener waits for a free handle to accept again.
    pub fn accept_stalled(&self) -> bool {
        self.accept_stalled
    }

    /// The stalled listeners are being re-armed.
    pub fn unstall_accepting(&mut self) {
        self.accept_stalled = false;
    }

    // ---- bytes ----

    /// Bytes buffered now, with `outbox` bytes waiting for the browser.
    pub fn buffered(&self, outbox: usize) -> usize {
        outbox + self.piped + self.queued
    }

    /// `limit` unless `more` bytes fit besides what is buffered.
    pub fn check_bytes(&self, outbox: usize, more: usize) -> Result<(), ErrorBody> {
        let now = self.buffered(outbox);
        let max = self.limits.buffered_bytes;
        if now.saturating_add(more) <= max {
            return Ok(());
        }
        Err(flag_limit(
            format!(
                "this session already buffers {} of unsent data and this call adds {}; wait for sends to finish",
                human_bytes(now),
                human_bytes(more),
            ),
            "--max-buffered-bytes",
            human_bytes(max),
        ))
    }

    /// Piped client bytes and FTP upload bytes waiting for their sockets.
    pub fn piped(&self) -> usize {
        self.piped
    }

    /// `n` piped or upload bytes arrived from the client (binary frames are never
    /// refused: the session stops reading the WebSocket instead).
    pub fn hold_piped(&mut self, n: usize) {
        self.piped += n;
    }

    /// `n` piped or upload bytes were written, or dropped with their socket.
    pub fn release_piped(&mut self, n: usize) {
        self.piped = self.piped.saturating_sub(n);
    }

    // ---- select ----

    /// `limit` unless a select watching `n` distinct handles may wait.
    pub fn check_watch(&self, n: usize) -> Result<(), ErrorBody> {
        let max = self.limits.select_watch;
        if self.watched.saturating_add(n) <= max {
            return Ok(());
        }
        Err(flag_limit(
            format!(
                "waiting selects in this session already watch {} handles and this one adds {n}; let some selects finish or cancel them",
                self.watched
            ),
            "--max-select-watch",
            max,
        ))
    }

    // ---- charges of pending requests ----

    pub fn take(&mut self, charge: Charge) {
        match charge {
            Charge::Nothing => {}
            Charge::Bytes(n) => self.queued += n,
            Charge::Watch(n) => self.watched += n,
            Charge::Connect => self.connecting += 1,
        }
    }

    pub fn give_back(&mut self, charge: Charge) {
        match charge {
            Charge::Nothing => {}
            Charge::Bytes(n) => self.queued = self.queued.saturating_sub(n),
            Charge::Watch(n) => self.watched = self.watched.saturating_sub(n),
            Charge::Connect => self.connecting = self.connecting.saturating_sub(1),
        }
    }

    // ---- labs ----

    /// The lab listening at `addr`, if any.
    pub fn lab_at(&self, addr: SocketAddr) -> Option<usize> {
        self.labs.iter().position(|(_, a)| *a == addr)
    }

    /// The lab that `host`:`port` names without a DNS lookup (an IP literal or
    /// `localhost`), if any.
    pub fn lab_named(&self, host: &str, port: u16) -> Option<usize> {
        let ips: [IpAddr; 2] = if host.eq_ignore_ascii_case("localhost") {
            [Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()]
        } else {
            let bare = host
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(host);
            let ip = bare.parse::<IpAddr>().ok()?;
            [ip, ip]
        };
        ips.iter()
            .find_map(|ip| self.lab_at(SocketAddr::new(*ip, port)))
    }

    /// Lets handle `h` hold a connection to lab `lab`, or says the lab's share is used.
    pub fn hold_lab(&mut self, h: &str, lab: usize) -> Result<(), ErrorBody> {
        if self.lab_holders.get(h) == Some(&lab) {
            return Ok(());
        }
        let max = self.limits.lab_connections;
        let (Some(count), Some((name, _))) = (self.lab_counts.get(lab), self.labs.get(lab)) else {
            return Ok(());
        };
        if *count >= max {
            return Err(flag_limit(
                format!(
                    "this session already has {count} connections to the {name} lab; close some first so other learners keep their share"
                ),
                "--max-lab-connections",
                format!("{max} per lab"),
            ));
        }
        self.release_lab(h);
        if let Some(c) = self.lab_counts.get_mut(lab) {
            *c += 1;
        }
        self.lab_holders.insert(h.to_owned(), lab);
        Ok(())
    }

    /// Connections this session holds (or is opening) to the labs.
    pub fn lab_clients(&self) -> usize {
        self.lab_holders.len()
    }

    /// Handle `h` no longer holds a lab connection (closed, or its connect failed).
    pub fn release_lab(&mut self, h: &str) {
        if let Some(lab) = self.lab_holders.remove(h) {
            if let Some(c) = self.lab_counts.get_mut(lab) {
                *c = c.saturating_sub(1);
            }
        }
    }
}

/// `16 MiB`, `1.5 MiB`, `512 KiB`, `100 bytes`.
pub fn human_bytes(n: usize) -> String {
    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;
    if n >= MIB {
        if n.is_multiple_of(MIB) {
            format!("{} MiB", n / MIB)
        } else {
            format!("{:.1} MiB", n as f64 / MIB as f64)
        }
    } else if n >= KIB {
        if n.is_multiple_of(KIB) {
            format!("{} KiB", n / KIB)
        } else {
            format!("{:.1} KiB", n as f64 / KIB as f64)
        }
    } else {
        format!("{n} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn budget(max_handles: u32) -> Budget {
        let labs = [
            ("chat".to_owned(), SocketAddr::from(([127, 0, 0, 1], 2023))),
            ("ftp".to_owned(), SocketAddr::from(([127, 0, 0, 1], 2021))),
        ];
        Budget::new(SessionBudget::default(), max_handles, labs)
    }

    fn cases() -> u32 {
        crate::test_support::proptest_cases(128)
    }

    #[test]
    fn queued_accepts_and_connects_count_as_handles() {
        let mut b = budget(3);
        assert!(b.check_handle(2).is_ok());
        b.accept_queued();
        let e = b.check_handle(2).unwrap_err();
        assert_eq!(e.code, shared::codes::LIMIT);
        assert!(
            e.message.contains("1 connections waiting to be accepted"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("--max-handles"), "{}", e.message);
        assert_eq!(
            e.detail.as_deref(),
            Some("the limit is --max-handles 3; the relay's host can raise it")
        );
        b.accept_dequeued(1);
        b.take(Charge::Connect);
        let e = b.check_handle(2).unwrap_err();
        assert!(
            e.message.contains("1 ftp.connect calls in flight"),
            "{}",
            e.message
        );
        b.give_back(Charge::Connect);
        assert!(b.check_handle(2).is_ok());
    }

    #[test]
    fn bytes_message_names_the_limit() {
        let mut b = budget(64);
        b.take(Charge::Bytes(15 << 20));
        assert!(b.check_bytes(0, 1 << 20).is_ok());
        let e = b.check_bytes(512 << 10, 1 << 20).unwrap_err();
        assert_eq!(
            e.message,
            "this session already buffers 15.5 MiB of unsent data and this call adds 1 MiB; wait for sends to finish"
        );
        assert_eq!(
            e.detail.as_deref(),
            Some("the limit is --max-buffered-bytes 16 MiB; the relay's host can raise it")
        );
    }

    #[test]
    fn lab_names_match_literals_and_localhost_only() {
        let b = budget(64);
        assert_eq!(b.lab_named("localhost", 2023), Some(0));
        assert_eq!(b.lab_named("127.0.0.1", 2021), Some(1));
        assert_eq!(b.lab_named("[::1]", 2021), None);
        assert_eq!(b.lab_named("127.0.0.2", 2021), None);
        assert_eq!(b.lab_named("example.org", 2021), None);
    }

    #[test]
    fn lab_share_is_per_lab() {
        let mut b = budget(64);
        for i in 0..8 {
            b.hold_lab(&format!("s{i}"), 0).unwrap();
        }
        let e = b.hold_lab("s9", 0).unwrap_err();
        assert!(
            e.message.contains("8 connections to the chat lab"),
            "{}",
            e.message
        );
        b.hold_lab("s9", 1).unwrap();
        b.release_lab("s0");
        b.hold_lab("s10", 0).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        /// Whatever order charges are taken and given back in, the counters
        /// return to zero and never underflow.
        #[test]
        fn charges_balance(ops in proptest::collection::vec((0u8..4, 0usize..5000), 0..64)) {
            let mut b = budget(64);
            let charges: Vec<Charge> = ops
                .iter()
                .map(|(k, n)| match k {
                    0 => Charge::Nothing,
                    1 => Charge::Bytes(*n),
                    2 => Charge::Watch(*n),
                    _ => Charge::Connect,
                })
                .collect();
            for c in &charges {
                b.take(*c);
            }
            for c in charges.iter().rev() {
                b.give_back(*c);
            }
            prop_assert_eq!(b.buffered(0), 0);
            prop_assert_eq!(b.handles(0), 0);
            prop_assert!(b.check_watch(b.limits().select_watch).is_ok());
        }

        /// Holding and releasing lab slots in any order keeps every lab's count
        /// equal to the number of handles holding it, never above the share.
        #[test]
        fn lab_counts_match_holders(ops in proptest::collection::vec((0u8..12, 0usize..3, any::<bool>()), 0..200)) {
            let mut b = budget(64);
            for (h, lab, hold) in ops {
                let h = format!("s{h}");
                if hold {
                    let _ = b.hold_lab(&h, lab);
                } else {
                    b.release_lab(&h);
                }
                for (i, count) in b.lab_counts.iter().enumerate() {
                    let holders = b.lab_holders.values().filter(|l| **l == i).count();
                    prop_assert_eq!(*count as usize, holders);
                    prop_assert!(*count <= b.limits.lab_connections);
                }
            }
        }
    }
}
