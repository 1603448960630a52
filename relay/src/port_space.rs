//! Per-session port spaces (`--port-spaces`, on in `--class`): each session sees
//! its own loopback ports. Two sessions can both bind `127.0.0.1:20178`; each
//! one's `connect` to that address reaches the socket *it* bound, never a
//! classmate's (docs/class-hosting.md, "Port spaces").
//!
//! Owns the map between a session's *virtual* loopback addresses (what the
//! learner binds, connects to and sees) and the *real* ones the kernel gave the
//! relay, per protocol (TCP and UDP have separate port spaces, as in the kernel):
//!
//! - an explicit bind of virtual port V binds a real port the kernel picks (or
//!   the one V already had in this session, so `SO_REUSEADDR` and `EADDRINUSE`
//!   behave exactly as Linux decides for that real port);
//! - port 0 and implicit binds keep the kernel's port as it is (virtual = real);
//! - a connect to a loopback port that nothing in this session bound goes to a
//!   *void*: a TCP socket bound but not listening (the kernel answers
//!   `ECONNREFUSED`, as Python would see) or a UDP socket that never reads (the
//!   datagram is accepted and dropped), held by the space;
//! - [`PortSpace::to_virtual`] rewrites every real address the session is
//!   shown (the outbox calls it for every reply and event).
//!
//! Callers decide *whether* an address goes through the space (labs and
//! `--allow-connect` targets do not, see `resolve.rs`); this file never looks at
//! the policy. The map is shared by the session's loop, its policy's checks
//! (which may run in a resolver future) and its outbox, so it sits behind a
//! mutex that only this session ever takes.

use crate::policy::{canonical, unspecified_like, Policy, PortLease};
use shared::{ErrorBody, SockType};
use socket2::{Domain, SockRef, Socket, Type};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Virtual addresses a session may have in its map at once; the least recently
/// used one that no socket holds is forgotten beyond this.
const MAX_ENTRIES: usize = 256;
/// Voids a session may hold (each is one descriptor); the least recently used
/// one is closed beyond this (its virtual port stays mapped).
const MAX_VOIDS: usize = 8;

/// One session's port space.
#[derive(Debug, Default)]
pub struct PortSpace {
    inner: Mutex<Space>,
}

/// A virtual address in one protocol's port space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    stream: bool,
    addr: SocketAddr,
}

#[derive(Debug)]
struct Entry {
    real: SocketAddr,
    /// Sockets of the session bound to `real` (leases alive).
    holders: u32,
    /// The space's own socket on `real` while no session socket holds it and a
    /// connect was aimed at it.
    void: Option<Socket>,
    /// Last use, for eviction.
    used: u64,
}

#[derive(Debug, Default)]
struct Space {
    entries: HashMap<Key, Entry>,
    /// Real address → virtual port, for every entry.
    by_real: HashMap<SocketAddr, u16>,
    clock: u64,
}

/// A session socket's hold on its virtual address; released on drop.
#[derive(Debug)]
pub struct SpaceLease {
    space: Arc<PortSpace>,
    key: Key,
}

fn key(kind: SockType, addr: SocketAddr) -> Key {
    Key {
        stream: kind == SockType::Stream,
        addr: canonical(addr),
    }
}

fn addr_in_use() -> std::io::Error {
    std::io::Error::from_raw_os_error(libc::EADDRINUSE)
}

/// A void on `real` (port 0: any free port): a TCP socket bound and never
/// listening, or a UDP socket with the smallest receive buffer that is never read.
fn open_void(stream: bool, real: SocketAddr) -> std::io::Result<Socket> {
    let domain = Domain::for_address(real);
    let ty = if stream { Type::STREAM } else { Type::DGRAM };
    let s = Socket::new(domain, ty, None)?;
    if real.is_ipv6() {
        s.set_only_v6(true)?;
    }
    if !stream {
        s.set_recv_buffer_size(1)?;
    }
    s.set_nonblocking(true)?;
    s.bind(&real.into())?;
    Ok(s)
}

fn local_of(s: &SockRef<'_>) -> std::io::Result<SocketAddr> {
    s.local_addr()?
        .as_socket()
        .ok_or_else(|| std::io::Error::other("not an IP socket"))
}

impl Space {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The entry for `k`, or for the unspecified address of its family on the
    /// same port (a `--allow-bind 0.0.0.0` bind is reached through loopback).
    fn find(&self, k: Key) -> Option<Key> {
        if self.entries.contains_key(&k) {
            return Some(k);
        }
        let any = Key {
            stream: k.stream,
            addr: SocketAddr::new(unspecified_like(k.addr.ip()), k.addr.port()),
        };
        self.entries.contains_key(&any).then_some(any)
    }

    fn insert(&mut self, k: Key, real: SocketAddr, holders: u32, void: Option<Socket>) {
        let real = canonical(real);
        if let Some(old) = self.entries.remove(&k) {
            self.by_real.remove(&old.real);
        }
        let used = self.tick();
        self.by_real.insert(real, k.addr.port());
        self.entries.insert(
            k,
            Entry {
                real,
                holders,
                void,
                used,
            },
        );
        self.evict();
    }

    /// Keeps at most [`MAX_ENTRIES`] entries and [`MAX_VOIDS`] voids, dropping
    /// the least recently used ones that no session socket holds.
    fn evict(&mut self) {
        while self.entries.values().filter(|e| e.void.is_some()).count() > MAX_VOIDS {
            let oldest = self
                .entries
                .values_mut()
                .filter(|e| e.void.is_some())
                .min_by_key(|e| e.used);
            if let Some(e) = oldest {
                e.void = None;
            }
        }
        while self.entries.len() > MAX_ENTRIES {
            let oldest = self
                .entries
                .iter()
                .filter(|(_, e)| e.holders == 0)
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| *k);
            let Some(k) = oldest else { return };
            if let Some(e) = self.entries.remove(&k) {
                self.by_real.remove(&e.real);
            }
        }
    }
}

impl PortSpace {
    fn lock(&self) -> MutexGuard<'_, Space> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where a `kind` socket's connect (or datagram) to the loopback address
    /// `target` really goes: the real address of the session's socket on that
    /// virtual address, or a void the space holds (opened now if needed), so a
    /// port nothing in this session bound is refused as on an idle machine.
    /// Non-loopback targets are returned unchanged. Fails with the relay's
    /// `limit` error when no descriptor is left for a void, or an OS error.
    pub fn connect_target(
        &self,
        kind: SockType,
        target: SocketAddr,
    ) -> Result<SocketAddr, ErrorBody> {
        let plain = canonical(target);
        if !plain.ip().is_loopback() || plain.port() == 0 {
            return Ok(target);
        }
        let k = key(kind, plain);
        let mut space = self.lock();
        let now = space.tick();
        let found = space.find(k);
        if let Some(e) = found.and_then(|f| space.entries.get_mut(&f)) {
            e.used = now;
            if e.holders > 0 || e.void.is_some() {
                return Ok(SocketAddr::new(plain.ip(), e.real.port()));
            }
            // Idle: hold its real port with a void again, if it is still free.
            crate::descriptors::reserve(1)?;
            if let Ok(v) = open_void(k.stream, e.real) {
                e.void = Some(v);
                let port = e.real.port();
                space.evict();
                return Ok(SocketAddr::new(plain.ip(), port));
            }
        }
        crate::descriptors::reserve(1)?;
        let io = |e: std::io::Error| crate::oserror::from_io(&e);
        let void = open_void(k.stream, SocketAddr::new(plain.ip(), 0)).map_err(io)?;
        let real = local_of(&SockRef::from(&void)).map_err(io)?;
        space.insert(found.unwrap_or(k), real, 0, Some(void));
        Ok(SocketAddr::new(plain.ip(), real.port()))
    }

    /// Binds `sock` (a `kind` socket) for the virtual address `virt`, which the
    /// bind policy has already checked. Port 0 keeps the kernel's port. A port
    /// this session holds binds the same real port, so the kernel decides
    /// `EADDRINUSE` and `SO_REUSEADDR` exactly as on a real machine; a port it
    /// held before binds that real port again when it is free, and reports
    /// `EADDRINUSE` when `lingering(real)` says a closed connection of the
    /// session still holds it (TIME_WAIT, as Linux would); otherwise a free
    /// port. Returns the real address bound and the lease.
    pub fn bind(
        self: &Arc<Self>,
        sock: &SockRef<'_>,
        kind: SockType,
        virt: SocketAddr,
        lingering: impl Fn(SocketAddr) -> bool,
    ) -> std::io::Result<(SocketAddr, Option<SpaceLease>)> {
        if virt.port() == 0 {
            sock.bind(&virt.into())?;
            let real = local_of(sock)?;
            return Ok((real, self.adopt(kind, real)));
        }
        let k = key(kind, virt);
        let previous = {
            let mut space = self.lock();
            space.entries.get_mut(&k).map(|e| {
                e.void = None;
                (e.real, e.holders)
            })
        };
        let fresh = SocketAddr::new(virt.ip(), 0);
        match previous {
            Some((real, holders)) => {
                let real = SocketAddr::new(virt.ip(), real.port());
                match sock.bind(&real.into()) {
                    Ok(()) => {}
                    Err(e) if holders > 0 || e.raw_os_error() != Some(libc::EADDRINUSE) => {
                        return Err(e)
                    }
                    Err(_) if lingering(real) => return Err(addr_in_use()),
                    Err(_) => sock.bind(&fresh.into())?,
                }
            }
            None => sock.bind(&fresh.into())?,
        }
        let real = local_of(sock)?;
        let mut space = self.lock();
        let now = space.tick();
        match space.entries.get_mut(&k) {
            Some(e) if canonical(e.real) == canonical(real) => {
                e.holders += 1;
                e.used = now;
            }
            _ => space.insert(k, real, 1, None),
        }
        Ok((
            real,
            Some(SpaceLease {
                space: Arc::clone(self),
                key: k,
            }),
        ))
    }

    /// Records a socket the kernel bound to `real` itself (port 0, or an
    /// implicit bind): its virtual address is the real one. `None` when that
    /// virtual address already belongs to a live socket of the session.
    pub fn adopt(self: &Arc<Self>, kind: SockType, real: SocketAddr) -> Option<SpaceLease> {
        if real.port() == 0 {
            return None;
        }
        let k = key(kind, real);
        let mut space = self.lock();
        if space.entries.get(&k).is_some_and(|e| e.holders > 0) {
            return None;
        }
        space.insert(k, real, 1, None);
        Some(SpaceLease {
            space: Arc::clone(self),
            key: k,
        })
    }

    /// The address the session is shown for `real`: the virtual address when
    /// `real` is (or, for an all-interfaces bind, is reached through) a real
    /// address of this space; `real` itself otherwise.
    pub fn to_virtual(&self, real: SocketAddr) -> SocketAddr {
        let plain = canonical(real);
        let space = self.lock();
        let any = SocketAddr::new(unspecified_like(plain.ip()), plain.port());
        match space
            .by_real
            .get(&plain)
            .or_else(|| space.by_real.get(&any))
        {
            Some(port) => SocketAddr::new(real.ip(), *port),
            None => real,
        }
    }

    /// Is `real` a real address of this space (a session socket's or a void)?
    /// The connect policy of an exposed relay allows exactly these among
    /// loopback ports that are not labs.
    pub fn owns(&self, real: SocketAddr) -> bool {
        let plain = canonical(real);
        let space = self.lock();
        space.entries.values().any(|e| {
            (e.holders > 0 || e.void.is_some())
                && e.real.port() == plain.port()
                && (e.real.ip() == plain.ip() || e.real.ip().is_unspecified())
        })
    }

    /// How many virtual addresses are mapped now (for tests).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A socket's hold on the address it is bound to: in the relay's registry
/// (`policy::BoundPorts`), or in the session's port space.
#[derive(Debug)]
pub enum Lease {
    Relay(PortLease),
    Space(SpaceLease),
}

impl Lease {
    /// The lease for a socket the kernel bound to `real` by itself (port 0, an
    /// implicit bind), in the session's port space when there is one.
    pub fn adopt(policy: &Policy, kind: SockType, real: SocketAddr) -> Option<Lease> {
        match policy.space() {
            Some(space) => space.adopt(kind, real).map(Lease::Space),
            None => policy.bound_ports().lease(real).map(Lease::Relay),
        }
    }
}

/// Binds `sock` for `addr`, an address the bind policy returned: through the
/// session's port space when there is one ([`PortSpace::bind`]), else as it
/// is. Returns the real address bound and the socket's lease.
pub fn bind(
    policy: &Policy,
    sock: &SockRef<'_>,
    kind: SockType,
    addr: SocketAddr,
    lingering: impl Fn(SocketAddr) -> bool,
) -> std::io::Result<(SocketAddr, Option<Lease>)> {
    match policy.space() {
        Some(space) => space
            .bind(sock, kind, addr, lingering)
            .map(|(real, l)| (real, l.map(Lease::Space))),
        None => {
            sock.bind(&addr.into())?;
            let real = local_of(sock)?;
            Ok((real, policy.bound_ports().lease(real).map(Lease::Relay)))
        }
    }
}

impl Drop for SpaceLease {
    fn drop(&mut self) {
        let mut space = self.space.lock();
        if let Some(e) = space.entries.get_mut(&self.key) {
            e.holders = e.holders.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn tcp() -> Socket {
        Socket::new(Domain::IPV4, Type::STREAM, None).unwrap()
    }

    fn never(_: SocketAddr) -> bool {
        false
    }

    /// `s` bound through `a` for `v`, nothing lingering.
    fn bind(
        a: &Arc<PortSpace>,
        s: &Socket,
        kind: SockType,
        v: SocketAddr,
    ) -> std::io::Result<(SocketAddr, Option<SpaceLease>)> {
        a.bind(&SockRef::from(s), kind, v, never)
    }

    #[test]
    fn two_spaces_bind_the_same_virtual_port_on_different_real_ports() {
        let (a, b) = (
            Arc::new(PortSpace::default()),
            Arc::new(PortSpace::default()),
        );
        let (sa_, sb) = (tcp(), tcp());
        let v = sa("127.0.0.1:20178");
        let (ra, _la) = bind(&a, &sa_, SockType::Stream, v).unwrap();
        let (rb, _lb) = bind(&b, &sb, SockType::Stream, v).unwrap();
        assert_ne!(ra, rb);
        assert_eq!(a.to_virtual(ra), v);
        assert_eq!(b.to_virtual(rb), v);
        assert_eq!(
            a.to_virtual(rb),
            rb,
            "the other space's real port is not translated"
        );
        assert_eq!(a.connect_target(SockType::Stream, v).unwrap(), ra);
        assert_eq!(b.connect_target(SockType::Stream, v).unwrap(), rb);
        assert!(a.owns(ra) && !a.owns(rb));
    }

    #[test]
    fn an_unbound_virtual_port_is_a_void_that_refuses() {
        let a = Arc::new(PortSpace::default());
        let v = sa("127.0.0.1:20178");
        let real = a.connect_target(SockType::Stream, v).unwrap();
        assert_ne!(real.port(), 20178);
        assert_eq!(a.to_virtual(real), v);
        assert!(a.owns(real));
        let refused = std::net::TcpStream::connect(real).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
        // Binding the virtual port afterwards takes the void's real port.
        let s = tcp();
        let (bound, _l) = bind(&a, &s, SockType::Stream, v).unwrap();
        assert_eq!(bound, real);
        s.listen(1).unwrap();
        std::net::TcpStream::connect(a.connect_target(SockType::Stream, v).unwrap()).unwrap();
    }

    #[test]
    fn a_second_bind_of_a_held_virtual_port_is_the_kernels_decision() {
        let a = Arc::new(PortSpace::default());
        let v = sa("127.0.0.1:20178");
        let first = tcp();
        let (_, _l) = bind(&a, &first, SockType::Stream, v).unwrap();
        first.listen(1).unwrap();
        let second = tcp();
        let e = bind(&a, &second, SockType::Stream, v).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EADDRINUSE));
        // UDP is another port space.
        let u = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
        bind(&a, &u, SockType::Dgram, v).unwrap();
    }

    #[test]
    fn port_zero_and_implicit_binds_keep_the_kernels_port() {
        let a = Arc::new(PortSpace::default());
        let s = tcp();
        let (real, lease) = bind(&a, &s, SockType::Stream, sa("127.0.0.1:0")).unwrap();
        assert!(lease.is_some());
        assert_eq!(a.to_virtual(real), real);
        assert_eq!(a.connect_target(SockType::Stream, real).unwrap(), real);
        drop(lease);
        assert_eq!(a.len(), 1, "the mapping outlives the socket");
    }

    #[test]
    fn a_rebind_after_close_reuses_the_real_port_unless_a_connection_lingers() {
        let a = Arc::new(PortSpace::default());
        let v = sa("127.0.0.1:20178");
        let s = tcp();
        let (real, lease) = bind(&a, &s, SockType::Stream, v).unwrap();
        drop((lease, s));
        let again = tcp();
        let (r2, l2) = bind(&a, &again, SockType::Stream, v).unwrap();
        assert_eq!(r2, real);
        drop((l2, again));
        // Someone else now holds the old real port: without a lingering
        // connection of our own, the virtual port moves to a free one ...
        let squatter = std::net::TcpListener::bind(real).unwrap();
        let third = tcp();
        let (r3, l3) = bind(&a, &third, SockType::Stream, v).unwrap();
        assert_ne!(r3, real);
        drop((l3, third));
        // ... and with one (our TIME_WAIT, as Linux would see it), EADDRINUSE.
        let real3 = r3;
        let blocker = std::net::TcpListener::bind(real3).unwrap();
        let fourth = tcp();
        let e = a
            .bind(&SockRef::from(&fourth), SockType::Stream, v, |r| r == real3)
            .unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EADDRINUSE));
        drop((squatter, blocker));
    }

    #[test]
    fn ipv6_loopback_has_its_own_virtual_ports() {
        let a = Arc::new(PortSpace::default());
        let Ok(s) = Socket::new(Domain::IPV6, Type::STREAM, None) else {
            return;
        };
        let v = sa("[::1]:20178");
        let Ok((real, _l)) = bind(&a, &s, SockType::Stream, v) else {
            return; // no IPv6 loopback here
        };
        assert!(real.is_ipv6() && real.port() != 20178);
        assert_eq!(a.to_virtual(real), v);
        assert_eq!(a.connect_target(SockType::Stream, v).unwrap(), real);
        // 127.0.0.1 is another address: nothing of the session listens there.
        s.listen(1).unwrap();
        let v4 = a
            .connect_target(SockType::Stream, sa("127.0.0.1:20178"))
            .unwrap();
        let refused = std::net::TcpStream::connect(v4).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    }

    #[test]
    fn voids_are_bounded() {
        let a = Arc::new(PortSpace::default());
        for p in 0..(MAX_VOIDS as u16 + 4) {
            a.connect_target(
                SockType::Dgram,
                SocketAddr::from(([127, 0, 0, 1], 30000 + p)),
            )
            .unwrap();
        }
        let voids = a
            .lock()
            .entries
            .values()
            .filter(|e| e.void.is_some())
            .count();
        assert_eq!(voids, MAX_VOIDS);
        assert_eq!(
            a.connect_target(SockType::Stream, sa("192.0.2.1:80"))
                .unwrap(),
            sa("192.0.2.1:80"),
            "non-loopback targets are not translated"
        );
    }
}
