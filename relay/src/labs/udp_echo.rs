//! The UDP echo lab (127.0.0.1:20007/udp): each datagram goes back to its sender,
//! unchanged, from the lab's address (the `sendto`/`recvfrom` exercise).
//!
//! One task, one 64 KiB buffer; nothing is queued. Owns only its socket; it must not
//! touch relay sessions.

use tokio::net::UdpSocket;

/// Echoes datagrams until the task is aborted.
pub(crate) async fn serve(socket: UdpSocket) {
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match socket.recv_from(&mut buf).await {
            Ok((n, peer)) => {
                if let Err(e) = socket.send_to(buf.get(..n).unwrap_or_default(), peer).await {
                    tracing::debug!(lab = "udp_echo", %peer, error = %e, "send_to failed");
                }
            }
            // Errors here (e.g. an ICMP error for an earlier reply) concern one peer;
            // the socket itself is still good.
            Err(e) => tracing::debug!(lab = "udp_echo", error = %e, "recv_from failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::LabPorts;
    use tokio::net::UdpSocket;

    #[tokio::test]
    async fn sends_each_datagram_back_to_its_sender() {
        let labs = crate::labs::start(&LabPorts::EPHEMERAL).await;
        let lab = labs.addrs["udp_echo"];
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.send_to(b"from a \xff", lab).await.unwrap();
        b.send_to(b"from b", lab).await.unwrap();
        let mut buf = [0u8; 100];
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"from a \xff"[..], lab));
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"from b"[..], lab));
        // An empty datagram is a datagram too.
        a.send_to(b"", lab).await.unwrap();
        let (n, _) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(n, 0);
    }
}
