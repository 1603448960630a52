//! HTTPS/WSS for the relay itself (`--tls-cert PEM --tls-key PEM`): the page,
//! `/ws`, `/healthz` and every other route are served over TLS with rustls.
//!
//! Owns loading the certificate chain and key (with start-up errors that say
//! which file is missing, unreadable, not PEM or does not match) and
//! [`TlsListener`], an `axum::serve` listener over another (a shard's, see
//! `shards.rs`) whose accept loop hands each new connection's handshake to its
//! own task (bounded in number and time), so a slow or silent client never
//! delays the others. Everything after the
//! handshake is the plain server's business (`server.rs`).

use axum::serve::Listener;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A client must finish its TLS handshake within this.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; further connections wait in the kernel's
/// backlog.
const MAX_HANDSHAKES: usize = 256;

/// The certificate chain and key files given on the command line.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

fn read(flag: &str, path: &Path) -> io::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        invalid(format!(
            "cannot read {flag} {}: {e}; give the PEM file of your {}",
            path.display(),
            if flag == "--tls-cert" {
                "certificate (chain)"
            } else {
                "private key"
            }
        ))
    })
}

/// A TLS acceptor for `files`, serving HTTP/1.1 (the WebSocket upgrade needs
/// it). Errors name the flag and the file, and say what was expected.
pub fn acceptor(files: &TlsFiles) -> io::Result<TlsAcceptor> {
    let cert_pem = read("--tls-cert", &files.cert)?;
    let key_pem = read("--tls-key", &files.key)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| {
            invalid(format!(
                "--tls-cert {} is not a PEM certificate chain: {e}",
                files.cert.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(invalid(format!(
            "--tls-cert {} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
            files.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        invalid(format!(
            "--tls-key {} holds no PEM private key (expected -----BEGIN PRIVATE KEY----- or an RSA/EC key): {e}",
            files.key.display()
        ))
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS set-up failed: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            invalid(format!(
                "--tls-key {} does not fit --tls-cert {}: {e}; give the key the certificate was issued for",
                files.key.display(),
                files.cert.display()
            ))
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Takes TCP connections from another listener and yields those that completed
/// a TLS handshake.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accepting: JoinHandle<()>,
}

impl TlsListener {
    pub fn new<L>(tcp: L, acceptor: TlsAcceptor) -> io::Result<TlsListener>
    where
        L: Listener<Io = TcpStream, Addr = SocketAddr>,
    {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let accepting = tokio::spawn(accept_loop(tcp, acceptor, tx));
        Ok(TlsListener {
            ready,
            local,
            accepting,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn accept_loop<L: Listener<Io = TcpStream, Addr = SocketAddr>>(
    mut tcp: L,
    acceptor: TlsAcceptor,
    tx: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        // `accept` retries failed accepts itself (axum's `Listener` contract).
        let (stream, peer) = tcp.accept().await;
        let (acceptor, tx) = (acceptor.clone(), tx.clone());
        tokio::spawn(async move {
            let _slot = slot;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = tx.send((tls, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, "TLS handshake failed: {e}"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(c) => c,
            // The accept loop ended: nothing will come any more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}
