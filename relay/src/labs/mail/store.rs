//! The mail labs' mailboxes and their scope (docs/protocol.md "The mail labs",
//! "Mailbox scope").
//!
//! A *scope* is one relay session's set of mailboxes. A session holds a [`Scope`]
//! and registers the local address of every connection it opens; a lab that
//! accepts a connection asks [`scope_of`] its peer address and so finds the
//! session — or the shared "outside" scope (0) for connections the relay did not
//! open. The registry is process-wide because the key is: a live TCP
//! connection's local address is unique on the machine. Dropping a [`Scope`]
//! ends it, and the [`Store`] forgets an ended scope's mailboxes at its next use.
//!
//! Owns the accounts, the mailboxes and every bound on them; what the SMTP and
//! POP3 labs say to their clients is in `smtp.rs` and `pop3.rs`.

use bytes::Bytes;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};

/// The labs' mail domain.
pub const DOMAIN: &str = "socklab.test";
/// The lab accounts: user name and password (the address is `user@socklab.test`).
pub const ACCOUNTS: &[(&str, &str)] = &[("learner", "learner"), ("alice", "alice"), ("bob", "bob")];
/// Most messages in one mailbox.
pub const MAX_MESSAGES: usize = 100;
/// Most bytes in one scope's mailboxes together.
pub const MAX_SCOPE_BYTES: usize = 4 << 20;
/// Most scopes with mail at once.
pub const MAX_SCOPES: usize = 256;

/// The "outside" scope: connections the relay did not open.
pub const OUTSIDE: u64 = 0;

/// The password of lab account `user`, if it is one.
pub fn password_of(user: &str) -> Option<&'static str> {
    ACCOUNTS.iter().find(|(u, _)| *u == user).map(|(_, p)| *p)
}

#[derive(Default)]
struct Registry {
    /// Local address of a relay connection → its session's scope.
    locals: HashMap<SocketAddr, u64>,
    live: HashSet<u64>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);
static NEXT_SCOPE: AtomicU64 = AtomicU64::new(1);

fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One relay session's mailboxes; they vanish when it is dropped.
#[derive(Debug)]
pub struct Scope(u64);

impl Scope {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Scope {
        let id = NEXT_SCOPE.fetch_add(1, Ordering::Relaxed);
        registry().live.insert(id);
        Scope(id)
    }

    /// A connection of this session now uses local address `local`.
    pub fn register(&self, local: SocketAddr) {
        registry().locals.insert(local, self.0);
    }

    /// The connection from `local` is closed.
    pub fn unregister(&self, local: SocketAddr) {
        let mut r = registry();
        if r.locals.get(&local) == Some(&self.0) {
            r.locals.remove(&local);
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let mut r = registry();
        r.live.remove(&self.0);
        r.locals.retain(|_, s| *s != self.0);
    }
}

/// The scope of a lab client connected from `peer`.
pub fn scope_of(peer: SocketAddr) -> u64 {
    registry().locals.get(&peer).copied().unwrap_or(OUTSIDE)
}

/// One stored message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Unique for the lab's lifetime (POP3 `UIDL`).
    pub uid: String,
    pub body: Bytes,
}

/// Why a message was not stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// The mailbox or its scope is full.
    Full,
    /// Too many scopes hold mail.
    TooManyScopes,
}

#[derive(Default)]
struct Space {
    boxes: HashMap<String, Vec<Message>>,
    bytes: usize,
}

#[derive(Default)]
struct Inner {
    spaces: HashMap<u64, Space>,
    next_uid: u64,
}

/// The mailboxes of one pair of SMTP and POP3 labs.
#[derive(Default)]
pub struct Store(Mutex<Inner>);

impl Store {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        let mut inner = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let live = registry().live.clone();
        inner
            .spaces
            .retain(|id, _| *id == OUTSIDE || live.contains(id));
        inner
    }

    /// Whether a message of `size` bytes to `user` would fit now.
    pub fn room_for(&self, scope: u64, user: &str, size: usize) -> Result<(), Refused> {
        let inner = self.lock();
        match inner.spaces.get(&scope) {
            None if inner.spaces.len() >= MAX_SCOPES => Err(Refused::TooManyScopes),
            None => Ok(()),
            Some(space) => {
                let count = space.boxes.get(user).map_or(0, Vec::len);
                if count >= MAX_MESSAGES || space.bytes + size > MAX_SCOPE_BYTES {
                    Err(Refused::Full)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Stores `body` in `user`'s mailbox of `scope`.
    pub fn deliver(&self, scope: u64, user: &str, body: Bytes) -> Result<(), Refused> {
        self.room_for(scope, user, body.len())?;
        let mut inner = self.lock();
        inner.next_uid += 1;
        let uid = format!("socklab-{}", inner.next_uid);
        let space = inner.spaces.entry(scope).or_default();
        space.bytes += body.len();
        space
            .boxes
            .entry(user.to_owned())
            .or_default()
            .push(Message { uid, body });
        Ok(())
    }

    /// The messages in `user`'s mailbox of `scope` now (a POP3 maildrop).
    pub fn messages(&self, scope: u64, user: &str) -> Vec<Message> {
        let inner = self.lock();
        inner
            .spaces
            .get(&scope)
            .and_then(|s| s.boxes.get(user))
            .cloned()
            .unwrap_or_default()
    }

    /// Removes the messages with these `uids` from `user`'s mailbox of `scope`.
    pub fn delete(&self, scope: u64, user: &str, uids: &[String]) {
        let mut inner = self.lock();
        let Some(space) = inner.spaces.get_mut(&scope) else {
            return;
        };
        let mut freed = 0;
        if let Some(mailbox) = space.boxes.get_mut(user) {
            mailbox.retain(|m| {
                let gone = uids.contains(&m.uid);
                if gone {
                    freed += m.body.len();
                }
                !gone
            });
        }
        space.bytes = space.bytes.saturating_sub(freed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_keep_mail_apart_and_forget_it_when_dropped() {
        let store = Store::default();
        let (a, b) = (Scope::new(), Scope::new());
        let addr: SocketAddr = "127.0.0.1:45001".parse().unwrap();
        a.register(addr);
        assert_eq!(scope_of(addr), a.0);
        store.deliver(a.0, "learner", Bytes::from("one")).unwrap();
        assert_eq!(store.messages(a.0, "learner").len(), 1);
        assert!(store.messages(b.0, "learner").is_empty());
        assert!(store.messages(OUTSIDE, "learner").is_empty());
        let id = a.0;
        drop(a);
        assert_eq!(scope_of(addr), OUTSIDE);
        assert!(store.messages(id, "learner").is_empty());
    }

    #[test]
    fn a_mailbox_is_bounded() {
        let store = Store::default();
        let s = Scope::new();
        for _ in 0..MAX_MESSAGES {
            store.deliver(s.0, "bob", Bytes::from("x")).unwrap();
        }
        assert_eq!(
            store.deliver(s.0, "bob", Bytes::from("x")),
            Err(Refused::Full)
        );
        let big = Bytes::from(vec![b'x'; MAX_SCOPE_BYTES]);
        assert_eq!(store.deliver(s.0, "alice", big), Err(Refused::Full));
        let uids: Vec<String> = store
            .messages(s.0, "bob")
            .into_iter()
            .map(|m| m.uid)
            .collect();
        store.delete(s.0, "bob", &uids);
        assert!(store.messages(s.0, "bob").is_empty());
        store.deliver(s.0, "bob", Bytes::from("x")).unwrap();
    }
}
