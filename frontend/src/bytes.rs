//! Byte formatting for people: Python `bytes` literals (`b'hi\n'`, exactly as
//! `repr()` prints them), hex dumps, and parsing the workbench's hex entry.
//!
//! Pure functions, no DOM; the transcript and the socket cards both use them.

/// `repr(b)` as CPython prints a `bytes` object.
pub fn py_bytes(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    let mut s = String::with_capacity(b.len() + 3);
    s.push('b');
    s.push(quote);
    for &c in b {
        match c {
            b'\\' => s.push_str("\\\\"),
            b'\t' => s.push_str("\\t"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            c if c as char == quote => {
                s.push('\\');
                s.push(quote);
            }
            0x20..=0x7e => s.push(c as char),
            c => s.push_str(&format!("\\x{c:02x}")),
        }
    }
    s.push(quote);
    s
}

/// A Python string literal in double quotes (hosts, commands, messages) that
/// keeps every character: line ends and control characters escaped.
pub fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A classic hex dump: offset, 16 bytes in hex, then the printable ASCII.
pub fn hexdump(b: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in b.chunks(16).enumerate() {
        let mut hex = String::with_capacity(48);
        for (j, byte) in chunk.iter().enumerate() {
            if j == 8 {
                hex.push(' ');
            }
            hex.push_str(&format!("{byte:02x} "));
        }
        let ascii: String = chunk
            .iter()
            .map(|&c| {
                if (0x20..0x7f).contains(&c) {
                    c as char
                } else {
                    '.'
                }
            })
            .collect();
        out.push_str(&format!("{:04x}  {hex:<49} {ascii}\n", i * 16));
    }
    out
}

/// Parses hex entry such as `68 65 6c 6c 6f 0a`, `68656c6c6f` or `de:ad:be:ef`.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b':' && *c != b',')
        .collect();
    if digits.len() % 2 == 1 {
        return Err("hex needs an even number of digits (two per byte)".into());
    }
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).unwrap_or("??");
            u8::from_str_radix(text, 16).map_err(|_| format!("`{text}` is not a hex byte"))
        })
        .collect()
}

/// Text for display: UTF-8 with invalid sequences shown as U+FFFD.
pub fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_bytes_repr_matches_cpython() {
        assert_eq!(py_bytes(b"hello\n"), "b'hello\\n'");
        assert_eq!(py_bytes(b""), "b''");
        assert_eq!(py_bytes(b"it's"), "b\"it's\"");
        assert_eq!(py_bytes(b"'\""), "b'\\'\"'");
        assert_eq!(py_bytes(&[0, 0xff, b'\\']), "b'\\x00\\xff\\\\'");
        assert_eq!(py_bytes("é".as_bytes()), "b'\\xc3\\xa9'");
    }

    #[test]
    fn hex_round_trip() {
        assert_eq!(parse_hex("68 65 6C").unwrap(), vec![0x68, 0x65, 0x6c]);
        assert_eq!(
            parse_hex("de:ad,be ef").unwrap(),
            vec![0xde, 0xad, 0xbe, 0xef]
        );
        assert!(parse_hex("abc").unwrap_err().contains("even"));
        assert!(parse_hex("zz").unwrap_err().contains("zz"));
    }

    #[test]
    fn hexdump_layout() {
        let d = hexdump(b"hello\n");
        assert!(d.starts_with("0000  68 65 6c 6c 6f 0a "), "{d}");
        assert!(d.trim_end().ends_with("hello."), "{d}");
        assert_eq!(hexdump(&[0u8; 17]).lines().count(), 2);
    }
}
