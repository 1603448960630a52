//! One socket as a card: its head (handle, state badge, addresses, mode), the
//! rows of the actions that make sense in the socket's state ([`actions`]),
//! the options, the problem or error of the last click, the pending calls
//! (with cancel) and the received bytes. A socket that the last `select`
//! found ready is highlighted.
//!
//! The card gets its socket and its pending calls as props and reads no state
//! context: it renders again only when they change. The host and port fields
//! belong to the card (`bind`/`connect` and `sendto` use them); every other
//! field belongs to the row that shows it (`rows.rs`, `options.rs`).

mod act;
mod head;
mod inputs;
mod kernel_line;
mod options;
mod pending;
mod rows;

pub use act::{actions, Act};
pub use pending::PendingCall;

use super::error_line::{ErrorLine, Props as ErrorLineProps};
use super::received::Received;
use crate::hooks::{use_app, use_lab, use_text_input};
use crate::state::Sock;
use act::act_button;
use head::CardHead;
use options::OptionsPanel;
use pending::PendingCalls;
use rows::{AddressRow, ControlRow, DataRow, ListenRow, RecvRow};
use shared::{Family, Op};
use std::rc::Rc;
use yew::prelude::*;

/// Sends the op a button built, or shows why it could not be built.
pub type Fire = Callback<Result<Op, String>>;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub sock: Rc<Sock>,
    /// The calls waiting on this socket, oldest first.
    pub pending: Vec<PendingCall>,
}

#[function_component(SocketCard)]
pub fn socket_card(props: &Props) -> Html {
    let s = &props.sock;
    let v6 = s.family == Family::AfInet6;
    // A new card starts at the TCP echo lab, so the first exercise needs no typing.
    let (echo_host, echo_port) = use_lab("tcp_echo", 20007);
    let host = use_text_input(move || if v6 { "::1".to_owned() } else { echo_host });
    let port = use_text_input(move || echo_port.to_string());
    let problem = use_state(|| None::<String>);
    let ctx = use_app();
    let fire: Fire = {
        let problem = problem.setter();
        use_callback((), move |built: Result<Op, String>, _| match built {
            Ok(op) => {
                problem.set(None);
                ctx.send(op);
            }
            Err(e) => problem.set(Some(e)),
        })
    };
    let acts: Rc<[Act]> = actions(s).into();
    let has = |a: Act| acts.contains(&a);
    let handle = AttrValue::from(s.handle.clone());
    let accept = {
        let sock = s.handle.clone();
        act_button(&acts, Act::Accept, &fire, move || {
            Ok(Op::Accept { sock: sock.clone() })
        })
    };
    html! {
        <article class={classes!("card", s.released.then_some("released"), s.ready.is_some().then_some("ready"))}
            data-sock={handle.clone()} data-state={s.state.as_str()} aria-label={format!("socket {handle}")}>
            <CardHead sock={s.clone()} />
            if has(Act::Bind) || has(Act::Connect) || has(Act::Sendto) {
                <AddressRow handle={handle.clone()} acts={acts.clone()} host={host.clone()} port={port.clone()} fire={fire.clone()} />
            }
            if has(Act::Listen) {
                <ListenRow handle={handle.clone()} acts={acts.clone()} fire={fire.clone()} />
            }
            if has(Act::Accept) {
                <div class="row">{accept}</div>
            }
            if has(Act::Send) || has(Act::Sendall) || has(Act::Sendto) {
                <DataRow handle={handle.clone()} acts={acts.clone()} host={host.clone()} port={port.clone()} fire={fire.clone()} />
            }
            if has(Act::Recv) || has(Act::Recvfrom) {
                <RecvRow handle={handle.clone()} acts={acts.clone()} fire={fire.clone()} />
            }
            <ControlRow handle={handle.clone()} acts={acts.clone()} fire={fire.clone()} />
            if has(Act::Options) {
                <OptionsPanel handle={handle.clone()} mode={s.mode} acts={acts.clone()} fire={fire.clone()} />
            }
            if let Some(p) = (*problem).clone() { <p class="hint-err">{p}</p> }
            if let Some(e) = &s.last_error { <ErrorLine testid="error" ..ErrorLineProps::of(e) /> }
            <PendingCalls calls={props.pending.clone()} />
            <Received chunks={s.received.clone()} />
        </article>
    }
}
