//! Argument structs that twin ops share: `recv`/`recvfrom` ([`RecvArgs`]),
//! `send`/`sendall` ([`SendArgs`]), `connect`/`connect_ex` ([`ConnectArgs`]) and
//! `ftp.storbinary`/`ftp.storlines` ([`FtpStore`]).
//!
//! Each is the payload of a newtype variant of the internally tagged [`crate::Op`],
//! so a request's JSON is the op's tag followed by these fields, exactly as if the
//! variant declared them itself.

use crate::socket_consts::RecvFlag;
use crate::{Addr, Data, Encoding};
use serde::{Deserialize, Serialize};

/// Arguments of `recv` / `recvfrom`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecvArgs {
    pub sock: String,
    pub bufsize: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<RecvFlag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
}

impl RecvArgs {
    /// `MSG_PEEK`: the bytes stay in the buffer for the next call.
    pub fn peek(&self) -> bool {
        self.flags.contains(&RecvFlag::MsgPeek)
    }
}

/// Arguments of `send` / `sendall`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SendArgs {
    pub sock: String,
    pub data: Data,
}

/// Arguments of `connect` / `connect_ex`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConnectArgs {
    pub sock: String,
    pub addr: Addr,
}

/// Arguments of `ftp.storbinary` / `ftp.storlines`: inline `data`, or `size` bytes
/// that follow as binary frames addressed to `conn`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FtpStore {
    pub conn: String,
    pub cmd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocksize: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}
