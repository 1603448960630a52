//! A card's head: handle, state badge, kind, mode, where it was accepted
//! from, its accept queue, its local and peer addresses, the kernel's own
//! state, what the last `select` found and the last call with its result.

use super::kernel_line::KernelStatus;
use crate::state::Sock;
use shared::{Addr, Family, SockState};
use std::rc::Rc;
use yew::prelude::*;

fn badge_class(s: &Sock) -> &'static str {
    match s.state {
        _ if s.released => "badge st-released",
        SockState::Closed => "badge st-closed",
        SockState::Bound => "badge st-bound",
        SockState::Listen => "badge st-listen",
        SockState::SynSent => "badge st-synsent",
        SockState::Established => "badge st-established",
        SockState::CloseWait | SockState::FinWait => "badge st-closing",
    }
}

fn addr_line(label: &str, a: &Option<Addr>) -> Html {
    match a {
        Some(a) => {
            html! { <span class="addr">{format!("{label} {}:{}", a.host(), a.port())}</span> }
        }
        None => html! {},
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sock: Rc<Sock>,
}

#[function_component(CardHead)]
pub fn card_head(props: &Props) -> Html {
    let s = &props.sock;
    let kind = format!(
        "{} {}",
        if s.is_tcp() { "TCP" } else { "UDP" },
        match s.family {
            Family::AfInet6 => "IPv6",
            _ => "IPv4",
        }
    );
    let state_label = s.state_word();
    html! {
        <>
            <header class="card-head">
                <code class="handle">{s.handle.clone()}</code>
                <span class={badge_class(s)} data-testid="state">{state_label}</span>
                <span class="kind">{kind}</span>
                <span class="mode">{s.mode.label()}</span>
                if let Some(p) = &s.parent { <span class="parent">{format!("accepted by {p}")}</span> }
                if s.queued > 0 { <span class="queued">{format!("{} waiting in accept queue", s.queued)}</span> }
            </header>
            <div class="addrs">
                {addr_line("local", &s.local)}
                {addr_line("peer", &s.peer)}
                if s.peer.is_none() { {addr_line("last sendto", &s.sent_to)} }
            </div>
            if let Some(k) = &s.kernel { <KernelStatus line={k.clone()} /> }
            if let Some(r) = &s.ready { <p class="ready-line" data-testid="ready">{r.clone()}</p> }
            if let Some(c) = &s.last_call {
                <p class="last-call" data-testid="last-call" title={c.clone()}>{format!("last call: {c}")}</p>
            }
        </>
    }
}
