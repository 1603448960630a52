//! Creating a socket: `socket.socket(family, type)` with IPv4/IPv6 and TCP/UDP.

use crate::hooks::{use_app, use_session, use_text_input, TextInput};
use shared::{Family, Op, SockType};
use yew::prelude::*;

#[function_component(NewSocket)]
pub fn new_socket() -> Html {
    let ctx = use_app();
    let family = use_text_input(|| "AF_INET".to_owned());
    let kind = use_text_input(|| "SOCK_STREAM".to_owned());
    let disabled = !use_session().ready;
    let create = ctx.fire(Op::Socket {
        family: if family.value == "AF_INET6" {
            Family::AfInet6
        } else {
            Family::AfInet
        },
        kind: if kind.value == "SOCK_DGRAM" {
            SockType::Dgram
        } else {
            SockType::Stream
        },
        proto: 0,
    });
    let option = |input: &TextInput, value: &'static str, label: &'static str| {
        html! { <option {value} selected={input.value == value}>{label}</option> }
    };
    html! {
        <div class="new-socket">
            <code>{"socket.socket("}</code>
            <select aria-label="family" onchange={family.onchange.clone()}>
                {option(&family, "AF_INET", "AF_INET (IPv4)")}
                {option(&family, "AF_INET6", "AF_INET6 (IPv6)")}
            </select>
            <code>{", "}</code>
            <select aria-label="type" onchange={kind.onchange.clone()}>
                {option(&kind, "SOCK_STREAM", "SOCK_STREAM (TCP)")}
                {option(&kind, "SOCK_DGRAM", "SOCK_DGRAM (UDP)")}
            </select>
            <code>{")"}</code>
            <button class="primary" onclick={create} {disabled}>{"new socket"}</button>
        </div>
    }
}
