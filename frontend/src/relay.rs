//! The one WebSocket to the relay, as a service: [`Relay::send`] writes a
//! request and returns its id and a future of its outcome; every reply and
//! event is fed into the reducer (as `Action`s) in the order it arrived. When
//! the socket closes, pending requests fail with `disconnected`, the banner
//! says so, and the service reconnects with backoff (a new relay session).
//!
//! Owns the WebSocket and the request ids; it must not interpret frames beyond
//! routing them (that is the reducer's job in `state/`).

use crate::state::Action;
use futures_channel::oneshot;
use shared::{ErrorBody, Op, Outcome, Request, ServerFrame};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};
use yew::Callback;

/// First reconnect delay; doubles per failed attempt up to [`MAX_RETRY_MS`].
const FIRST_RETRY_MS: u32 = 500;
const MAX_RETRY_MS: u32 = 8000;
/// The error code a request gets when the connection drops before its reply.
pub const DISCONNECTED: &str = "disconnected";

/// A cheap handle to the service (clones share one connection).
#[derive(Clone)]
pub struct Relay(Rc<Inner>);

impl PartialEq for Relay {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

struct Inner {
    url: String,
    dispatch: Callback<Action>,
    ws: RefCell<Option<WebSocket>>,
    next_id: Cell<u64>,
    waiting: RefCell<HashMap<u64, Waiter>>,
    attempt: Cell<u32>,
    handlers: RefCell<Option<Handlers>>,
    retry: RefCell<Option<Closure<dyn FnMut()>>>,
    /// [`Relay::stop`] was called (or the relay was never started): no
    /// connection, no reconnect.
    stopped: Cell<bool>,
}

/// Who waits for a reply: a component (the decoded outcome), or a program
/// running in the page (`program/`), which gets the reply's JSON as the relay
/// sent it, so the page never re-encodes a reply (that would link every reply
/// shape's serializer into the workbench's wasm).
enum Waiter {
    Outcome(oneshot::Sender<Outcome>),
    Json(oneshot::Sender<String>),
}

impl Waiter {
    /// Answers with `outcome`, or for a program with `json()`.
    fn answer(self, outcome: Outcome, json: impl FnOnce() -> String) {
        match self {
            Waiter::Outcome(tx) => {
                let _ = tx.send(outcome);
            }
            Waiter::Json(tx) => {
                let _ = tx.send(json());
            }
        }
    }
}

/// `{"err": {…}}` for a program whose request failed in the page.
pub fn error_json(err: &ErrorBody) -> String {
    #[derive(serde::Serialize)]
    struct ErrOnly<'a> {
        err: &'a ErrorBody,
    }
    serde_json::to_string(&ErrOnly { err }).unwrap_or_default()
}

/// The JS callbacks of the current socket, kept alive as long as it is.
struct Handlers {
    _open: Closure<dyn FnMut(web_sys::Event)>,
    _message: Closure<dyn FnMut(MessageEvent)>,
    _close: Closure<dyn FnMut(CloseEvent)>,
}

impl Relay {
    /// Connects to `url` and starts feeding `dispatch`.
    pub fn start(url: String, dispatch: Callback<Action>) -> Relay {
        let inner = Rc::new(Inner {
            url,
            dispatch,
            ws: RefCell::new(None),
            next_id: Cell::new(1),
            waiting: RefCell::new(HashMap::new()),
            attempt: Cell::new(0),
            handlers: RefCell::new(None),
            retry: RefCell::new(None),
            stopped: Cell::new(false),
        });
        connect(&inner);
        Relay(inner)
    }

    /// Closes the connection for good (replaying a recording): no reconnect,
    /// and nothing more reaches the reducer. Later sends fail `disconnected`.
    #[cfg_attr(not(any(feature = "learn", test)), allow(dead_code))] // replay stops it
    pub fn stop(&self) {
        self.0.stopped.set(true);
        self.0.waiting.borrow_mut().clear();
        if let Some(ws) = self.0.ws.borrow_mut().take() {
            ws.set_onopen(None);
            ws.set_onmessage(None);
            ws.set_onclose(None);
            let _ = ws.close();
        }
    }

    /// The relay's WebSocket URL for this page: `?relay=ws://…` when given
    /// (embedding against another relay), else `/ws` on the page's own host.
    pub fn default_url() -> String {
        let Some(window) = web_sys::window() else {
            return "ws://127.0.0.1:8080/ws".into();
        };
        let location = window.location();
        if let Ok(search) = location.search() {
            if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) {
                if let Some(url) = params.get("relay") {
                    return url;
                }
            }
        }
        let scheme = match location.protocol().as_deref() {
            Ok("https:") => "wss",
            _ => "ws",
        };
        let host = location.host().unwrap_or_else(|_| "127.0.0.1:8080".into());
        format!("{scheme}://{host}/ws")
    }

    /// Sends `op` without waiting: the reducer sees `Sent` now and `Replied`
    /// when the reply arrives. Returns the request's id.
    pub fn send(&self, op: Op) -> u64 {
        self.request(op).0
    }

    /// Sends `op` like [`Relay::send`] and also returns a future of its outcome
    /// (for components that show a result themselves, like select).
    pub fn request(&self, op: Op) -> (u64, oneshot::Receiver<Outcome>) {
        let (tx, rx) = oneshot::channel();
        (self.request_for(op, Waiter::Outcome(tx)), rx)
    }

    /// Sends `op` like [`Relay::send`] for a program running in the page: the
    /// future gives the reply as JSON (`{"re": 7, "ok": {…}}` as the relay sent
    /// it, or `{"err": {…}}` when it failed in the page).
    pub fn request_json(&self, op: Op) -> (u64, oneshot::Receiver<String>) {
        let (tx, rx) = oneshot::channel();
        (self.request_for(op, Waiter::Json(tx)), rx)
    }

    fn request_for(&self, op: Op, waiter: Waiter) -> u64 {
        let inner = &self.0;
        let id = inner.next_id.get();
        inner.next_id.set(id + 1);
        inner.dispatch.emit(Action::Sent { id, op: op.clone() });
        let text = serde_json::to_string(&Request { id, op });
        let sent = match (text, inner.ws.borrow().as_ref()) {
            (Ok(text), Some(ws)) if ws.ready_state() == WebSocket::OPEN => {
                ws.send_with_str(&text).is_ok()
            }
            _ => false,
        };
        if sent {
            inner.waiting.borrow_mut().insert(id, waiter);
        } else {
            let err = ErrorBody::new(
                DISCONNECTED,
                "not connected to the relay; retry once the banner is gone",
            );
            let json = error_json(&err);
            let outcome = Outcome::Err(err);
            inner.dispatch.emit(Action::Replied {
                id,
                outcome: outcome.clone(),
            });
            waiter.answer(outcome, || json);
        }
        id
    }

    /// Sends one binary frame (`shared::binary::encode(handle, payload)`), e.g.
    /// the bytes of an FTP upload. Returns false when not connected.
    pub fn send_binary(&self, frame: &[u8]) -> bool {
        match self.0.ws.borrow().as_ref() {
            Some(ws) if ws.ready_state() == WebSocket::OPEN => ws.send_with_u8_array(frame).is_ok(),
            _ => false,
        }
    }
}

fn connect(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    let attempt = inner.attempt.get();
    inner.dispatch.emit(Action::Connecting { attempt });
    let ws = match WebSocket::new(&inner.url) {
        Ok(ws) => ws,
        Err(_) => {
            // A malformed URL: retrying cannot help (and this may run inside
            // the retry timer's own closure, which `lost` would replace).
            inner.dispatch.emit(Action::Lost {
                reason: format!("cannot open a WebSocket to {}", inner.url),
                retry_ms: 0,
            });
            return;
        }
    };
    let weak = Rc::downgrade(inner);
    let on_open = {
        let weak = weak.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(inner) = weak.upgrade() {
                inner.attempt.set(0);
                inner.dispatch.emit(Action::Opened);
            }
        })
    };
    let on_message = {
        let weak = weak.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let (Some(inner), Some(text)) = (weak.upgrade(), e.data().as_string()) {
                on_text(&inner, &text);
            }
        })
    };
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
        if let Some(inner) = weak.upgrade() {
            let reason = match (e.code(), e.reason()) {
                (1006, _) => "the relay is not reachable".to_owned(),
                (code, r) if r.is_empty() => format!("the relay closed the connection ({code})"),
                (code, r) => format!("the relay closed the connection ({code}): {r}"),
            };
            lost(&inner, reason);
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    *inner.handlers.borrow_mut() = Some(Handlers {
        _open: on_open,
        _message: on_message,
        _close: on_close,
    });
    *inner.ws.borrow_mut() = Some(ws);
}

fn on_text(inner: &Inner, text: &str) {
    match serde_json::from_str::<ServerFrame>(text) {
        Ok(ServerFrame::Reply(reply)) => {
            inner.dispatch.emit(Action::Replied {
                id: reply.re,
                outcome: reply.outcome.clone(),
            });
            let waiter = inner.waiting.borrow_mut().remove(&reply.re);
            if let Some(waiter) = waiter {
                waiter.answer(reply.outcome, || text.to_owned());
            }
        }
        Ok(ServerFrame::Event(frame)) => inner.dispatch.emit(Action::Event(frame)),
        Err(e) => inner.dispatch.emit(Action::Notice(format!(
            "unreadable frame from the relay: {e}"
        ))),
    }
}

/// The connection is gone: fail what was pending, show the banner, retry.
fn lost(inner: &Rc<Inner>, reason: String) {
    if let Some(ws) = inner.ws.borrow_mut().take() {
        ws.set_onopen(None);
        ws.set_onmessage(None);
        ws.set_onclose(None);
    }
    let waiting: Vec<_> = inner.waiting.borrow_mut().drain().collect();
    for (id, waiter) in waiting {
        let err = ErrorBody::new(DISCONNECTED, reason.clone());
        let json = error_json(&err);
        let outcome = Outcome::Err(err);
        inner.dispatch.emit(Action::Replied {
            id,
            outcome: outcome.clone(),
        });
        waiter.answer(outcome, || json);
    }
    let attempt = inner.attempt.get();
    let retry_ms = FIRST_RETRY_MS
        .saturating_mul(1 << attempt.min(5))
        .min(MAX_RETRY_MS);
    inner.attempt.set(attempt + 1);
    inner.dispatch.emit(Action::Lost { reason, retry_ms });
    let weak: Weak<Inner> = Rc::downgrade(inner);
    let retry = Closure::<dyn FnMut()>::new(move || {
        if let Some(inner) = weak.upgrade() {
            connect(&inner);
        }
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
            retry.as_ref().unchecked_ref(),
            i32::try_from(retry_ms).unwrap_or(i32::MAX),
        );
    }
    *inner.retry.borrow_mut() = Some(retry);
}
