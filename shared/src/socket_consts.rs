//! Python's `socket` constants as they appear on the wire: address families,
//! socket types, option levels and names, option values, `recv` flags and
//! `shutdown`'s `how`.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Family {
    #[serde(rename = "AF_INET")]
    AfInet,
    #[serde(rename = "AF_INET6")]
    AfInet6,
    #[serde(rename = "AF_UNIX")]
    AfUnix,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SockType {
    #[default]
    #[serde(rename = "SOCK_STREAM")]
    Stream,
    #[serde(rename = "SOCK_DGRAM")]
    Dgram,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptLevel {
    #[serde(rename = "SOL_SOCKET")]
    SolSocket,
    #[serde(rename = "IPPROTO_TCP")]
    IpprotoTcp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::enum_variant_names)]
pub enum OptName {
    #[serde(rename = "SO_REUSEADDR")]
    SoReuseaddr,
    #[serde(rename = "SO_KEEPALIVE")]
    SoKeepalive,
    #[serde(rename = "SO_BROADCAST")]
    SoBroadcast,
    #[serde(rename = "SO_RCVBUF")]
    SoRcvbuf,
    #[serde(rename = "SO_SNDBUF")]
    SoSndbuf,
    #[serde(rename = "TCP_NODELAY")]
    TcpNodelay,
}

impl OptName {
    /// The level this option lives at (Python raises `OSError EINVAL`/`ENOPROTOOPT`
    /// when they disagree).
    pub fn level(self) -> OptLevel {
        match self {
            OptName::TcpNodelay => OptLevel::IpprotoTcp,
            _ => OptLevel::SolSocket,
        }
    }
}

/// A socket option value: an integer, or a boolean meaning 1/0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OptValue {
    Int(i64),
    Bool(bool),
}

impl OptValue {
    pub fn as_i64(self) -> i64 {
        match self {
            OptValue::Int(n) => n,
            OptValue::Bool(b) => i64::from(b),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecvFlag {
    #[serde(rename = "MSG_PEEK")]
    MsgPeek,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum How {
    #[serde(rename = "SHUT_RD")]
    ShutRd,
    #[serde(rename = "SHUT_WR")]
    ShutWr,
    #[serde(rename = "SHUT_RDWR")]
    ShutRdwr,
}
