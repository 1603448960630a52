//! Client slots of a lab: at most a total number of clients at once, and at most a
//! smaller number from any one source address, so that one client cannot take every
//! place of a lab (docs/security.md, "The labs").
//!
//! A [`Slot`] is held for as long as a client is served and frees its place when
//! dropped. Taking a slot never waits: a full lab answers the newcomer at once
//! (`admission.rs`).

use crate::tally::Tally;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Why a client got no slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Full {
    /// The lab already serves its total number of clients.
    Total(usize),
    /// This source address already holds its share of the lab.
    PerPeer(usize),
}

/// The places of one lab.
#[derive(Clone, Debug)]
pub(crate) struct ClientSlots {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    total: usize,
    per_peer: usize,
    held: Mutex<Tally<IpAddr>>,
}

/// One client's place; dropping it frees the place.
#[derive(Debug)]
pub(crate) struct Slot {
    inner: Arc<Inner>,
    ip: IpAddr,
}

impl ClientSlots {
    /// At most `total` clients, at most `per_peer` of them from one address.
    pub(crate) fn new(total: usize, per_peer: usize) -> ClientSlots {
        ClientSlots {
            inner: Arc::new(Inner {
                total,
                per_peer,
                held: Mutex::new(Tally::default()),
            }),
        }
    }

    /// A place for a client from `ip`, or why there is none.
    pub(crate) fn take(&self, ip: IpAddr) -> Result<Slot, Full> {
        let mut held = self.inner.lock();
        if held.total() >= self.inner.total {
            return Err(Full::Total(self.inner.total));
        }
        if held.count(&ip) >= self.inner.per_peer {
            return Err(Full::PerPeer(self.inner.per_peer));
        }
        held.add(ip);
        Ok(Slot {
            inner: self.inner.clone(),
            ip,
        })
    }

    /// Places in use (all addresses).
    #[cfg(test)]
    pub(crate) fn in_use(&self) -> usize {
        self.inner.lock().total()
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tally<IpAddr>> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.inner.lock().release(&self.ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn one_address_gets_at_most_its_share_and_others_still_get_in() {
        let slots = ClientSlots::new(4, 2);
        let a1 = slots.take(A).unwrap();
        let _a2 = slots.take(A).unwrap();
        assert_eq!(slots.take(A).unwrap_err(), Full::PerPeer(2));
        let _b1 = slots.take(B).unwrap();
        drop(a1);
        let _a3 = slots.take(A).expect("a freed place can be taken again");
        let _b2 = slots.take(B).unwrap();
        assert_eq!(slots.take(B).unwrap_err(), Full::Total(4));
        assert_eq!(slots.in_use(), 4);
    }

    #[test]
    fn dropping_every_slot_frees_every_place() {
        let slots = ClientSlots::new(3, 3);
        let held: Vec<Slot> = (0..3).map(|_| slots.take(A).unwrap()).collect();
        assert!(slots.take(B).is_err());
        drop(held);
        assert_eq!(slots.in_use(), 0);
        assert!(slots.inner.lock().is_empty(), "no entry left behind");
    }
}
