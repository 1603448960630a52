//! `Data`: bytes on the wire, as `{"text": "…"}` (UTF-8) or `{"b64": "…"}` (any bytes).
//!
//! Owns the two encodings and the rule for choosing one; knows nothing of sockets.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Standard alphabet; decoding accepts input with or without padding.
const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Bytes carried in a JSON message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Data {
    /// UTF-8 text.
    Text(String),
    /// Any bytes, base64 (standard alphabet) on the wire.
    B64(#[serde(serialize_with = "ser_b64", deserialize_with = "de_b64")] Vec<u8>),
}

/// How a client wants received bytes encoded (`"encoding"` on `recv`, `pipe`, …).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// Text when the bytes are valid UTF-8, base64 otherwise (the default).
    #[default]
    Text,
    /// Always base64.
    B64,
}

impl Data {
    /// Encodes `bytes` as the protocol asks: text when valid UTF-8 (unless `b64` is
    /// requested), base64 otherwise.
    pub fn from_bytes(bytes: Vec<u8>, encoding: Encoding) -> Data {
        match encoding {
            Encoding::B64 => Data::B64(bytes),
            Encoding::Text => match String::from_utf8(bytes) {
                Ok(s) => Data::Text(s),
                Err(e) => Data::B64(e.into_bytes()),
            },
        }
    }

    /// Like [`Data::from_bytes`] for a preview: a cut in the middle of a UTF-8
    /// sequence at the end does not force base64.
    pub fn preview(bytes: &[u8], max: usize) -> Data {
        let cut = bytes.get(..max).unwrap_or(bytes);
        match std::str::from_utf8(cut) {
            Ok(s) => Data::Text(s.to_owned()),
            Err(e) if e.error_len().is_none() && cut.len() < bytes.len() => {
                let valid = cut.get(..e.valid_up_to()).unwrap_or_default();
                Data::Text(String::from_utf8_lossy(valid).into_owned())
            }
            Err(_) => Data::B64(cut.to_vec()),
        }
    }

    pub fn text(s: impl Into<String>) -> Data {
        Data::Text(s.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Data::Text(s) => s.as_bytes(),
            Data::B64(b) => b,
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Data::Text(s) => s.into_bytes(),
            Data::B64(b) => b,
        }
    }

    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn ser_b64<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&B64.encode(bytes))
}

fn de_b64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    B64.decode(s.as_bytes())
        .map_err(|e| serde::de::Error::custom(format!("data.b64 is not valid base64: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_text_for_utf8_and_b64_otherwise() {
        assert_eq!(
            Data::from_bytes(b"hi".to_vec(), Encoding::Text),
            Data::text("hi")
        );
        assert_eq!(
            Data::from_bytes(vec![0xff], Encoding::Text),
            Data::B64(vec![0xff])
        );
        assert_eq!(
            Data::from_bytes(b"hi".to_vec(), Encoding::B64),
            Data::B64(b"hi".to_vec())
        );
    }

    #[test]
    fn preview_cut_inside_a_character_stays_text() {
        let s = "héllo".as_bytes();
        assert_eq!(Data::preview(s, 2), Data::text("h"));
        assert_eq!(Data::preview(&[0xff, 0x00], 2), Data::B64(vec![0xff, 0]));
    }

    #[test]
    fn b64_json() {
        let d: Data = serde_json::from_str(r#"{"b64":"AAEC"}"#).unwrap();
        assert_eq!(d, Data::B64(vec![0, 1, 2]));
        assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"b64":"AAEC"}"#);
        let bad = serde_json::from_str::<Data>(r#"{"b64":"!!"}"#).unwrap_err();
        assert!(bad.to_string().contains("base64"), "{bad}");
    }
}
