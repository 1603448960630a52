//! The error catalogue: `err.code` values, Linux errno numbers and the Python
//! exception each one stands for.
//!
//! Owns the names, numbers and messages of errors and how Python would print them;
//! deciding *when* an error happens belongs to the relay.

use serde::{Deserialize, Serialize};

/// The `err` object of a failed reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// An errno name (`ECONNREFUSED`) or one of [`codes`].
    pub code: String,
    /// The Linux errno number, for errno codes (and `gaierror`'s EAI number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno: Option<i32>,
    /// What happened and what the learner can do, in the learner's words.
    pub message: String,
    /// For policy denials and limits: the operator's side — the rule that decided
    /// and the relay flag that would change it. Shown as a secondary line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For `ftp.*`, `smtp.*` and `pop3.*` errors: the server's full reply line(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
}

/// The non-errno codes of `err.code`.
pub mod codes {
    pub const TIMEOUT: &str = "timeout";
    pub const GAIERROR: &str = "gaierror";
    pub const CANCELLED: &str = "cancelled";
    pub const NOT_ALLOWED: &str = "not_allowed";
    pub const LIMIT: &str = "limit";
    pub const BAD_REQUEST: &str = "bad_request";
    pub const UNAUTHORIZED: &str = "unauthorized";
}

macro_rules! errnos {
    ($($name:ident = $num:literal, $msg:literal, $py:literal;)*) => {
        /// The OS errors the relay reports, with Linux numbers and `strerror` text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(clippy::upper_case_acronyms)]
        pub enum Errno { $($name),* }

        impl Errno {
            pub const ALL: &'static [Errno] = &[$(Errno::$name),*];
            pub fn name(self) -> &'static str { match self { $(Errno::$name => stringify!($name)),* } }
            pub fn number(self) -> i32 { match self { $(Errno::$name => $num),* } }
            /// `strerror` text, as Python prints it after `[Errno n]`.
            pub fn message(self) -> &'static str { match self { $(Errno::$name => $msg),* } }
            /// The Python exception class `OSError` maps this errno to.
            pub fn python_exception(self) -> &'static str { match self { $(Errno::$name => $py),* } }
            pub fn from_number(n: i32) -> Option<Errno> { match n { $($num => Some(Errno::$name),)* _ => None } }
            pub fn from_name(s: &str) -> Option<Errno> { match s { $(stringify!($name) => Some(Errno::$name),)* _ => None } }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted", "PermissionError";
    ENOENT = 2, "No such file or directory", "FileNotFoundError";
    EINTR = 4, "Interrupted system call", "InterruptedError";
    EBADF = 9, "Bad file descriptor", "OSError";
    EAGAIN = 11, "Resource temporarily unavailable", "BlockingIOError";
    ENOMEM = 12, "Cannot allocate memory", "OSError";
    EACCES = 13, "Permission denied", "PermissionError";
    EINVAL = 22, "Invalid argument", "OSError";
    EMFILE = 24, "Too many open files", "OSError";
    EPIPE = 32, "Broken pipe", "BrokenPipeError";
    EDESTADDRREQ = 89, "Destination address required", "OSError";
    EMSGSIZE = 90, "Message too long", "OSError";
    EPROTOTYPE = 91, "Protocol wrong type for socket", "OSError";
    ENOPROTOOPT = 92, "Protocol not available", "OSError";
    EOPNOTSUPP = 95, "Operation not supported", "OSError";
    EAFNOSUPPORT = 97, "Address family not supported by protocol", "OSError";
    EADDRINUSE = 98, "Address already in use", "OSError";
    EADDRNOTAVAIL = 99, "Cannot assign requested address", "OSError";
    ENETDOWN = 100, "Network is down", "OSError";
    ENETUNREACH = 101, "Network is unreachable", "OSError";
    ECONNABORTED = 103, "Software caused connection abort", "ConnectionAbortedError";
    ECONNRESET = 104, "Connection reset by peer", "ConnectionResetError";
    ENOBUFS = 105, "No buffer space available", "OSError";
    EISCONN = 106, "Transport endpoint is already connected", "OSError";
    ENOTCONN = 107, "Transport endpoint is not connected", "OSError";
    ESHUTDOWN = 108, "Cannot send after transport endpoint shutdown", "BrokenPipeError";
    ETIMEDOUT = 110, "Connection timed out", "TimeoutError";
    ECONNREFUSED = 111, "Connection refused", "ConnectionRefusedError";
    EHOSTDOWN = 112, "Host is down", "OSError";
    EHOSTUNREACH = 113, "No route to host", "OSError";
    EALREADY = 114, "Operation already in progress", "BlockingIOError";
    EINPROGRESS = 115, "Operation now in progress", "BlockingIOError";
}

impl ErrorBody {
    /// An OS error with its standard message.
    pub fn errno(e: Errno) -> ErrorBody {
        ErrorBody::errno_with(e, e.message())
    }

    /// An OS error with a more specific message.
    pub fn errno_with(e: Errno, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code: e.name().to_owned(),
            errno: Some(e.number()),
            message: message.into(),
            detail: None,
            reply: None,
        }
    }

    /// A non-errno error (`timeout`, `not_allowed`, `http.ResponseNotReady`, …).
    pub fn new(code: &str, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            code: code.to_owned(),
            errno: None,
            message: message.into(),
            detail: None,
            reply: None,
        }
    }

    /// The same error with an operator `detail` line (the rule, the flag).
    pub fn with_detail(mut self, detail: impl Into<String>) -> ErrorBody {
        self.detail = Some(detail.into());
        self
    }

    /// The errno this error carries, if it is an OS error.
    pub fn os_errno(&self) -> Option<Errno> {
        Errno::from_name(&self.code)
    }

    /// The line Python would print for this exception, e.g.
    /// `ConnectionRefusedError: [Errno 111] Connection refused`.
    pub fn python(&self) -> String {
        if let Some(e) = self.os_errno() {
            let n = self.errno.unwrap_or(e.number());
            return format!("{}: [Errno {n}] {}", e.python_exception(), self.message);
        }
        match self.code.as_str() {
            codes::TIMEOUT => "TimeoutError: timed out".to_owned(),
            codes::GAIERROR => format!(
                "socket.gaierror: [Errno {}] {}",
                self.errno.unwrap_or(-2),
                self.message
            ),
            code if code.starts_with("http.") => {
                let name = code.strip_prefix("http.").unwrap_or(code);
                format!("http.client.{name}: {}", self.message)
            }
            code if code.starts_with("ftp.") => {
                let name = code.strip_prefix("ftp.").unwrap_or(code);
                let text = self.reply.as_deref().unwrap_or(&self.message);
                format!("ftplib.{name}: {text}")
            }
            code if code.starts_with("smtp.") => {
                let name = code.strip_prefix("smtp.").unwrap_or(code);
                format!("smtplib.{name}: {}", self.message)
            }
            code if code.starts_with("pop3.") => {
                let name = code.strip_prefix("pop3.").unwrap_or(code);
                format!("poplib.{name}: {}", self.message)
            }
            code if code.starts_with("ssl.") => format!("{code}: {}", self.message),
            codes::CANCELLED => format!("KeyboardInterrupt  # cancelled: {}", self.message),
            code => format!("socklab.{code}: {}", self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_lines() {
        assert_eq!(
            ErrorBody::errno(Errno::ECONNREFUSED).python(),
            "ConnectionRefusedError: [Errno 111] Connection refused"
        );
        assert_eq!(
            ErrorBody::new(codes::TIMEOUT, "timed out").python(),
            "TimeoutError: timed out"
        );
        assert_eq!(
            ErrorBody::errno(Errno::EAGAIN).python(),
            "BlockingIOError: [Errno 11] Resource temporarily unavailable"
        );
    }

    #[test]
    fn detail_round_trips_and_is_omitted_when_absent() {
        let e = ErrorBody::new(codes::NOT_ALLOWED, "you may not").with_detail("--allow-bind");
        let json = serde_json::to_string(&e).expect("serialise");
        assert_eq!(
            json,
            r#"{"code":"not_allowed","message":"you may not","detail":"--allow-bind"}"#
        );
        assert_eq!(serde_json::from_str::<ErrorBody>(&json).expect("parse"), e);
        let plain = serde_json::to_string(&ErrorBody::errno(Errno::EPIPE)).expect("serialise");
        assert!(!plain.contains("detail"), "{plain}");
        assert_eq!(e.python(), "socklab.not_allowed: you may not");
    }

    #[test]
    fn catalogue_is_consistent() {
        for &e in Errno::ALL {
            assert_eq!(Errno::from_number(e.number()), Some(e));
            assert_eq!(Errno::from_name(e.name()), Some(e));
        }
    }
}
