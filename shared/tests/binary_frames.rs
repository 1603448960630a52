//! Binary frames, the same layout in both directions:
//! `[1 byte: handle length L][L bytes: handle, ASCII][payload]`.

use shared::binary::{decode, encode, encode_header, header_len, BinaryFrameError};

#[test]
fn layout_is_length_handle_payload() {
    assert_eq!(encode("s1", b"hi"), b"\x02s1hi");
    assert_eq!(encode("f12", b""), b"\x03f12");
    assert_eq!(header_len("s1"), 3);
    let mut out = Vec::new();
    encode_header("h7", &mut out);
    assert_eq!(out, b"\x02h7");
}

#[test]
fn round_trip_any_payload() {
    let payload: Vec<u8> = (0..=255).cycle().take(70_000).collect();
    for handle in ["s1", "s42", "f1", "h3"] {
        let frame = encode(handle, &payload);
        assert_eq!(frame.len(), header_len(handle) + payload.len());
        assert_eq!(decode(&frame), Ok((handle, &payload[..])));
    }
    // Empty payload is a valid (empty) write.
    assert_eq!(decode(b"\x02s1"), Ok(("s1", &b""[..])));
    // A zero-length handle decodes; the relay rejects it as not piped (docs/protocol.md,
    // choice `unpiped-binary-frame`).
    assert_eq!(decode(b"\x00abc"), Ok(("", &b"abc"[..])));
}

#[test]
fn longest_handle_is_255_bytes() {
    let h = "s".repeat(255);
    let frame = encode(&h, b"x");
    assert_eq!(frame[0], 255);
    assert_eq!(decode(&frame), Ok((h.as_str(), &b"x"[..])));
    let too_long = "s".repeat(300);
    assert_eq!(header_len(&too_long), 256);
    let frame = encode(&too_long, b"x");
    assert_eq!(decode(&frame).map(|(h, _)| h.len()), Ok(255));
}

#[test]
fn malformed_frames_say_what_is_wrong() {
    let cases: [(&[u8], BinaryFrameError, &str); 3] = [
        (b"", BinaryFrameError::Empty, "empty binary frame"),
        (
            b"\x05s1",
            BinaryFrameError::Truncated {
                declared: 5,
                available: 2,
            },
            "declares a 5-byte handle but only 2 bytes follow",
        ),
        (b"\x02\xc3\xa9rest", BinaryFrameError::NotAscii, "not ASCII"),
    ];
    for (frame, err, text) in cases {
        assert_eq!(decode(frame), Err(err.clone()));
        assert!(err.to_string().contains(text), "{err}");
    }
}
