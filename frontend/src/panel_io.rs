//! Small helpers the HTTP and FTP panels share: the wire text with `\r\n` made
//! visible, URL splitting, and the browser side of files (saving a download as
//! a Blob, reading an upload).
//!
//! Owns no state; it must not interpret relay frames (that is `state/http.rs`
//! and `state/ftp.rs`).

use wasm_bindgen::JsCast;

/// Bytes as text with CR, LF and tabs spelled out (`\r\n` then a real line
/// break), and non-printable bytes as `\xNN`.
pub fn visible(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 8);
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            for c in text.chars() {
                push_char(&mut out, c);
            }
        }
        Err(_) => {
            for &b in bytes {
                if b.is_ascii() {
                    push_char(&mut out, char::from(b));
                } else {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
        }
    }
    out
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n\n"),
        '\t' => out.push_str("\\t"),
        c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
        c => out.push(c),
    }
}

/// An `http://host:port/path` URL split for `HTTPConnection(host, port)` and
/// `request(method, path)`: `(host, port, tls, path)`. A bare `/path` is not a URL.
pub fn split_url(url: &str) -> Result<(String, u16, bool, String), String> {
    let url = url.trim();
    let (tls, rest) = if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else {
        return Err(format!(
            "{url:?} is not an http:// or https:// URL (e.g. http://127.0.0.1:20080/get)"
        ));
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('?') => (&rest[..i], format!("/{}", &rest[i..])),
        Some(i) => (&rest[..i], rest[i..].to_owned()),
        None => (rest, "/".to_owned()),
    };
    let default_port = if tls { 443 } else { 80 };
    let (host, port) = if let Some(h) = authority.strip_prefix('[') {
        // [::1]:8080
        let (h, tail) = h
            .split_once(']')
            .ok_or_else(|| format!("unclosed '[' in {authority:?}"))?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("bad port {p:?}"))?,
            None => default_port,
        };
        (h.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_owned(),
                p.parse().map_err(|_| format!("bad port {p:?}"))?,
            ),
            None => (authority.to_owned(), default_port),
        }
    };
    if host.is_empty() {
        return Err(format!("no host in {url:?}"));
    }
    Ok((host, port, tls, path))
}

/// Hands `bytes` to the browser as a file download named `name`.
pub fn save(name: &str, bytes: &[u8]) -> Result<(), wasm_bindgen::JsValue> {
    save_as(name, "application/octet-stream", bytes)
}

/// Like [`save`], with the MIME type the browser should record.
pub fn save_as(name: &str, mime: &str, bytes: &[u8]) -> Result<(), wasm_bindgen::JsValue> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| wasm_bindgen::JsValue::from_str("no document"))?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url)
}

/// The bytes of the first file chosen in `input`, with its name.
pub async fn read_file(
    input: &web_sys::HtmlInputElement,
) -> Result<(String, Vec<u8>), wasm_bindgen::JsValue> {
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or_else(|| wasm_bindgen::JsValue::from_str("choose a file first"))?;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await?;
    Ok((file.name(), js_sys::Uint8Array::new(&buffer).to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_is_visible() {
        assert_eq!(
            visible(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
            "GET / HTTP/1.1\\r\\n\nHost: x\\r\\n\n\\r\\n\n"
        );
        assert_eq!(visible(&[0xff, b'a', 0]), "\\xffa\\x00");
    }

    #[test]
    fn urls_split_like_http_client() {
        assert_eq!(
            split_url("http://127.0.0.1:20080/get?x=1"),
            Ok(("127.0.0.1".into(), 20080, false, "/get?x=1".into()))
        );
        assert_eq!(
            split_url("https://[::1]/"),
            Ok(("::1".into(), 443, true, "/".into()))
        );
        assert_eq!(
            split_url("http://localhost"),
            Ok(("localhost".into(), 80, false, "/".into()))
        );
        assert!(split_url("/get").is_err());
        assert!(split_url("http://h:x/").is_err());
    }
}
