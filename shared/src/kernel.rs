//! The `kernel` event's body: the kernel's own state of one TCP connection, read
//! from the kernel (docs/protocol.md, "`kernel`"), as opposed to the relay's
//! simplified model in the `state` event.

use crate::Addr;
use serde::{Deserialize, Serialize};

/// Where a kernel state was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KernelSource {
    /// `getsockopt(TCP_INFO)` on a socket the session still holds.
    TcpInfo,
    /// Linux's socket-diagnostics netlink interface, by address pair, after `close()`.
    SockDiag,
}

/// One report of the kernel's state of a TCP connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelState {
    /// The handle the connection belongs (or belonged) to.
    pub sock: String,
    /// Linux's name (`ESTABLISHED`, `FIN_WAIT2`, `TIME_WAIT`, …); `CLOSED` once
    /// the kernel has forgotten a closed connection.
    pub state: String,
    pub source: KernelSource,
    /// Whether the session still holds the socket (false after `close()`).
    pub held: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Addr>,
    /// Time left on the connection's kernel timer (for `TIME_WAIT`, until the
    /// kernel forgets the pair).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_ms: Option<u64>,
}
