//! The FTP lab against hostile and ordinary clients (issue 9): the bounce guard on
//! `PORT`/`EPRT`, RFC 959 quoting of `257` replies (checked with Python's real
//! `ftplib`), private learner sandboxes with a quota and a file-count bound, the
//! per-address connection cap and the command-line length limit. Talks to the lab
//! directly (raw lines or a `python3` subprocess), not through a relay session.

use relay::config::LabPorts;
use relay::labs::{self, Labs};
use std::net::{SocketAddr, TcpListener as StdListener};
use std::process::Command;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpSocket, TcpStream};

const GUARD: Duration = Duration::from_secs(20);

async fn lab() -> (Labs, SocketAddr) {
    let labs = labs::start(&LabPorts::EPHEMERAL).await;
    let addr = labs.addrs["ftp"];
    (labs, addr)
}

/// A raw control connection.
struct Control {
    lines: tokio::io::Lines<BufReader<OwnedReadHalf>>,
    wr: OwnedWriteHalf,
}

impl Control {
    /// Connects from `127.0.0.{from}` and reads the greeting.
    async fn connect_from(lab: SocketAddr, from: u8) -> Control {
        let sock = TcpSocket::new_v4().unwrap();
        sock.bind(SocketAddr::from(([127, 0, 0, from], 0))).unwrap();
        let (rd, wr) = sock.connect(lab).await.unwrap().into_split();
        let mut c = Control {
            lines: BufReader::new(rd).lines(),
            wr,
        };
        let hello = c.reply().await;
        assert!(hello.starts_with("220"), "{hello}");
        c
    }
    async fn reply(&mut self) -> String {
        tokio::time::timeout(GUARD, self.lines.next_line())
            .await
            .expect("a reply in time")
            .unwrap()
            .expect("a reply, not a close")
    }
    async fn cmd(&mut self, line: &str) -> String {
        self.wr
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }
    async fn login(&mut self, user: &str, pass: &str) {
        let r = self.cmd(&format!("USER {user}")).await;
        assert!(r.starts_with("331"), "{r}");
        let r = self.cmd(&format!("PASS {pass}")).await;
        assert!(r.starts_with("230"), "{r}");
    }
}

fn port_arg(addr: SocketAddr) -> String {
    let SocketAddr::V4(v4) = addr else {
        panic!("IPv4 only")
    };
    let [a, b, c, d] = v4.ip().octets();
    let [p1, p2] = addr.port().to_be_bytes();
    format!("{a},{b},{c},{d},{p1},{p2}")
}

/// A listener that must never be connected to; `assert_untouched` proves it.
fn trap(ip: [u8; 4]) -> StdListener {
    let l = StdListener::bind(SocketAddr::from((ip, 0))).unwrap();
    l.set_nonblocking(true).unwrap();
    l
}

fn assert_untouched(l: &StdListener) {
    match l.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the lab connected to a third party: {other:?}"),
    }
}

#[tokio::test]
async fn port_to_another_address_is_refused_and_never_connected() {
    let (_labs, lab) = lab().await;
    let victim = trap([127, 0, 0, 2]);
    let mut c = Control::connect_from(lab, 1).await;
    c.login("anonymous", "x").await;
    let r = c
        .cmd(&format!("PORT {}", port_arg(victim.local_addr().unwrap())))
        .await;
    assert_eq!(
        r,
        "504 Illegal PORT command: data connections go only to your own address 127.0.0.1, not 127.0.0.2"
    );
    // libunftp connects before it answers PORT, so by now a bounce would be queued.
    assert!(c.cmd("NOOP").await.starts_with("200"));
    assert_untouched(&victim);

    let eprt = format!("EPRT |1|127.0.0.2|{}|", victim.local_addr().unwrap().port());
    assert!(c.cmd(&eprt).await.starts_with("504 Illegal EPRT command"));
    assert!(c
        .cmd("PORT 127,0,0,2")
        .await
        .starts_with("501 Syntax error"));
    assert_untouched(&victim);
}

#[tokio::test]
async fn port_below_1024_is_refused() {
    let (_labs, lab) = lab().await;
    let mut c = Control::connect_from(lab, 1).await;
    c.login("anonymous", "x").await;
    assert_eq!(
        c.cmd("PORT 127,0,0,1,0,25").await,
        "504 Illegal PORT command: port 25 is privileged (below 1024)"
    );
}

#[tokio::test]
async fn port_is_checked_against_the_real_client_address() {
    let (_labs, lab) = lab().await;
    // A client on 127.0.0.3 may use its own address (the proxy is not mistaken
    // for the client) but not the proxy's 127.0.0.1.
    let own = StdListener::bind("127.0.0.3:0").unwrap();
    let elsewhere = trap([127, 0, 0, 1]);
    let mut c = Control::connect_from(lab, 3).await;
    c.login("anonymous", "x").await;
    let r = c
        .cmd(&format!(
            "PORT {}",
            port_arg(elsewhere.local_addr().unwrap())
        ))
        .await;
    assert!(r.starts_with("504 "), "{r}");
    assert_untouched(&elsewhere);
    let r = c
        .cmd(&format!("PORT {}", port_arg(own.local_addr().unwrap())))
        .await;
    assert!(r.starts_with("200"), "{r}");
    // Active mode works end to end: the listing arrives on our own listener.
    c.wr.write_all(b"NLST\r\n").await.unwrap();
    let (mut data, from) = tokio::task::spawn_blocking(move || own.accept().unwrap())
        .await
        .unwrap();
    assert_eq!(
        from.ip().to_string(),
        "127.0.0.1",
        "libunftp connects from the lab"
    );
    let r = c.reply().await;
    assert!(r.starts_with("150") || r.starts_with("125"), "{r}");
    let names = tokio::task::spawn_blocking(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut data, &mut s).unwrap();
        s
    })
    .await
    .unwrap();
    let done = c.reply().await;
    assert!(names.contains("welcome.txt"), "{names:?} {done}");
    assert!(done.starts_with("226"), "{done}");
}

#[tokio::test]
async fn mkd_and_pwd_replies_are_quoted_as_rfc_959_says() {
    let (_labs, lab) = lab().await;
    let mut c = Control::connect_from(lab, 1).await;
    c.login("learner", "learner").await;
    assert_eq!(c.cmd("MKD work").await, "257 \"/work\" created");
    assert_eq!(
        c.cmd("MKD say \"hi\"").await,
        "257 \"/say \"\"hi\"\"\" created"
    );
    assert!(c.cmd("CWD say \"hi\"").await.starts_with("250"));
    assert_eq!(
        c.cmd("PWD").await,
        "257 \"/say \"\"hi\"\"\" is the current directory"
    );
}

/// Runs a Python 3 script with the lab's port as `sys.argv[1]`; returns stdout.
async fn python(script: &'static str, lab: SocketAddr) -> String {
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(lab.port().to_string())
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_ftplib_mkd_returns_the_path() {
    let (_labs, lab) = lab().await;
    let out = python(
        r#"
import ftplib, sys
f = ftplib.FTP()
f.connect("127.0.0.1", int(sys.argv[1]))
f.login("learner", "learner")
print(repr(f.mkd("work")))
print(repr(f.mkd('say "hi"')))
f.cwd('say "hi"')
print(repr(f.pwd()))
f.quit()
"#,
        lab,
    )
    .await;
    assert_eq!(out, "'/work'\n'/say \"hi\"'\n'/say \"hi\"'\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_learners_do_not_see_each_others_uploads() {
    let (_labs, lab) = lab().await;
    let out = python(
        r#"
import ftplib, io, sys
port = int(sys.argv[1])
a = ftplib.FTP(); a.connect("127.0.0.1", port); a.login("learner", "learner")
b = ftplib.FTP(); b.connect("127.0.0.1", port); b.login("learner", "learner")
a.storbinary("STOR uploads/mine.txt", io.BytesIO(b"from a"))
a.delete("welcome.txt")
print(a.nlst("uploads"))
print(b.nlst("uploads"))
print("welcome.txt" in b.nlst())
a.quit()
c = ftplib.FTP(); c.connect("127.0.0.1", port); c.login("learner", "learner")
print(c.nlst("uploads"), "welcome.txt" in c.nlst())
b.quit(); c.quit()
"#,
        lab,
    )
    .await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines, ["['mine.txt']", "[]", "True", "[] True",], "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_quota_gets_552_and_leaves_nothing_behind() {
    let (_labs, lab) = lab().await;
    let out = python(
        r#"
import ftplib, io, sys
f = ftplib.FTP(); f.connect("127.0.0.1", int(sys.argv[1])); f.login("learner", "learner")
try:
    f.storbinary("STOR uploads/huge.bin", io.BytesIO(b"x" * (16 << 20)))
    print("stored")
except ftplib.error_perm as e:
    print(e)
print(f.nlst("uploads"))
f.storbinary("STOR uploads/small.bin", io.BytesIO(b"x" * (4 << 20)))
print(f.size("uploads/small.bin"))
f.quit()
"#,
        lab,
    )
    .await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "552 Exceeded storage allocation: a learner sandbox holds at most 16 MiB in at most 256 files and directories",
            "[]",
            "4194304",
        ],
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sandbox_holds_a_bounded_number_of_files() {
    let (_labs, lab) = lab().await;
    let out = python(
        r#"
import ftplib, sys
f = ftplib.FTP(); f.connect("127.0.0.1", int(sys.argv[1])); f.login("learner", "learner")
made = 0
try:
    for i in range(1000):
        f.mkd("d%d" % i)
        made += 1
except ftplib.error_perm as e:
    print(str(e)[:3], made)
f.quit()
"#,
        lab,
    )
    .await;
    let (code, made) = out.trim().split_once(' ').expect("refused at some point");
    assert_eq!(code, "552");
    let made: usize = made.parse().unwrap();
    assert!(made > 200 && made < 256, "{made} directories made");
}

#[tokio::test]
async fn one_address_gets_at_most_its_share_of_the_lab() {
    let (_labs, lab) = lab().await;
    let mut held = Vec::new();
    for _ in 0..labs::MAX_CLIENTS_PER_PEER {
        held.push(Control::connect_from(lab, 1).await);
    }
    let mut hog = TcpStream::connect(lab).await.unwrap();
    let mut said = String::new();
    tokio::time::timeout(GUARD, hog.read_to_string(&mut said))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        said,
        format!(
            "421 too many connections from 127.0.0.1 (at most {} from one address), try again later\r\n",
            labs::MAX_CLIENTS_PER_PEER
        )
    );
    // Another address still gets in.
    let mut other = Control::connect_from(lab, 4).await;
    other.login("anonymous", "x").await;
}

#[tokio::test]
async fn an_overlong_command_line_is_refused_and_closed() {
    let (_labs, lab) = lab().await;
    let mut c = Control::connect_from(lab, 1).await;
    let junk = vec![b'A'; 10_000];
    // The lab may close before it has read everything we send.
    let _ = c.wr.write_all(&junk).await;
    assert_eq!(
        c.reply().await,
        "500 Command line too long (at most 4096 bytes), closing control connection"
    );
    let end = tokio::time::timeout(GUARD, c.lines.next_line())
        .await
        .unwrap();
    assert!(matches!(end, Ok(None) | Err(_)), "{end:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_ftplib_active_and_passive_listings_work_from_any_loopback_address() {
    let (_labs, lab) = lab().await;
    let out = python(
        r#"
import ftplib, sys
f = ftplib.FTP(); f.connect("127.0.0.1", int(sys.argv[1]), source_address=("127.0.0.3", 0)); f.login("anonymous", "x")
for pasv in (False, True, False):
    f.set_pasv(pasv)
    print(pasv, sorted(f.nlst()))
f.quit()
"#,
        lab,
    )
    .await;
    assert_eq!(
        out,
        "False ['binary', 'docs', 'welcome.txt']\nTrue ['binary', 'docs', 'welcome.txt']\nFalse ['binary', 'docs', 'welcome.txt']\n"
    );
}

#[tokio::test]
async fn the_internal_libunftp_port_serves_no_one_directly() {
    let labs = labs::start(&LabPorts::EPHEMERAL).await;
    let lab = labs.addrs["ftp"];
    assert_eq!(labs.internal.len(), 1);
    let internal = labs.internal[0];
    assert!(internal.ip().is_loopback());
    assert!(!labs.addrs.values().any(|a| *a == internal));
    // Bypassing the proxy (and its PORT check) gets nothing: the next proxied
    // client makes the lab accept and drop the stranger.
    let mut stranger = TcpStream::connect(internal).await.unwrap();
    let mut c = Control::connect_from(lab, 1).await;
    c.login("anonymous", "x").await;
    let mut got = Vec::new();
    let _ = tokio::time::timeout(GUARD, stranger.read_to_end(&mut got))
        .await
        .expect("dropped");
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
}
