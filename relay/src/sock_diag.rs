//! Asks the kernel for the TCP state of one connection by its address pair, the
//! way `ss` does: Linux's socket-diagnostics netlink interface
//! (`NETLINK_SOCK_DIAG`, `inet_diag_req_v2` with an exact socket id).
//!
//! `TCP_INFO` needs an open descriptor; after `close()` the process has none, but
//! the kernel still holds the connection in `FIN_WAIT1`, `FIN_WAIT2`, `CLOSING`,
//! `LAST_ACK` or `TIME_WAIT`. This module is how the relay sees those states.
//! It owns the request, the reply parsing and the reading of the connection's
//! timer (for `TIME_WAIT`: the time left before the kernel forgets the pair).
//! One lookup is one request and one reply on a short-lived netlink socket; the
//! kernel answers while the request is being sent, so nothing here blocks.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// What the kernel says about one TCP connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelTcp {
    /// The kernel's state name (`tcp_states.h`, as `ss` prints it with `_`).
    pub state: &'static str,
    /// Time left on the connection's timer when the kernel reports one
    /// (`TIME_WAIT`'s remaining time, a retransmission or keep-alive timer).
    pub expires: Option<Duration>,
}

/// Looks up the TCP connection from `local` to `peer`. `Ok(None)` when the kernel
/// no longer knows the pair (fully closed and forgotten).
#[cfg(target_os = "linux")]
pub fn lookup(local: SocketAddr, peer: SocketAddr) -> io::Result<Option<KernelTcp>> {
    linux::lookup(local, peer)
}

#[cfg(not(target_os = "linux"))]
pub fn lookup(_local: SocketAddr, _peer: SocketAddr) -> io::Result<Option<KernelTcp>> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(target_os = "linux")]
mod linux {
    use super::KernelTcp;
    use netlink_packet_core::{NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_REQUEST};
    use netlink_packet_sock_diag::constants::{AF_INET, AF_INET6, IPPROTO_TCP};
    use netlink_packet_sock_diag::inet::{ExtensionFlags, InetRequest, SocketId, StateFlags};
    use netlink_packet_sock_diag::SockDiagMessage;
    use netlink_sys::{protocols::NETLINK_SOCK_DIAG, Socket, SocketAddr as NlAddr};
    use std::io;
    use std::net::SocketAddr;
    use std::time::Duration;

    /// `struct nlmsghdr` is 16 bytes; `struct inet_diag_msg` starts after it.
    const NLMSG_HEADER_LEN: usize = 16;
    /// Offset of `idiag_timer` in `struct inet_diag_msg`.
    const TIMER_OFFSET: usize = 2;
    /// Offset of `idiag_expires` (after family, state, timer, retrans and the
    /// 48-byte socket id).
    const EXPIRES_OFFSET: usize = 52;
    /// "No cookie": match the socket by its addresses only.
    const NO_COOKIE: [u8; 8] = [0xff; 8];
    /// A reply to one exact lookup is one `inet_diag_msg` with no attributes.
    const REPLY_BUFFER: usize = 8192;

    pub fn lookup(local: SocketAddr, peer: SocketAddr) -> io::Result<Option<KernelTcp>> {
        let socket = Socket::new(NETLINK_SOCK_DIAG)?;
        socket.connect(&NlAddr::new(0, 0))?;
        socket.set_non_blocking(true)?;
        socket.send(&request(local, peer)?, 0)?;
        let mut reply = Vec::with_capacity(REPLY_BUFFER);
        socket.recv(&mut reply, 0)?;
        parse(&reply)
    }

    fn request(local: SocketAddr, peer: SocketAddr) -> io::Result<Vec<u8>> {
        let family = match (local, peer) {
            (SocketAddr::V4(_), SocketAddr::V4(_)) => AF_INET,
            (SocketAddr::V6(_), SocketAddr::V6(_)) => AF_INET6,
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "local and peer addresses of different families",
                ))
            }
        };
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST;
        let mut message = NetlinkMessage::new(
            header,
            SockDiagMessage::InetRequest(InetRequest {
                family,
                protocol: IPPROTO_TCP,
                extensions: ExtensionFlags::empty(),
                states: StateFlags::all(),
                socket_id: SocketId {
                    source_port: local.port(),
                    destination_port: peer.port(),
                    source_address: local.ip(),
                    destination_address: peer.ip(),
                    interface_id: 0,
                    cookie: NO_COOKIE,
                },
            })
            .into(),
        );
        message.finalize();
        let mut buf = vec![0; message.buffer_len()];
        message.serialize(&mut buf);
        Ok(buf)
    }

    /// Reads the kernel's reply: a socket, "no such socket" (`ENOENT`), or an error.
    pub(super) fn parse(reply: &[u8]) -> io::Result<Option<KernelTcp>> {
        let message = NetlinkMessage::<SockDiagMessage>::deserialize(reply)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        match message.payload {
            NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(response)) => {
                let state = crate::tcp_info::state_name(response.header.state);
                Ok(Some(KernelTcp {
                    state,
                    expires: timer_expiry(reply),
                }))
            }
            NetlinkPayload::Error(e) => match e.code {
                Some(code) if code.get() == -libc::ENOENT => Ok(None),
                _ => Err(e.to_io()),
            },
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "unexpected socket-diagnostics reply",
            )),
        }
    }

    /// `idiag_expires` in milliseconds when `idiag_timer` names a running timer.
    /// Read from the raw reply because the parsed header drops it for `TIME_WAIT`.
    fn timer_expiry(reply: &[u8]) -> Option<Duration> {
        let body = reply.get(NLMSG_HEADER_LEN..)?;
        let timer = *body.get(TIMER_OFFSET)?;
        if timer == 0 {
            return None;
        }
        let raw = body.get(EXPIRES_OFFSET..EXPIRES_OFFSET + 4)?;
        let millis = u32::from_ne_bytes(raw.try_into().ok()?);
        Some(Duration::from_millis(u64::from(millis)))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Read;
    use std::net::{Shutdown, TcpListener};
    use std::time::Instant;

    /// Polls the kernel until the pair reaches `want` (state changes on loopback
    /// follow the packets, which the kernel processes on its own schedule).
    fn wait_for(local: SocketAddr, peer: SocketAddr, want: &str) -> KernelTcp {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let seen = lookup(local, peer).expect("sock_diag lookup");
            if let Some(k) = &seen {
                if k.state == want {
                    return k.clone();
                }
            }
            assert!(
                Instant::now() < deadline,
                "{local} -> {peer} never reached {want}; last seen {seen:?}"
            );
            std::thread::yield_now();
        }
    }

    #[test]
    fn an_open_connection_is_established_on_both_sides() {
        let (_client, _server, c, s) = crate::test_support::loopback_pair();
        assert_eq!(wait_for(c, s, "ESTABLISHED").state, "ESTABLISHED");
        assert_eq!(wait_for(s, c, "ESTABLISHED").state, "ESTABLISHED");
    }

    #[test]
    fn the_active_closer_lingers_in_time_wait_after_close() {
        let (client, mut server, c, s) = crate::test_support::loopback_pair();
        drop(client);
        // The closer waits for the peer's FIN in FIN_WAIT2; the peer sits in CLOSE_WAIT.
        assert_eq!(wait_for(c, s, "FIN_WAIT2").state, "FIN_WAIT2");
        assert_eq!(wait_for(s, c, "CLOSE_WAIT").state, "CLOSE_WAIT");
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).expect("EOF");
        server.shutdown(Shutdown::Both).expect("shutdown");
        drop(server);
        let tw = wait_for(c, s, "TIME_WAIT");
        let left = tw.expires.expect("TIME_WAIT reports its remaining time");
        assert!(
            left > Duration::ZERO && left <= Duration::from_secs(60),
            "Linux holds TIME_WAIT for 60 s; {left:?} left"
        );
    }

    #[test]
    fn a_pair_the_kernel_never_had_is_none() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let free = listener.local_addr().expect("addr");
        drop(listener);
        let peer: SocketAddr = "127.0.0.1:9".parse().expect("addr");
        assert_eq!(lookup(free, peer).expect("lookup"), None);
    }

    #[test]
    fn mixed_families_are_refused() {
        let v4: SocketAddr = "127.0.0.1:1".parse().expect("v4");
        let v6: SocketAddr = "[::1]:1".parse().expect("v6");
        assert!(lookup(v4, v6).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::test_support::proptest_cases(256)))]
        /// Whatever bytes stand where the kernel's reply should be, parsing ends
        /// in a value or an error, never a panic.
        #[test]
        fn any_reply_bytes_parse_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = linux::parse(&bytes);
        }
    }
}
