//! The calls waiting on a socket, each with a spinner and a cancel button
//! (which sends `cancel` for it).

use crate::hooks::use_app;
use shared::Op;
use yew::prelude::*;

/// One call waiting for its reply.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingCall {
    pub id: u64,
    /// The Python call, for display.
    pub python: AttrValue,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub calls: Vec<PendingCall>,
}

#[function_component(PendingCalls)]
pub fn pending_calls(props: &Props) -> Html {
    let ctx = use_app();
    let items: Html = props
        .calls
        .iter()
        .map(|c| {
            let cancel = ctx.fire(Op::Cancel { target: c.id });
            html! {
                <li class="pending-call">
                    <span class="spinner" aria-hidden="true"></span>
                    <code>{c.python.clone()}</code>
                    <button class="cancel" onclick={cancel} aria-label={format!("cancel {}", c.python)}>{"cancel"}</button>
                </li>
            }
        })
        .collect();
    html! { <ul class="pending">{items}</ul> }
}
