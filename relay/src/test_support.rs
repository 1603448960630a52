//! Helpers shared by the relay's unit tests (compiled only for `cargo test`).

/// Cases per property test: `PROPTEST_CASES` when set (`cargo xtask fuzz` sets a
/// long budget), else the test's small `default` so `cargo test` stays fast.
pub(crate) fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// A connected TCP pair on 127.0.0.1 with plain std sockets:
/// `(client, server, client address, server address)`.
pub(crate) fn loopback_pair() -> (
    std::net::TcpStream,
    std::net::TcpStream,
    std::net::SocketAddr,
    std::net::SocketAddr,
) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let client =
        std::net::TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
    let (server, _) = listener.accept().expect("accept");
    let c = client.local_addr().expect("client address");
    let s = server.local_addr().expect("server address");
    (client, server, c, s)
}
