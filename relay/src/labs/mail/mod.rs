//! The mail labs (docs/protocol.md "The mail labs"): an SMTP server
//! (127.0.0.1:20025, `smtp.rs`) and a POP3 server (127.0.0.1:20110, `pop3.rs`)
//! sharing one [`Store`] of mailboxes (`store.rs`, which also owns the scope of
//! a relay session's mailboxes).
//!
//! Owns the socket side of both labs: admitting clients (at most
//! [`super::MAX_CLIENTS_PER_LAB`], [`super::MAX_CLIENTS_PER_PEER`] from one
//! address), reading bounded lines with the idle limit, writing replies.

mod pop3;
mod smtp;
pub mod store;

use super::{full_message, Full, LabClients, MAX_CLIENTS_PER_LAB};
use crate::mail::lines::{read_line, Line};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Serves SMTP on `smtp` and POP3 on `pop3` until the task is aborted.
pub(crate) async fn serve(smtp: TcpListener, pop3: TcpListener) {
    serve_with(smtp, pop3, super::IDLE_TIMEOUT).await;
}

async fn serve_with(smtp: TcpListener, pop3: TcpListener, idle: Duration) {
    let store = Arc::new(Store::default());
    let mut smtp_clients = LabClients::new("smtp", MAX_CLIENTS_PER_LAB, smtp_full);
    let mut pop3_clients = LabClients::new("pop3", MAX_CLIENTS_PER_LAB, pop3_full);
    loop {
        tokio::select! {
            (stream, peer, slot) = smtp_clients.admit(&smtp) => {
                smtp_clients.spawn(slot, smtp_client(store.clone(), stream, peer, idle));
            }
            (stream, peer, slot) = pop3_clients.admit(&pop3) => {
                pop3_clients.spawn(slot, pop3_client(store.clone(), stream, peer, idle));
            }
        }
    }
}

fn smtp_full(full: Full, peer: SocketAddr) -> String {
    format!(
        "421 4.3.2 {}, try again later\r\n",
        full_message(full, peer)
    )
}

fn pop3_full(full: Full, peer: SocketAddr) -> String {
    format!("-ERR {}, try again later\r\n", full_message(full, peer))
}

/// The next line within `limit`, or `None` when the client is gone or was idle
/// too long (it has then been told).
async fn next_line(
    rd: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    wr: &mut tokio::net::tcp::OwnedWriteHalf,
    limit: usize,
    idle: Duration,
    idle_reply: &str,
) -> Option<Line> {
    match tokio::time::timeout(idle, read_line(rd, limit)).await {
        Err(_) => {
            let _ = wr.write_all(idle_reply.as_bytes()).await;
            None
        }
        Ok(Err(_) | Ok(Line::Eof)) => None,
        Ok(Ok(line)) => Some(line),
    }
}

async fn smtp_client(store: Arc<Store>, stream: TcpStream, peer: SocketAddr, idle: Duration) {
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut session = smtp::SmtpSession::new(&store, peer);
    if wr.write_all(smtp::GREETING.as_bytes()).await.is_err() {
        return;
    }
    loop {
        let limit = session.line_limit();
        let Some(line) = next_line(&mut rd, &mut wr, limit, idle, smtp::IDLE).await else {
            return;
        };
        let step = match line {
            Line::Text(l) => session.on_line(&l),
            _ => session.on_too_long(),
        };
        let (text, close) = match step {
            smtp::Step::Reply(t) => (t, false),
            smtp::Step::Close(t) => (t, true),
            smtp::Step::Silent => continue,
        };
        if wr.write_all(text.as_bytes()).await.is_err() || close {
            return;
        }
    }
}

async fn pop3_client(store: Arc<Store>, stream: TcpStream, peer: SocketAddr, idle: Duration) {
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let mut session = pop3::Pop3Session::new(&store, peer);
    if wr.write_all(pop3::GREETING.as_bytes()).await.is_err() {
        return;
    }
    loop {
        let limit = pop3::MAX_COMMAND_LINE;
        let Some(line) = next_line(&mut rd, &mut wr, limit, idle, pop3::IDLE).await else {
            return;
        };
        let step = match line {
            Line::Text(l) => session.on_line(&l),
            _ => session.on_too_long(),
        };
        if wr.write_all(&step.out).await.is_err() || step.close {
            return;
        }
    }
}
