//! TLS for `http.open` with `tls: true` (Python's `HTTPSConnection` with the
//! default context): rustls with the `ring` provider, certificate and host name
//! verified, trusting the bundled Mozilla roots (`webpki-roots`) plus the
//! system store — which, as in OpenSSL and so in Python, is replaced by the file
//! named in `SSL_CERT_FILE` (or the directory in `SSL_CERT_DIR`) when set.
//! Tests trust their own generated certificate that way.
//!
//! Owns the client configuration (built once per process) and the mapping of
//! TLS failures to `ssl.*` error codes; it never opens connections itself.

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use shared::ErrorBody;
use std::sync::{Arc, OnceLock};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

static CONFIG: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();

fn build() -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::warn!("TLS roots: {e}");
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(added, ignored, "TLS roots from the system store");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

fn config() -> Result<Arc<ClientConfig>, ErrorBody> {
    CONFIG
        .get_or_init(build)
        .clone()
        .map_err(|e| ErrorBody::new("ssl.SSLError", format!("TLS is not available: {e}")))
}

/// `context.wrap_socket(sock, server_hostname=host)`.
pub async fn handshake(host: &str, tcp: TcpStream) -> Result<TlsStream<TcpStream>, ErrorBody> {
    let name = ServerName::try_from(host.to_owned()).map_err(|_| {
        ErrorBody::new(
            "ssl.SSLError",
            format!("{host:?} is not a valid TLS server name"),
        )
    })?;
    TlsConnector::from(config()?)
        .connect(name, tcp)
        .await
        .map_err(
            |e| match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                Some(t) => error(t),
                None => crate::oserror::from_io(&e),
            },
        )
}

/// Python's `ssl.SSLCertVerificationError` / `ssl.SSLError` for a rustls error.
pub fn error(e: &rustls::Error) -> ErrorBody {
    match e {
        rustls::Error::InvalidCertificate(c) => ErrorBody::new(
            "ssl.SSLCertVerificationError",
            format!("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {c:?}"),
        ),
        other => ErrorBody::new("ssl.SSLError", format!("[SSL] {other}")),
    }
}
