//! ftplib's reply rules: how a reply maps to an exception (`getresp`, `voidresp`) and
//! the parsers of the replies that carry values (`parse227`, `parse229`, `parse257`,
//! `parse150`), written after CPython 3.11's `Lib/ftplib.py`.
//!
//! Owns only text → value/error decisions; it performs no I/O and must not touch
//! sessions or sockets.

use shared::ErrorBody;

/// ftplib's `FTP.maxline`: the longest line read from either channel.
pub const MAXLINE: usize = 8192;
/// Longest multi-line reply (all lines together) the relay accepts.
pub const MAX_REPLY: usize = 64 * 1024;

fn ftp_error(kind: &str, reply: &str, message: String) -> ErrorBody {
    let mut e = ErrorBody::new(&format!("ftp.{kind}"), message);
    e.reply = Some(reply.to_owned());
    e
}

/// `ftplib.error_reply`: an unexpected 1xx–3xx reply.
pub fn error_reply(reply: &str) -> ErrorBody {
    ftp_error("error_reply", reply, reply.to_owned())
}

/// `ftplib.error_proto`: a reply that does not follow the protocol.
pub fn error_proto(reply: &str) -> ErrorBody {
    ftp_error("error_proto", reply, reply.to_owned())
}

/// `ftplib.Error` raised for a line longer than [`MAXLINE`] (or a reply longer than
/// [`MAX_REPLY`]); reported as `ftp.error_proto` with a message saying why.
pub fn too_long(what: &str, max: usize) -> ErrorBody {
    let mut e = ErrorBody::new(
        "ftp.error_proto",
        format!("got more than {max} bytes in {what}"),
    );
    e.reply = None;
    e
}

/// `getresp`: 1xx–3xx is a reply, 4xx `error_temp`, 5xx `error_perm`, anything
/// else `error_proto`.
pub fn check(resp: String) -> Result<String, ErrorBody> {
    match resp.as_bytes().first() {
        Some(b'1' | b'2' | b'3') => Ok(resp),
        Some(b'4') => Err(ftp_error("error_temp", &resp, resp.clone())),
        Some(b'5') => Err(ftp_error("error_perm", &resp, resp.clone())),
        _ => Err(error_proto(&resp)),
    }
}

/// `voidresp`'s extra rule: anything but 2xx is `error_reply`.
pub fn check_void(resp: String) -> Result<String, ErrorBody> {
    let resp = check(resp)?;
    if resp.starts_with('2') {
        Ok(resp)
    } else {
        Err(error_reply(&resp))
    }
}

/// The three-digit code of a reply (`"227"`), or `""`.
pub fn code(resp: &str) -> &str {
    resp.get(..3).unwrap_or("")
}

/// `parse227`: `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` → host and port.
pub fn parse227(resp: &str) -> Result<(String, u16), ErrorBody> {
    if code(resp) != "227" {
        return Err(error_reply(resp));
    }
    // Python searches `(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)`: six digit runs joined
    // by single commas.
    let bytes = resp.as_bytes();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    for w in runs.windows(6) {
        let joined = w
            .windows(2)
            .all(|p| p[1].0 == p[0].1 + 1 && bytes[p[0].1] == b',');
        if !joined {
            continue;
        }
        let nums: Vec<u64> = w
            .iter()
            .map(|&(a, b)| resp[a..b].parse::<u64>().unwrap_or(u64::MAX))
            .collect();
        if nums[..4].iter().any(|&n| n > 255) {
            return Err(error_proto(resp));
        }
        let port = (nums[4] << 8).saturating_add(nums[5]);
        let port = u16::try_from(port).map_err(|_| error_proto(resp))?;
        let host = format!("{}.{}.{}.{}", nums[0], nums[1], nums[2], nums[3]);
        return Ok((host, port));
    }
    Err(error_proto(resp))
}

/// `parse229`: `229 Entering Extended Passive Mode (|||port|)` → port (the host is
/// the control connection's peer).
pub fn parse229(resp: &str) -> Result<u16, ErrorBody> {
    if code(resp) != "229" {
        return Err(error_reply(resp));
    }
    let left = resp.find('(').ok_or_else(|| error_proto(resp))?;
    let right = resp[left + 1..]
        .find(')')
        .map(|r| r + left + 1)
        .ok_or_else(|| error_proto(resp))?;
    let inner = &resp[left + 1..right];
    let delim = inner.chars().next().ok_or_else(|| error_proto(resp))?;
    if !inner.ends_with(delim) {
        return Err(error_proto(resp));
    }
    let parts: Vec<&str> = inner.split(delim).collect();
    if parts.len() != 5 {
        return Err(error_proto(resp));
    }
    parts[3]
        .trim()
        .parse::<u16>()
        .map_err(|_| error_proto(resp))
}

/// `parse257`: `257 "/dir ""quoted"""` → the directory name (`""` when the reply has
/// no quoted name).
pub fn parse257(resp: &str) -> Result<String, ErrorBody> {
    if code(resp) != "257" {
        return Err(error_reply(resp));
    }
    if resp.get(3..5) != Some(" \"") {
        return Ok(String::new());
    }
    let chars: Vec<char> = resp[5..].chars().collect();
    let mut name = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c == '"' {
            if i >= chars.len() || chars[i] != '"' {
                break;
            }
            i += 1;
        }
        name.push(c);
    }
    Ok(name)
}

/// `parse150`: the size announced by `150 … (1234 bytes)`, if any.
pub fn parse150(resp: &str) -> Option<u64> {
    if code(resp) != "150" {
        return None;
    }
    let lower = resp.to_ascii_lowercase();
    let end = lower.rfind(" bytes)")?;
    let open = lower[..end].rfind('(')?;
    let digits = &lower[open + 1..end];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || open < 5 {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exceptions_follow_the_first_digit() {
        assert!(check("230 ok".into()).is_ok());
        assert!(check("331 need pass".into()).is_ok());
        assert_eq!(check("421 bye".into()).unwrap_err().code, "ftp.error_temp");
        let e = check("550 no such file".into()).unwrap_err();
        assert_eq!(e.code, "ftp.error_perm");
        assert_eq!(e.reply.as_deref(), Some("550 no such file"));
        assert_eq!(check("xyz".into()).unwrap_err().code, "ftp.error_proto");
        assert_eq!(
            check_void("331 more".into()).unwrap_err().code,
            "ftp.error_reply"
        );
    }

    #[test]
    fn pasv_replies() {
        assert_eq!(
            parse227("227 Entering Passive Mode (127,0,0,1,82,8).").unwrap(),
            ("127.0.0.1".to_owned(), 82 * 256 + 8)
        );
        assert_eq!(
            parse227("227 =127,0,0,2,4,1").unwrap(),
            ("127.0.0.2".to_owned(), 1025)
        );
        assert_eq!(parse227("227 nothing").unwrap_err().code, "ftp.error_proto");
        assert_eq!(parse227("200 x").unwrap_err().code, "ftp.error_reply");
        assert_eq!(
            parse229("229 Entering Extended Passive Mode (|||6446|)").unwrap(),
            6446
        );
        assert_eq!(parse229("229 (|||x|)").unwrap_err().code, "ftp.error_proto");
    }

    #[test]
    fn pwd_and_size_replies() {
        assert_eq!(
            parse257("257 \"/a \"\"b\"\"\" is current").unwrap(),
            "/a \"b\""
        );
        assert_eq!(parse257("257 no quotes").unwrap(), "");
        assert_eq!(
            parse150("150 Opening BINARY mode (1048576 bytes)."),
            Some(1048576)
        );
        assert_eq!(parse150("150 Opening data connection"), None);
    }
}
