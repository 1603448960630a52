//! Turns `std::io::Error`s from real sockets into the protocol's error bodies, the
//! way Python turns a failed system call into an `OSError` subclass.
//!
//! Owns only the mapping; deciding which call failed is the caller's business.

use shared::{codes, Errno, ErrorBody};
use std::io;

/// The protocol error for an OS error.
pub fn from_io(e: &io::Error) -> ErrorBody {
    if let Some(errno) = e.raw_os_error().and_then(Errno::from_number) {
        return ErrorBody::errno(errno);
    }
    let errno = match e.kind() {
        io::ErrorKind::ConnectionRefused => Errno::ECONNREFUSED,
        io::ErrorKind::ConnectionReset => Errno::ECONNRESET,
        io::ErrorKind::ConnectionAborted => Errno::ECONNABORTED,
        io::ErrorKind::NotConnected => Errno::ENOTCONN,
        io::ErrorKind::AddrInUse => Errno::EADDRINUSE,
        io::ErrorKind::AddrNotAvailable => Errno::EADDRNOTAVAIL,
        io::ErrorKind::BrokenPipe => Errno::EPIPE,
        io::ErrorKind::WouldBlock => Errno::EAGAIN,
        io::ErrorKind::InvalidInput => Errno::EINVAL,
        io::ErrorKind::TimedOut => Errno::ETIMEDOUT,
        io::ErrorKind::PermissionDenied => Errno::EACCES,
        io::ErrorKind::HostUnreachable => Errno::EHOSTUNREACH,
        io::ErrorKind::NetworkUnreachable => Errno::ENETUNREACH,
        _ => return ErrorBody::errno_with(Errno::EINVAL, e.to_string()),
    };
    ErrorBody::errno(errno)
}

/// Python's `socket.timeout` / `TimeoutError: timed out`.
pub fn timed_out() -> ErrorBody {
    ErrorBody::new(codes::TIMEOUT, "timed out")
}

/// `EBADF` for a handle that is closed or was never opened.
pub fn bad_handle(handle: &str) -> ErrorBody {
    ErrorBody::errno_with(
        Errno::EBADF,
        format!("Bad file descriptor ({handle} is closed or was never opened)"),
    )
}

/// A `limit` error; `message` says what happened and what the learner can do.
pub fn limit(message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(codes::LIMIT, message)
}

/// A `limit` error set by a relay flag: the learner's `message`, and a `detail`
/// naming the flag and its value for whoever runs the relay.
pub fn flag_limit(
    message: impl Into<String>,
    flag: &str,
    value: impl std::fmt::Display,
) -> ErrorBody {
    limit(message).with_detail(format!(
        "the limit is {flag} {value}; the relay's host can raise it"
    ))
}

pub fn bad_request(message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(codes::BAD_REQUEST, message)
}

pub fn cancelled(target: u64) -> ErrorBody {
    ErrorBody::new(
        codes::CANCELLED,
        format!("request {target} was cancelled by the client"),
    )
}
