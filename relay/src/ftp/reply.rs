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

/// Python's `s[:n]`: the first `n` characters of `s` (all of it when shorter).
pub fn prefix(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((cut, _)) => s.split_at_checked(cut).map_or(s, |(head, _)| head),
        None => s,
    }
}

/// Python's `s[i:i+1]`: the character at index `i` (counted in characters).
pub fn char_at(s: &str, i: usize) -> Option<char> {
    s.chars().nth(i)
}

/// The three-digit code of a reply (`"227"`): its first three characters, as
/// ftplib's `resp[:3]`.
pub fn code(resp: &str) -> &str {
    prefix(resp, 3)
}

/// Maximal runs of ASCII digits in `s`, as byte ranges.
fn digit_runs(s: &str) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    // A trailing non-digit closes a run that reaches the end.
    for (i, b) in s.bytes().chain(std::iter::once(b' ')).enumerate() {
        match (b.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                runs.push((st, i));
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// `parse227`: `227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)` → host and port.
pub fn parse227(resp: &str) -> Result<(String, u16), ErrorBody> {
    if code(resp) != "227" {
        return Err(error_reply(resp));
    }
    // Python searches `(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)`: six digit runs joined
    // by single commas (the leftmost such match).
    let runs = digit_runs(resp);
    let bytes = resp.as_bytes();
    for w in runs.windows(6) {
        let joined = w.windows(2).all(|p| match p {
            [(_, end), (next, _)] => *next == end + 1 && bytes.get(*end) == Some(&b','),
            _ => false,
        });
        if !joined {
            continue;
        }
        let nums: Vec<u64> = w
            .iter()
            .map(|&(a, b)| {
                resp.get(a..b)
                    .and_then(|d| d.parse::<u64>().ok())
                    .unwrap_or(u64::MAX)
            })
            .collect();
        let [h1, h2, h3, h4, p1, p2] = nums.as_slice() else {
            continue;
        };
        if [h1, h2, h3, h4].iter().any(|&&n| n > 255) {
            return Err(error_proto(resp));
        }
        let port = p1
            .checked_mul(256)
            .and_then(|hi| hi.checked_add(*p2))
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| error_proto(resp))?;
        return Ok((format!("{h1}.{h2}.{h3}.{h4}"), port));
    }
    Err(error_proto(resp))
}

/// `parse229`: `229 Entering Extended Passive Mode (|||port|)` → port (the host is
/// the control connection's peer).
pub fn parse229(resp: &str) -> Result<u16, ErrorBody> {
    if code(resp) != "229" {
        return Err(error_reply(resp));
    }
    let (_, after) = resp.split_once('(').ok_or_else(|| error_proto(resp))?;
    let (inner, _) = after.split_once(')').ok_or_else(|| error_proto(resp))?;
    let delim = inner.chars().next().ok_or_else(|| error_proto(resp))?;
    if !inner.ends_with(delim) {
        return Err(error_proto(resp));
    }
    let parts: Vec<&str> = inner.split(delim).collect();
    let [_, _, _, port, _] = parts.as_slice() else {
        return Err(error_proto(resp));
    };
    port.trim().parse::<u16>().map_err(|_| error_proto(resp))
}

/// `parse257`: `257 "/dir ""quoted"""` → the directory name (`""` when the reply has
/// no quoted name).
pub fn parse257(resp: &str) -> Result<String, ErrorBody> {
    if code(resp) != "257" {
        return Err(error_reply(resp));
    }
    // `code` is three ASCII digits, so byte 3 is character 3.
    let Some(quoted) = resp.get(3..).and_then(|r| r.strip_prefix(" \"")) else {
        return Ok(String::new());
    };
    let mut name = String::new();
    let mut chars = quoted.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() != Some(&'"') {
                break;
            }
            chars.next();
        }
        name.push(c);
    }
    Ok(name)
}

/// `parse150`: the size announced by `150 … (1234 bytes)`, if any. Python matches
/// `150 .* \((\d+) bytes\)` (ignoring case) at the start of the reply; `.` stops at
/// a newline and the greedy `.*` picks the last such size on the first line.
pub fn parse150(resp: &str) -> Option<u64> {
    let first = resp.split('\n').next().unwrap_or_default();
    let after = first.strip_prefix("150 ")?;
    after.rmatch_indices(" (").find_map(|(i, _)| {
        let tail = after.get(i + 2..)?;
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        let (number, rest) = tail.split_at_checked(digits)?;
        let unit = rest.get(..7)?;
        if digits == 0 || !unit.eq_ignore_ascii_case(" bytes)") {
            return None;
        }
        number.parse().ok()
    })
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

    #[test]
    fn non_ascii_replies_never_split_a_character() {
        // Python counts characters: "é" is one, three bytes in are mid-character.
        assert_eq!(code("é23 x"), "é23");
        assert_eq!(code("22"), "22");
        assert_eq!(parse257("257 \"/é\"\"ü\" ok").unwrap(), "/é\"ü");
        assert_eq!(parse257("257 \"").unwrap(), "");
        assert_eq!(parse227("227 é(1,2,3,4,0,21)é").unwrap().1, 21);
        assert_eq!(parse229("229 (é|||é").unwrap_err().code, "ftp.error_proto");
        assert_eq!(parse229("229 (ééé21é)").unwrap(), 21);
        assert_eq!(parse150("150 é (12 BYTES) é"), Some(12));
    }

    #[test]
    fn size_of_150_follows_pythons_regex() {
        // `150 .* \((\d+) bytes\)`: a space before the parenthesis, the last such
        // size on the first line, none on later lines.
        assert_eq!(parse150("150 x (12 bytes) (34 bytes)"), Some(34));
        assert_eq!(parse150("150 x (12 bytes) (3x bytes)"), Some(12));
        assert_eq!(parse150("150 x(12 bytes)"), None);
        assert_eq!(parse150("150  (7 bytes)"), Some(7));
        assert_eq!(parse150("150 x\n150 y (9 bytes)"), None);
        assert_eq!(parse150("150 x (99999999999999999999999 bytes)"), None);
        assert_eq!(parse227("227 (1,2,3,4,255,255)").unwrap().1, 65535);
        assert_eq!(
            parse227("227 (1,2,3,4,256,0)").unwrap_err().code,
            "ftp.error_proto"
        );
        assert_eq!(
            parse227("227 (1,2,3,999,1,1)").unwrap_err().code,
            "ftp.error_proto"
        );
        assert_eq!(
            parse227("227 (1,2,3,4,5) 6,7,8,9,10,11").unwrap(),
            ("6.7.8.9".to_owned(), 10 * 256 + 11)
        );
    }
}
