//! The two contexts the app provides and the hooks components use instead of
//! repeating themselves:
//!
//! - [`use_app`]: the relay service and the reducer's dispatcher ([`AppCtx`]),
//!   to act (send an op, fire one on a click, await a call). It never changes,
//!   so reading it re-renders nothing.
//! - [`use_session`]: the relay's `hello` and whether the workbench can act
//!   ([`Session`]); it changes once per relay session or token.
//! - [`use_lab`]: a lab server's address from `hello`, else its standard port.
//! - [`use_text_input`]: a text field's value and the handlers that keep it.
//! - [`use_scroll_to_end`]: a log that keeps its newest line in view.
//!
//! The reducer's state never comes through a context (only the session, which
//! rarely changes): each component gets the slice it renders as props, so it
//! renders again only when that slice changes.

use crate::relay::{Relay, DISCONNECTED};
use crate::state::{Action, State};
use shared::{ErrorBody, Hello, Op, Outcome};
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// What acting needs: the relay (to send) and the reducer (to record).
#[derive(Clone, PartialEq)]
pub struct AppCtx {
    pub relay: Relay,
    dispatcher: UseReducerDispatcher<State>,
}

impl AppCtx {
    pub fn new(relay: Relay, dispatcher: UseReducerDispatcher<State>) -> AppCtx {
        AppCtx { relay, dispatcher }
    }

    pub fn dispatch(&self, action: Action) {
        self.dispatcher.dispatch(action);
    }

    /// Sends `op` without waiting (the reducer sees the request and its reply).
    pub fn send(&self, op: Op) -> u64 {
        self.relay.send(op)
    }

    /// A click handler that sends `op`.
    pub fn fire(&self, op: Op) -> Callback<MouseEvent> {
        let relay = self.relay.clone();
        Callback::from(move |_| {
            relay.send(op.clone());
        })
    }

    /// Sends `op` and waits for its outcome; the reducer records how long it took.
    pub async fn call(&self, op: Op) -> Outcome {
        let start = js_sys::Date::now();
        let (id, rx) = self.relay.request(op);
        let outcome = rx.await.unwrap_or_else(|_| {
            Outcome::Err(ErrorBody::new(
                DISCONNECTED,
                "the relay connection was lost",
            ))
        });
        let ms = js_sys::Date::now() - start;
        self.dispatch(Action::Timed { id, ms });
        outcome
    }

    /// A click handler that calls `op` (see [`AppCtx::call`]).
    pub fn click_call(&self, op: Op) -> Callback<MouseEvent> {
        self.on_click(move |ctx| {
            let op = op.clone();
            async move {
                ctx.call(op).await;
            }
        })
    }

    /// A click handler that runs `task` (a sequence of calls) on its own.
    pub fn on_click<Fut>(&self, task: impl Fn(AppCtx) -> Fut + 'static) -> Callback<MouseEvent>
    where
        Fut: Future<Output = ()> + 'static,
    {
        let ctx = self.clone();
        Callback::from(move |_| wasm_bindgen_futures::spawn_local(task(ctx.clone())))
    }
}

/// The relay session as the panels need it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Session {
    pub hello: Option<Rc<Hello>>,
    /// The relay wants a token this session has not given yet.
    pub needs_token: bool,
    /// The relay said hello and has the token it wants: the workbench can act.
    pub ready: bool,
}

impl Session {
    pub fn of(state: &State) -> Session {
        Session {
            hello: state.hello.clone(),
            needs_token: state.needs_token(),
            ready: state.ready(),
        }
    }
}

/// The relay and the dispatcher (the app always provides them).
#[hook]
pub fn use_app() -> AppCtx {
    use_context::<AppCtx>().expect("the App component provides AppCtx")
}

/// The relay session (hello, readiness).
#[hook]
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_default()
}

/// Lab `name`'s address from `hello.labs`, else its standard port on loopback
/// (docs/architecture.md, "Lab servers").
#[hook]
pub fn use_lab(name: &'static str, standard_port: u16) -> (String, u16) {
    let session = use_session();
    session
        .hello
        .as_ref()
        .and_then(|h| h.labs.get(name))
        .map(|a| (a.host().to_owned(), a.port()))
        .unwrap_or_else(|| ("127.0.0.1".into(), standard_port))
}

/// A text field (input, textarea or select): its value and the handlers
/// that keep it (`oninput` for typing, `onchange` for a select).
#[derive(Clone, PartialEq)]
pub struct TextInput {
    pub value: String,
    pub oninput: Callback<InputEvent>,
    pub onchange: Callback<Event>,
}

impl TextInput {
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The value, or `default` while the field is empty.
    pub fn or(&self, default: impl ToString) -> String {
        if self.value.is_empty() {
            default.to_string()
        } else {
            self.value.clone()
        }
    }
}

/// A text field's state, starting at `initial`.
#[hook]
pub fn use_text_input<F>(initial: F) -> TextInput
where
    F: FnOnce() -> String,
{
    let value = use_state(initial);
    let setter = value.setter();
    let oninput = {
        let setter = setter.clone();
        use_callback((), move |e: InputEvent, _| setter.set(field_value(&e)))
    };
    let onchange = use_callback((), move |e: Event, _| setter.set(field_value(&e)));
    TextInput {
        value: (*value).clone(),
        oninput,
        onchange,
    }
}

/// The value of the input, textarea or select an event came from.
pub fn field_value(e: &Event) -> String {
    let Some(target) = e.target() else {
        return String::new();
    };
    if let Some(input) = target.dyn_ref::<web_sys::HtmlInputElement>() {
        input.value()
    } else if let Some(area) = target.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.value()
    } else if let Some(select) = target.dyn_ref::<web_sys::HtmlSelectElement>() {
        select.value()
    } else {
        String::new()
    }
}

/// Scrolls an element to its end (the newest lines).
pub fn scroll_to_end(node: &NodeRef) {
    if let Some(el) = node.cast::<web_sys::Element>() {
        el.set_scroll_top(el.scroll_height());
    }
}

/// A node ref for a log that scrolls to its end whenever `len` changes.
#[hook]
pub fn use_scroll_to_end(len: usize) -> NodeRef {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(len, move |_| scroll_to_end(&node));
    }
    node
}
