//! Properties of the binary-frame decoder on arbitrary bytes: it never panics,
//! accepts exactly the frames whose declared handle fits and is ASCII, splits them
//! without copying or losing a byte, and agrees with the encoder.
//!
//! Owns only these properties; the layout's examples are in `binary_frames.rs`.

use proptest::prelude::*;
use shared::binary::{decode, encode, BinaryFrameError};

/// Case count: `PROPTEST_CASES` when set (the long fuzz run), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn any_bytes_decode_or_say_why(frame in prop::collection::vec(any::<u8>(), 0..600)) {
        match decode(&frame) {
            Ok((handle, payload)) => {
                let declared = usize::from(frame[0]);
                prop_assert_eq!(handle.len(), declared);
                prop_assert!(handle.is_ascii());
                prop_assert_eq!(handle.as_bytes(), &frame[1..=declared]);
                prop_assert_eq!(payload, &frame[1 + declared..]);
                prop_assert_eq!(encode(handle, payload), frame.clone());
            }
            Err(BinaryFrameError::Empty) => prop_assert!(frame.is_empty()),
            Err(BinaryFrameError::Truncated { declared, available }) => {
                prop_assert_eq!(declared, usize::from(frame[0]));
                prop_assert_eq!(available, frame.len() - 1);
                prop_assert!(available < declared);
            }
            Err(BinaryFrameError::NotAscii) => {
                let declared = usize::from(frame[0]);
                prop_assert!(!frame[1..=declared].is_ascii());
            }
        }
        if let Err(e) = decode(&frame) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn encoded_frames_decode_back(
        handle in "[ -~]{0,255}",
        payload in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let frame = encode(&handle, &payload);
        prop_assert_eq!(decode(&frame), Ok((handle.as_str(), payload.as_slice())));
    }
}
