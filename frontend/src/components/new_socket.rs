//! Creating a socket: `socket.socket(family, type)` with IPv4/IPv6 and TCP/UDP.

use super::app::AppCtx;
use shared::{Family, Op, SockType};
use yew::prelude::*;

#[function_component(NewSocket)]
pub fn new_socket() -> Html {
    let ctx = use_context::<AppCtx>();
    let family = use_state(|| Family::AfInet);
    let kind = use_state(|| SockType::Stream);
    let Some(ctx) = ctx else { return html! {} };
    let create = {
        let (relay, family, kind) = (ctx.relay.clone(), *family, *kind);
        Callback::from(move |_| {
            relay.send(Op::Socket {
                family,
                kind,
                proto: 0,
            });
        })
    };
    let on_family = {
        let family = family.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            family.set(if v == "AF_INET6" {
                Family::AfInet6
            } else {
                Family::AfInet
            });
        })
    };
    let on_kind = {
        let kind = kind.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            kind.set(if v == "SOCK_DGRAM" {
                SockType::Dgram
            } else {
                SockType::Stream
            });
        })
    };
    let disabled = ctx.state.hello.is_none() || ctx.state.needs_token();
    html! {
        <div class="new-socket">
            <code>{"socket.socket("}</code>
            <select aria-label="family" onchange={on_family}>
                <option value="AF_INET" selected={*family == Family::AfInet}>{"AF_INET (IPv4)"}</option>
                <option value="AF_INET6" selected={*family == Family::AfInet6}>{"AF_INET6 (IPv6)"}</option>
            </select>
            <code>{", "}</code>
            <select aria-label="type" onchange={on_kind}>
                <option value="SOCK_STREAM" selected={*kind == SockType::Stream}>{"SOCK_STREAM (TCP)"}</option>
                <option value="SOCK_DGRAM" selected={*kind == SockType::Dgram}>{"SOCK_DGRAM (UDP)"}</option>
            </select>
            <code>{")"}</code>
            <button class="primary" onclick={create} {disabled}>{"new socket"}</button>
        </div>
    }
}
