//! What a card's fields mean: an address from the host and port fields, a
//! receive size, a backlog, a timeout, a shutdown direction, a socket option —
//! each with the message the card shows when a field cannot be read.

use shared::{Addr, How, OptLevel, OptName};

/// `(host, port)` from the card's fields.
pub fn addr(host: &str, port: &str) -> Result<Addr, String> {
    let p: u16 = port
        .trim()
        .parse()
        .map_err(|_| format!("port must be 0–65535, got `{port}`"))?;
    Ok(Addr::new(host.trim(), p))
}

/// `recv`'s bufsize.
pub fn bufsize(text: &str) -> Result<usize, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("bufsize must be a positive number, got `{text}`"))
}

/// `listen`'s backlog (empty: none given).
pub fn backlog(text: &str) -> Result<Option<i32>, String> {
    match text.trim() {
        "" => Ok(None),
        b => b
            .parse()
            .map(Some)
            .map_err(|_| format!("backlog must be a number, got `{b}`")),
    }
}

/// `settimeout`'s argument: seconds, or empty / `None` for blocking.
pub fn timeout(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() || t == "None" {
        Ok(None)
    } else {
        t.parse::<f64>()
            .map(Some)
            .map_err(|_| format!("timeout must be seconds or empty (None), got `{t}`"))
    }
}

/// The `how` select's value.
pub fn how(value: &str) -> How {
    match value {
        "SHUT_RD" => How::ShutRd,
        "SHUT_RDWR" => How::ShutRdwr,
        _ => How::ShutWr,
    }
}

/// The option select's value, with the level it lives at.
pub fn option(value: &str) -> (OptLevel, OptName) {
    match value {
        "SO_KEEPALIVE" => (OptLevel::SolSocket, OptName::SoKeepalive),
        "SO_BROADCAST" => (OptLevel::SolSocket, OptName::SoBroadcast),
        "TCP_NODELAY" => (OptLevel::IpprotoTcp, OptName::TcpNodelay),
        _ => (OptLevel::SolSocket, OptName::SoReuseaddr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_like_the_card_says() {
        assert_eq!(addr(" ::1 ", " 80 "), Ok(Addr::new("::1", 80)));
        assert!(addr("h", "x").is_err_and(|e| e.contains("`x`")));
        assert_eq!(backlog(" "), Ok(None));
        assert_eq!(timeout("None"), Ok(None));
        assert_eq!(timeout("2.5"), Ok(Some(2.5)));
        assert_eq!(option("TCP_NODELAY").0, OptLevel::IpprotoTcp);
    }
}
