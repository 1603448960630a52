//! Share links: a scenario (or a short recording) carried in the URL fragment,
//! `https://host/#share=…` or `/embed#share=…`. The JSON is compressed by the
//! browser (`CompressionStream('deflate-raw')`; no compression code in the
//! wasm) and written as base64url. A fragment is never sent to a server, so
//! the link works from any copy of the page.
//!
//! Owns the encoding and the size limit; the button is `button.rs`, opening a
//! link is the app's (`Shared::from_location`).

pub mod button;

use shared::recording::{Recording, Scenario};
use wasm_bindgen::prelude::*;

/// The longest fragment a share link may have, in characters.
pub const MAX_FRAGMENT: usize = 8000;
/// The fragment's prefix.
const KEY: &str = "#share=";

#[wasm_bindgen(inline_js = r#"
export async function deflate_b64url(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
export async function inflate_b64url(s) {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '==='.slice((b64.length + 3) % 4));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return await new Response(stream).text();
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn deflate_b64url(text: &str) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn inflate_b64url(text: &str) -> Result<JsValue, JsValue>;
}

/// What a share link carries.
#[derive(Clone, Debug, PartialEq)]
pub enum Shared {
    Scenario(Scenario),
    Recording(Recording),
}

/// The fragment (`#share=…`) for `json`, or why it cannot be a link.
pub async fn fragment_for(json: &str) -> Result<String, String> {
    let encoded = deflate_b64url(json)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .ok_or("this browser cannot compress (CompressionStream is missing)")?;
    let fragment = format!("{KEY}{encoded}");
    if fragment.len() > MAX_FRAGMENT {
        return Err(too_long(fragment.len()));
    }
    Ok(fragment)
}

/// The message for a link of `len` characters.
pub fn too_long(len: usize) -> String {
    format!(
        "this share link would be {len} characters long; a link holds at most {MAX_FRAGMENT}. \
         Use \"Export recording\" instead and share the file."
    )
}

/// The shared scenario or recording in this page's URL, if it has one.
pub async fn from_location() -> Option<Result<Shared, String>> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let encoded = hash.strip_prefix(KEY)?;
    Some(open(encoded).await)
}

/// Decodes a fragment's payload.
async fn open(encoded: &str) -> Result<Shared, String> {
    if encoded.len() > MAX_FRAGMENT {
        return Err(format!(
            "this share link is {} characters long; socklab reads at most {MAX_FRAGMENT}",
            encoded.len()
        ));
    }
    let json = inflate_b64url(encoded)
        .await
        .ok()
        .and_then(|v| v.as_string())
        .ok_or("this share link is damaged (it does not decompress); ask for a new one")?;
    parse(&json)
}

/// A scenario or a recording, told apart by its `format`.
pub fn parse(json: &str) -> Result<Shared, String> {
    let format = serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("format")?.as_str().map(str::to_owned));
    let shared = if format.as_deref() == Some(shared::recording::RECORDING_FORMAT) {
        Recording::from_json(json).map(Shared::Recording)
    } else {
        Scenario::from_json(json).map(Shared::Scenario)
    };
    shared.map_err(|e| format!("this share link cannot be opened: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_holds_a_scenario_or_a_recording_told_apart_by_format() {
        let scenario =
            r#"{"format":"socklab-scenario","version":1,"steps":[{"call":{"op":"ping"}}]}"#;
        assert!(matches!(parse(scenario), Ok(Shared::Scenario(s)) if s.steps.len() == 1));
        let rec = r#"{"format":"socklab-recording","version":1,"items":[]}"#;
        assert!(matches!(parse(rec), Ok(Shared::Recording(_))));
        let newer = r#"{"format":"socklab-recording","version":3,"items":[]}"#;
        let err = parse(newer).err().unwrap_or_default();
        assert!(err.contains("newer socklab"), "{err}");
        assert!(parse("{").is_err());
    }

    #[test]
    fn an_over_long_link_says_how_long_and_what_to_do() {
        let msg = too_long(12345);
        assert!(msg.contains("12345 characters"), "{msg}");
        assert!(
            msg.contains("at most 8000") && msg.contains("Export recording"),
            "{msg}"
        );
    }
}
