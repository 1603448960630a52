//! The rows of a card's actions, each with the fields it reads: the address
//! row (`bind`, `connect`, `connect_ex`), `listen` with its backlog, the data
//! row (`send`, `sendall`, `sendto`), `recv`/`recvfrom` with their bufsize,
//! and the control row (`shutdown`, `getsockname`, `getpeername`, `close`).

use super::act::{act_button, Act};
use super::{inputs, Fire};
use crate::components::data_entry::{DataEntry, Draft};
use crate::hooks::{use_text_input, TextInput};
use shared::{ConnectArgs, Data, Op, RecvArgs, SendArgs};
use std::rc::Rc;
use yew::prelude::*;

/// What every row gets: the socket, the actions it offers, how to fire one.
#[derive(Properties, PartialEq)]
pub struct RowProps {
    pub handle: AttrValue,
    pub acts: Rc<[Act]>,
    pub fire: Fire,
}

/// A row that also reads the card's host and port fields.
#[derive(Properties, PartialEq)]
pub struct AddrRowProps {
    pub handle: AttrValue,
    pub acts: Rc<[Act]>,
    pub fire: Fire,
    pub host: TextInput,
    pub port: TextInput,
}

/// What a button of socket `handle` fires: `op(sock, value)` once `read`
/// reads its field(s), else why it cannot.
fn with<T: 'static>(
    handle: &AttrValue,
    read: impl Fn() -> Result<T, String> + 'static,
    op: impl Fn(String, T) -> Op + 'static,
) -> impl Fn() -> Result<Op, String> + 'static {
    let sock = handle.to_string();
    move || Ok(op(sock.clone(), read()?))
}

#[function_component(AddressRow)]
pub fn address_row(p: &AddrRowProps) -> Html {
    let (host, port) = (p.host.value.clone(), p.port.value.clone());
    let addr = move || inputs::addr(&host, &port);
    let button = |act: Act, op: fn(String, shared::Addr) -> Op| {
        act_button(&p.acts, act, &p.fire, with(&p.handle, addr.clone(), op))
    };
    html! {
        <div class="row">
            <input aria-label="host" class="host" value={p.host.value.clone()} oninput={p.host.oninput.clone()} />
            <input aria-label="port" class="short" value={p.port.value.clone()} oninput={p.port.oninput.clone()} />
            {button(Act::Bind, |sock, addr| Op::Bind { sock, addr })}
            {button(Act::Connect, |sock, addr| Op::Connect(ConnectArgs { sock, addr }))}
            {button(Act::ConnectEx, |sock, addr| Op::ConnectEx(ConnectArgs { sock, addr }))}
        </div>
    }
}

#[function_component(ListenRow)]
pub fn listen_row(p: &RowProps) -> Html {
    let backlog = use_text_input(|| "5".to_owned());
    let text = backlog.value.clone();
    let listen = with(
        &p.handle,
        move || inputs::backlog(&text),
        |sock, backlog| Op::Listen { sock, backlog },
    );
    html! {
        <div class="row">
            <input aria-label="backlog" class="short" value={backlog.value.clone()} oninput={backlog.oninput.clone()} />
            {act_button(&p.acts, Act::Listen, &p.fire, listen)}
        </div>
    }
}

#[function_component(DataRow)]
pub fn data_row(p: &AddrRowProps) -> Html {
    let draft = use_state(|| Draft {
        text: "hello\\n".into(),
        hex: false,
    });
    let on_draft = {
        let draft = draft.setter();
        Callback::from(move |d: Draft| draft.set(d))
    };
    let data = {
        let draft = (*draft).clone();
        move || {
            draft
                .bytes()
                .map(|b| Data::from_bytes(b, Default::default()))
        }
    };
    let button = |act: Act, op: fn(String, Data) -> Op| {
        act_button(&p.acts, act, &p.fire, with(&p.handle, data.clone(), op))
    };
    let sendto = {
        let (host, port) = (p.host.value.clone(), p.port.value.clone());
        let data = data.clone();
        // Python evaluates the data before the address.
        let read = move || Ok((data()?, inputs::addr(&host, &port)?));
        with(&p.handle, read, |sock, (data, addr)| Op::Sendto {
            sock,
            data,
            addr,
        })
    };
    html! {
        <div class="row">
            <DataEntry draft={(*draft).clone()} on_change={on_draft} />
            {button(Act::Send, |sock, data| Op::Send(SendArgs { sock, data }))}
            {button(Act::Sendall, |sock, data| Op::Sendall(SendArgs { sock, data }))}
            {act_button(&p.acts, Act::Sendto, &p.fire, sendto)}
        </div>
    }
}

#[function_component(RecvRow)]
pub fn recv_row(p: &RowProps) -> Html {
    let bufsize = use_text_input(|| "1024".to_owned());
    let size = {
        let text = bufsize.value.clone();
        move || inputs::bufsize(&text)
    };
    let recv = with(&p.handle, size.clone(), |sock, bufsize| {
        Op::Recv(RecvArgs {
            sock,
            bufsize,
            flags: vec![],
            encoding: None,
        })
    });
    let recvfrom = with(&p.handle, size, |sock, bufsize| {
        Op::Recvfrom(RecvArgs {
            sock,
            bufsize,
            flags: vec![],
            encoding: None,
        })
    });
    html! {
        <div class="row">
            <input aria-label="bufsize" class="short" value={bufsize.value.clone()} oninput={bufsize.oninput.clone()} />
            {act_button(&p.acts, Act::Recv, &p.fire, recv)}
            {act_button(&p.acts, Act::Recvfrom, &p.fire, recvfrom)}
        </div>
    }
}

#[function_component(ControlRow)]
pub fn control_row(p: &RowProps) -> Html {
    let how = use_text_input(|| "SHUT_WR".to_owned());
    let no_field = || -> Result<(), String> { Ok(()) };
    let button = |act: Act, op: fn(String, ()) -> Op| {
        act_button(&p.acts, act, &p.fire, with(&p.handle, no_field, op))
    };
    let shutdown = {
        let value = how.value.clone();
        with(
            &p.handle,
            move || Ok(inputs::how(&value)),
            |sock, how| Op::Shutdown { sock, how },
        )
    };
    let option = |value: &'static str| html! { <option {value} selected={how.value == value}>{value}</option> };
    html! {
        <div class="row">
            if p.acts.contains(&Act::Shutdown) {
                <select aria-label="how" onchange={how.onchange.clone()}>
                    {option("SHUT_WR")}
                    {option("SHUT_RD")}
                    {option("SHUT_RDWR")}
                </select>
                {act_button(&p.acts, Act::Shutdown, &p.fire, shutdown)}
            }
            {button(Act::Getsockname, |sock, ()| Op::Getsockname { sock })}
            {button(Act::Getpeername, |sock, ()| Op::Getpeername { sock })}
            {button(Act::Close, |sock, ()| Op::Close { sock })}
        </div>
    }
}
