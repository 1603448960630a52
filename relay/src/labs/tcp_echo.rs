//! The TCP echo lab (127.0.0.1:20007): every byte a client sends comes back, until
//! the client closes its side; then the lab closes too.
//!
//! Bounded: at most [`MAX_CLIENTS`] clients at once (more wait in the kernel's accept
//! queue), and each client is echoed through one fixed buffer, so a client that does
//! not read stops being read (TCP flow control reaches it). A client that sends
//! nothing, or takes nothing back, for [`crate::labs::IDLE_TIMEOUT`] is
//! disconnected, so it cannot hold a place forever. Owns only its listener
//! and its clients' connections; it must not touch relay sessions.

use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Most clients served at once.
pub(crate) const MAX_CLIENTS: usize = 256;

/// Accepts and echoes until the task is aborted; aborting also stops every client.
pub(crate) async fn serve(listener: TcpListener) {
    serve_with(listener, super::IDLE_TIMEOUT).await;
}

/// [`serve`] with a chosen idle limit.
async fn serve_with(listener: TcpListener, idle: Duration) {
    let limit = Arc::new(Semaphore::new(MAX_CLIENTS));
    let mut clients = JoinSet::new();
    loop {
        // Never closed, so this only fails if the semaphore were closed.
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = super::accept_next(&listener, "tcp_echo").await;
        while clients.try_join_next().is_some() {}
        clients.spawn(async move {
            if let Err(e) = echo(stream, idle).await {
                tracing::debug!(lab = "tcp_echo", %peer, error = %e, "client ended");
            }
            drop(permit);
        });
    }
}

/// Echoes through one fixed buffer: it reads again only after the previous bytes
/// were written, which is the backpressure we want. Ends (closing the connection)
/// when the client closes, or when a read or a write waits longer than `idle`.
async fn echo(mut stream: TcpStream, idle: Duration) -> std::io::Result<()> {
    let (mut rd, mut wr) = stream.split();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match tokio::time::timeout(idle, rd.read(&mut buf)).await {
            Ok(read) => read?,
            Err(_) => return Err(std::io::ErrorKind::TimedOut.into()),
        };
        if n == 0 {
            break;
        }
        let data = buf.get(..n).unwrap_or_default();
        match tokio::time::timeout(idle, wr.write_all(data)).await {
            Ok(written) => written?,
            Err(_) => return Err(std::io::ErrorKind::TimedOut.into()),
        }
    }
    wr.shutdown().await
}

#[cfg(test)]
mod tests {
    use crate::config::LabPorts;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    #[tokio::test]
    async fn echoes_bytes_then_closes_after_the_client() {
        let labs = crate::labs::start(&LabPorts::EPHEMERAL).await;
        let mut s = TcpStream::connect(labs.addrs["tcp_echo"]).await.unwrap();
        let sent = b"hello\x00\xff world\n";
        s.write_all(sent).await.unwrap();
        let mut got = [0u8; 14];
        s.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, sent);
        s.shutdown().await.unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty(), "lab closes after the client closes");
    }

    #[tokio::test]
    async fn a_silent_client_is_disconnected_after_the_idle_limit() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(super::serve_with(
            listener,
            std::time::Duration::from_millis(200),
        ));
        let mut s = TcpStream::connect(addr).await.unwrap();
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_end(&mut rest))
                .await
                .expect("the lab closes a silent client");
        assert!(closed.is_ok_and(|n| n == 0) || rest.is_empty());
        server.abort();
    }

    #[tokio::test]
    async fn echoes_a_large_stream_with_backpressure() {
        let labs = crate::labs::start(&LabPorts::EPHEMERAL).await;
        let s = TcpStream::connect(labs.addrs["tcp_echo"]).await.unwrap();
        let (mut rd, mut wr) = s.into_split();
        let data: Vec<u8> = (0..8u32 << 20).map(|i| (i % 251) as u8).collect();
        let expected = data.clone();
        let writer = tokio::spawn(async move {
            wr.write_all(&data).await.unwrap();
            wr.shutdown().await.unwrap();
        });
        let mut got = Vec::new();
        rd.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert!(
            got == expected,
            "echoed {} of {} bytes",
            got.len(),
            expected.len()
        );
    }
}
