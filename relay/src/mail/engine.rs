//! The engine of one `m…` (smtplib) or `p…` (poplib) handle: its calls run one at a
//! time in arrival order, each as a session future that owns the client state
//! ([`Client`]) and hands it back with its answer ([`MailDone`]).
//!
//! Owns the queue, the running call, `close` (every pending call answers `EBADF`)
//! and `cancel` (a running call's connection is dropped: its state is unknown);
//! the protocols are `smtp.rs` and `pop3.rs`.

use super::link::Link;
use super::{pop3, smtp};
use crate::engines::{Effects, Engine};
use crate::io::{abortable, IoDone};
use crate::labs::mail::store::Scope;
use crate::oserror::bad_handle;
use crate::policy::Policy;
use crate::tap::{wire_events, WireChunk};
use futures::future::AbortHandle;
use shared::{Channel, ErrorBody, OkBody};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

/// The client state a call works on.
pub enum Client {
    Smtp(smtp::Smtp),
    Pop3(pop3::Pop3),
}

/// One call of a handle.
pub enum Job {
    /// Connect and read the greeting (`smtp.connect` / `pop3.connect`).
    Connect {
        host: String,
        port: u16,
        timeout: Option<Duration>,
    },
    Smtp(smtp::Call),
    Pop3(pop3::Call),
}

/// What a call's future reports.
pub struct MailDone {
    pub conn: String,
    id: u64,
    client: Client,
    log: Vec<WireChunk>,
    result: Result<OkBody, ErrorBody>,
    /// `quit` succeeded, or the connect failed: the handle ends.
    ends: bool,
}

/// One `m…`/`p…` handle.
pub struct MailConn {
    name: String,
    client: Option<Client>,
    queue: VecDeque<(u64, Job)>,
    running: Option<(u64, AbortHandle)>,
    closed: bool,
    policy: Arc<Policy>,
    scope: Arc<Scope>,
    local_hostname: Option<String>,
}

impl Engine for MailConn {
    fn is_closed(&self) -> bool {
        self.closed
    }
}

impl MailConn {
    pub fn new(
        name: String,
        smtp: Option<Option<String>>,
        policy: Arc<Policy>,
        scope: Arc<Scope>,
    ) -> MailConn {
        let local_hostname = smtp.clone().flatten();
        let client = match smtp {
            Some(host) => Client::Smtp(smtp::Smtp::new(host)),
            None => Client::Pop3(pop3::Pop3::default()),
        };
        MailConn {
            name,
            client: Some(client),
            queue: VecDeque::new(),
            running: None,
            closed: false,
            policy,
            scope,
            local_hostname,
        }
    }

    /// Queues call `id` and starts it if nothing runs.
    pub fn call(&mut self, id: u64, job: Job, fx: &mut Effects) {
        self.queue.push_back((id, job));
        self.pump(fx);
    }

    fn pump(&mut self, fx: &mut Effects) {
        if self.running.is_some() || self.closed {
            return;
        }
        let Some((id, job)) = self.queue.pop_front() else {
            return;
        };
        let Some(client) = self.client.take() else {
            fx.answer(id, Err(bad_handle(&self.name)));
            return;
        };
        let fut = run(
            self.name.clone(),
            id,
            client,
            job,
            self.policy.clone(),
            self.scope.clone(),
        );
        let (fut, abort) = abortable(fut);
        self.running = Some((id, abort));
        fx.run(fut);
    }

    /// A call's future is done: its events, its answer, the next call.
    pub fn on_done(&mut self, done: MailDone, fx: &mut Effects) {
        if self.running.as_ref().map(|r| r.0) != Some(done.id) {
            return;
        }
        self.running = None;
        for e in wire_events(&self.name, Channel::Control, done.log) {
            fx.event(e);
        }
        fx.answer(done.id, done.result);
        self.client = Some(done.client);
        if done.ends {
            self.close(fx);
        } else {
            self.pump(fx);
        }
    }

    /// Call `id` was cancelled (and answered): a queued call is dropped; a running
    /// one is stopped and its connection dropped, since its state is unknown.
    pub fn cancel(&mut self, id: u64, fx: &mut Effects) {
        self.queue.retain(|(q, _)| *q != id);
        if self.running.as_ref().map(|r| r.0) == Some(id) {
            if let Some((_, abort)) = self.running.take() {
                abort.abort();
            }
            self.client = Some(if self.name.starts_with('p') {
                Client::Pop3(pop3::Pop3::default())
            } else {
                Client::Smtp(smtp::Smtp::new(self.local_hostname.clone()))
            });
            self.pump(fx);
        }
    }

    /// `close()`: at once; pending calls answer `EBADF`.
    pub fn close(&mut self, fx: &mut Effects) {
        if let Some((id, abort)) = self.running.take() {
            abort.abort();
            fx.answer(id, Err(bad_handle(&self.name)));
        }
        for (id, _) in self.queue.drain(..) {
            fx.answer(id, Err(bad_handle(&self.name)));
        }
        self.client = None;
        self.closed = true;
    }
}

/// Runs one call on `client` and hands it back.
async fn run(
    conn: String,
    id: u64,
    mut client: Client,
    job: Job,
    policy: Arc<Policy>,
    scope: Arc<Scope>,
) -> IoDone {
    let mut log = Vec::new();
    let quit = matches!(
        job,
        Job::Smtp(smtp::Call::Quit) | Job::Pop3(pop3::Call::Quit)
    );
    let connecting = matches!(job, Job::Connect { .. });
    let result = match (&mut client, job) {
        (
            client,
            Job::Connect {
                host,
                port,
                timeout,
            },
        ) => {
            connect(
                &conn, client, &policy, scope, &host, port, timeout, &mut log,
            )
            .await
        }
        (Client::Smtp(s), Job::Smtp(call)) => s.call(call, &mut log).await,
        (Client::Pop3(p), Job::Pop3(call)) => p.call(call, &mut log).await,
        _ => Err(bad_handle(&conn)),
    };
    let link = match &mut client {
        Client::Smtp(s) => s.link.as_mut(),
        Client::Pop3(p) => p.link.as_mut(),
    };
    if let Some(link) = link {
        log.extend(link.take_log());
    }
    IoDone::Mail(MailDone {
        ends: (quit && result.is_ok()) || (connecting && result.is_err()),
        conn,
        id,
        client,
        log,
        result,
    })
}

#[allow(clippy::too_many_arguments)]
async fn connect(
    conn: &str,
    client: &mut Client,
    policy: &Policy,
    scope: Arc<Scope>,
    host: &str,
    port: u16,
    timeout: Option<Duration>,
    log: &mut Vec<WireChunk>,
) -> Result<OkBody, ErrorBody> {
    let link = Link::connect(policy, scope, host, port, timeout).await?;
    match client {
        Client::Smtp(s) => {
            s.link = Some(link);
            let (code, msg) = s.greet(log).await?;
            Ok(OkBody::SmtpConnect {
                conn: conn.to_owned(),
                code,
                msg: String::from_utf8_lossy(&msg).into_owned(),
            })
        }
        Client::Pop3(p) => {
            p.link = Some(link);
            let welcome = p.greet(log).await?;
            Ok(OkBody::FtpConnect {
                conn: conn.to_owned(),
                welcome: String::from_utf8_lossy(&welcome).into_owned(),
            })
        }
    }
}
