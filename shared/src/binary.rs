//! The binary frame layout shared by both directions:
//! `[1 byte: handle length L][L bytes: handle, ASCII][payload]`.
//!
//! Owns encoding and decoding of that header only; what a payload means (a piped
//! socket's bytes, an FTP transfer) is decided by the relay.

use std::fmt;

/// Why a binary frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BinaryFrameError {
    Empty,
    Truncated { declared: usize, available: usize },
    NotAscii,
}

impl fmt::Display for BinaryFrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BinaryFrameError::Empty => write!(
                f,
                "empty binary frame: expected [handle length][handle][payload]"
            ),
            BinaryFrameError::Truncated {
                declared,
                available,
            } => write!(
                f,
                "binary frame declares a {declared}-byte handle but only {available} bytes follow"
            ),
            BinaryFrameError::NotAscii => write!(f, "binary frame handle is not ASCII"),
        }
    }
}

impl std::error::Error for BinaryFrameError {}

/// Splits a binary frame into its handle and payload.
pub fn decode(frame: &[u8]) -> Result<(&str, &[u8]), BinaryFrameError> {
    let (&len, rest) = frame.split_first().ok_or(BinaryFrameError::Empty)?;
    let len = usize::from(len);
    if rest.len() < len {
        return Err(BinaryFrameError::Truncated {
            declared: len,
            available: rest.len(),
        });
    }
    let (handle, payload) = rest.split_at(len);
    if !handle.is_ascii() {
        return Err(BinaryFrameError::NotAscii);
    }
    let handle = std::str::from_utf8(handle).map_err(|_| BinaryFrameError::NotAscii)?;
    Ok((handle, payload))
}

/// Length of the header that [`encode_header`] writes for `handle`.
pub fn header_len(handle: &str) -> usize {
    1 + handle.len().min(255)
}

/// Writes the header for `handle` into `out` (handles longer than 255 bytes are cut,
/// which never happens for relay-assigned handles).
pub fn encode_header(handle: &str, out: &mut Vec<u8>) {
    let h = handle.as_bytes();
    let h = h.get(..255).unwrap_or(h);
    out.push(u8::try_from(h.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(h);
}

/// A whole frame: header then payload.
pub fn encode(handle: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header_len(handle) + payload.len());
    encode_header(handle, &mut out);
    out.extend_from_slice(payload);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let f = encode("s12", b"hello");
        assert_eq!(f, b"\x03s12hello");
        assert_eq!(decode(&f), Ok(("s12", &b"hello"[..])));
    }

    #[test]
    fn malformed() {
        assert_eq!(decode(b""), Err(BinaryFrameError::Empty));
        assert_eq!(
            decode(b"\x05s1"),
            Err(BinaryFrameError::Truncated {
                declared: 5,
                available: 2
            })
        );
        assert_eq!(decode(b"\x02\xff\xfe"), Err(BinaryFrameError::NotAscii));
        assert_eq!(decode(b"\x02s1"), Ok(("s1", &b""[..])));
    }
}
