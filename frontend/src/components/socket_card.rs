//! One socket as a card: handle, state badge, addresses, mode, the pending
//! calls (with cancel), the received bytes, and exactly the actions that make
//! sense in the socket's state ([`actions`]).

use super::app::AppCtx;
use super::data_entry::{DataEntry, Draft};
use super::received::Received;
use crate::state::{Mode, Sock};
use shared::request::OptValue;
use shared::{Addr, ConnectArgs, Data, How, Op, OptLevel, OptName, RecvArgs, SendArgs, SockState};
use yew::prelude::*;

/// Every action a card can offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    Bind,
    Listen,
    Accept,
    Connect,
    ConnectEx,
    Send,
    Sendall,
    Sendto,
    Recv,
    Recvfrom,
    Shutdown,
    Getsockname,
    Getpeername,
    Options,
    Close,
}

/// The actions that make sense for `s` in its state (Python would raise for
/// most of the others; the learner can still reach those errors via select or
/// by racing, but the card doesn't offer them).
pub fn actions(s: &Sock) -> Vec<Act> {
    use Act::*;
    if s.released {
        return vec![];
    }
    let st = s.state;
    if s.is_tcp() {
        match st {
            SockState::Closed if s.closed.is_some() => vec![Getsockname, Close],
            SockState::Closed => vec![Bind, Listen, Connect, ConnectEx, Options, Close],
            SockState::Bound => vec![Listen, Connect, ConnectEx, Getsockname, Options, Close],
            SockState::Listen => vec![Accept, Getsockname, Options, Close],
            SockState::SynSent => vec![Getsockname, Close],
            SockState::Established => vec![
                Send,
                Sendall,
                Recv,
                Shutdown,
                Getsockname,
                Getpeername,
                Options,
                Close,
            ],
            SockState::CloseWait => vec![Send, Sendall, Recv, Shutdown, Getpeername, Close],
            SockState::FinWait => vec![Recv, Getpeername, Close],
        }
    } else {
        match st {
            SockState::Closed => vec![Bind, Connect, Sendto, Options, Close],
            SockState::Bound => vec![Sendto, Recvfrom, Connect, Getsockname, Options, Close],
            _ => vec![
                Send,
                Recv,
                Sendto,
                Recvfrom,
                Getsockname,
                Getpeername,
                Options,
                Close,
            ],
        }
    }
}

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

fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

fn on_text(h: &UseStateHandle<String>) -> Callback<InputEvent> {
    let h = h.clone();
    Callback::from(move |e: InputEvent| h.set(input_value(&e)))
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub handle: AttrValue,
}

#[function_component(SocketCard)]
pub fn socket_card(props: &Props) -> Html {
    let ctx = use_context::<AppCtx>();
    let v6 = ctx.as_ref().is_some_and(|c| {
        c.state
            .socks
            .get(props.handle.as_str())
            .is_some_and(|s| s.family == shared::Family::AfInet6)
    });
    let host = use_state(move || if v6 { "::1" } else { "127.0.0.1" }.to_owned());
    let port = use_state(|| "20007".to_owned());
    let draft = use_state(|| Draft {
        text: "hello\\n".into(),
        hex: false,
    });
    let bufsize = use_state(|| "1024".to_owned());
    let backlog = use_state(|| "5".to_owned());
    let timeout = use_state(String::new);
    let how = use_state(|| How::ShutWr);
    let opt = use_state(|| OptName::SoReuseaddr);
    let problem = use_state(|| None::<String>);
    let Some(ctx) = ctx else { return html! {} };
    let Some(s) = ctx.state.socks.get(props.handle.as_str()).cloned() else {
        return html! {};
    };
    let h = s.handle.clone();
    let acts = actions(&s);
    let has = |a: Act| acts.contains(&a);

    // Builds the op for a button from the card's inputs, or explains the problem.
    let make = {
        let (host, port, draft, bufsize, backlog, how, opt) = (
            (*host).clone(),
            (*port).clone(),
            (*draft).clone(),
            (*bufsize).clone(),
            (*backlog).clone(),
            *how,
            *opt,
        );
        let h = h.clone();
        move |act: Act| -> Result<Op, String> {
            let sock = h.clone();
            let addr = || -> Result<Addr, String> {
                let p: u16 = port
                    .trim()
                    .parse()
                    .map_err(|_| format!("port must be 0–65535, got `{port}`"))?;
                Ok(Addr::new(host.trim(), p))
            };
            let data = || {
                draft
                    .bytes()
                    .map(|b| Data::from_bytes(b, Default::default()))
            };
            let size = || -> Result<usize, String> {
                bufsize
                    .trim()
                    .parse()
                    .map_err(|_| format!("bufsize must be a positive number, got `{bufsize}`"))
            };
            Ok(match act {
                Act::Bind => Op::Bind {
                    sock,
                    addr: addr()?,
                },
                Act::Connect => Op::Connect(ConnectArgs {
                    sock,
                    addr: addr()?,
                }),
                Act::ConnectEx => Op::ConnectEx(ConnectArgs {
                    sock,
                    addr: addr()?,
                }),
                Act::Listen => Op::Listen {
                    sock,
                    backlog: match backlog.trim() {
                        "" => None,
                        b => Some(
                            b.parse()
                                .map_err(|_| format!("backlog must be a number, got `{b}`"))?,
                        ),
                    },
                },
                Act::Accept => Op::Accept { sock },
                Act::Send => Op::Send(SendArgs {
                    sock,
                    data: data()?,
                }),
                Act::Sendall => Op::Sendall(SendArgs {
                    sock,
                    data: data()?,
                }),
                Act::Sendto => Op::Sendto {
                    sock,
                    data: data()?,
                    addr: addr()?,
                },
                Act::Recv => Op::Recv(RecvArgs {
                    sock,
                    bufsize: size()?,
                    flags: vec![],
                    encoding: None,
                }),
                Act::Recvfrom => Op::Recvfrom(RecvArgs {
                    sock,
                    bufsize: size()?,
                    flags: vec![],
                    encoding: None,
                }),
                Act::Shutdown => Op::Shutdown { sock, how },
                Act::Getsockname => Op::Getsockname { sock },
                Act::Getpeername => Op::Getpeername { sock },
                Act::Close => Op::Close { sock },
                Act::Options => Op::Setsockopt {
                    sock,
                    level: if opt == OptName::TcpNodelay {
                        OptLevel::IpprotoTcp
                    } else {
                        OptLevel::SolSocket
                    },
                    name: opt,
                    value: OptValue::Int(1),
                },
            })
        }
    };
    let button = |act: Act, label: &'static str| -> Html {
        if !has(act) {
            return html! {};
        }
        let (relay, make, problem) = (ctx.relay.clone(), make.clone(), problem.clone());
        let onclick = Callback::from(move |_| match make(act) {
            Ok(op) => {
                problem.set(None);
                relay.send(op);
            }
            Err(e) => problem.set(Some(e)),
        });
        html! { <button class={classes!("act", format!("act-{label}"))} {onclick}>{label}</button> }
    };
    let send_op = |op: Op| {
        let relay = ctx.relay.clone();
        Callback::from(move |_| {
            relay.send(op.clone());
        })
    };

    let pending: Html = ctx
        .state
        .pending_on(&h)
        .map(|(id, p)| {
            let cancel = send_op(Op::Cancel { target: *id });
            html! {
                <li class="pending-call">
                    <span class="spinner" aria-hidden="true"></span>
                    <code>{p.python.clone()}</code>
                    <button class="cancel" onclick={cancel} aria-label={format!("cancel {}", p.python)}>{"cancel"}</button>
                </li>
            }
        })
        .collect();

    let addr_line = |label: &str, a: &Option<Addr>| match a {
        Some(a) => {
            html! { <span class="addr">{format!("{label} {}:{}", a.host(), a.port())}</span> }
        }
        None => html! {},
    };
    let kind = format!(
        "{} {}",
        if s.is_tcp() { "TCP" } else { "UDP" },
        match s.family {
            shared::Family::AfInet6 => "IPv6",
            _ => "IPv4",
        }
    );
    let state_label = if s.released {
        "CLOSED (closed)".to_owned()
    } else {
        s.state.as_str().to_owned()
    };
    let wants_addr = has(Act::Bind) || has(Act::Connect) || has(Act::Sendto);
    let wants_data = has(Act::Send) || has(Act::Sendall) || has(Act::Sendto);
    let wants_size = has(Act::Recv) || has(Act::Recvfrom);

    let mode_controls = if has(Act::Options) {
        let set_timeout = {
            let (relay, h, timeout, problem) = (
                ctx.relay.clone(),
                h.clone(),
                timeout.clone(),
                problem.clone(),
            );
            Callback::from(move |_| {
                let t = timeout.trim();
                let value = if t.is_empty() || t == "None" {
                    Ok(None)
                } else {
                    t.parse::<f64>()
                        .map(Some)
                        .map_err(|_| format!("timeout must be seconds or empty (None), got `{t}`"))
                };
                match value {
                    Ok(timeout) => {
                        problem.set(None);
                        relay.send(Op::Settimeout {
                            sock: h.clone(),
                            timeout,
                        });
                    }
                    Err(e) => problem.set(Some(e)),
                }
            })
        };
        let blocking = !matches!(s.mode, Mode::NonBlocking);
        let toggle = send_op(Op::Setblocking {
            sock: h.clone(),
            flag: !blocking,
        });
        let on_opt = {
            let opt = opt.clone();
            Callback::from(move |e: Event| {
                let v = e
                    .target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value();
                opt.set(match v.as_str() {
                    "SO_KEEPALIVE" => OptName::SoKeepalive,
                    "SO_BROADCAST" => OptName::SoBroadcast,
                    "TCP_NODELAY" => OptName::TcpNodelay,
                    _ => OptName::SoReuseaddr,
                });
            })
        };
        html! {
            <details class="options">
                <summary>{"options: "}{s.mode.label()}</summary>
                <div class="row">
                <button class="act" onclick={toggle}>
                    {format!("setblocking({})", if blocking { "False" } else { "True" })}
                </button>
                <input aria-label="timeout" class="short" placeholder="None"
                    value={(*timeout).clone()} oninput={on_text(&timeout)} />
                <button class="act" onclick={set_timeout}>{"settimeout"}</button>
                <select aria-label="option" onchange={on_opt}>
                    <option value="SO_REUSEADDR">{"SO_REUSEADDR"}</option>
                    <option value="SO_KEEPALIVE">{"SO_KEEPALIVE"}</option>
                    <option value="SO_BROADCAST">{"SO_BROADCAST"}</option>
                    <option value="TCP_NODELAY">{"TCP_NODELAY"}</option>
                </select>
                {button(Act::Options, "setsockopt")}
                </div>
            </details>
        }
    } else {
        html! {}
    };

    let on_how = {
        let how = how.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            how.set(match v.as_str() {
                "SHUT_RD" => How::ShutRd,
                "SHUT_RDWR" => How::ShutRdwr,
                _ => How::ShutWr,
            });
        })
    };
    let on_draft = {
        let draft = draft.clone();
        Callback::from(move |d: Draft| draft.set(d))
    };

    html! {
        <article class={classes!("card", s.released.then_some("released"))}
            data-sock={h.clone()} data-state={s.state.as_str()} aria-label={format!("socket {h}")}>
            <header class="card-head">
                <code class="handle">{h.clone()}</code>
                <span class={badge_class(&s)} data-testid="state">{state_label}</span>
                <span class="kind">{kind}</span>
                <span class="mode">{s.mode.label()}</span>
                if let Some(p) = &s.parent { <span class="parent">{format!("accepted by {p}")}</span> }
                if s.queued > 0 { <span class="queued">{format!("{} waiting in accept queue", s.queued)}</span> }
            </header>
            <div class="addrs">
                {addr_line("local", &s.local)}
                {addr_line("peer", &s.peer)}
            </div>
            if wants_addr {
                <div class="row">
                    <input aria-label="host" class="host" value={(*host).clone()} oninput={on_text(&host)} />
                    <input aria-label="port" class="short" value={(*port).clone()} oninput={on_text(&port)} />
                    {button(Act::Bind, "bind")}
                    {button(Act::Connect, "connect")}
                    {button(Act::ConnectEx, "connect_ex")}
                </div>
            }
            if has(Act::Listen) {
                <div class="row">
                    <input aria-label="backlog" class="short" value={(*backlog).clone()} oninput={on_text(&backlog)} />
                    {button(Act::Listen, "listen")}
                </div>
            }
            if has(Act::Accept) {
                <div class="row">{button(Act::Accept, "accept")}</div>
            }
            if wants_data {
                <div class="row">
                    <DataEntry draft={(*draft).clone()} on_change={on_draft} />
                    {button(Act::Send, "send")}
                    {button(Act::Sendall, "sendall")}
                    {button(Act::Sendto, "sendto")}
                </div>
            }
            if wants_size {
                <div class="row">
                    <input aria-label="bufsize" class="short" value={(*bufsize).clone()} oninput={on_text(&bufsize)} />
                    {button(Act::Recv, "recv")}
                    {button(Act::Recvfrom, "recvfrom")}
                </div>
            }
            <div class="row">
                if has(Act::Shutdown) {
                    <select aria-label="how" onchange={on_how}>
                        <option value="SHUT_WR" selected={*how == How::ShutWr}>{"SHUT_WR"}</option>
                        <option value="SHUT_RD" selected={*how == How::ShutRd}>{"SHUT_RD"}</option>
                        <option value="SHUT_RDWR" selected={*how == How::ShutRdwr}>{"SHUT_RDWR"}</option>
                    </select>
                    {button(Act::Shutdown, "shutdown")}
                }
                {button(Act::Getsockname, "getsockname")}
                {button(Act::Getpeername, "getpeername")}
                {button(Act::Close, "close")}
            </div>
            {mode_controls}
            if let Some(p) = (*problem).clone() { <p class="hint-err">{p}</p> }
            if let Some(e) = s.last_error.clone() { <p class="py-err" data-testid="error">{e}</p> }
            <ul class="pending">{pending}</ul>
            <Received chunks={s.received.clone()} />
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;
    use shared::{Event, EventFrame, OkBody, Outcome, SockType};

    fn sock(kind: SockType, state: SockState) -> Sock {
        let mut st = State::default();
        let op = Op::Socket {
            family: shared::Family::AfInet,
            kind,
            proto: 0,
        };
        st.apply(crate::state::Action::Sent { id: 1, op });
        st.apply(crate::state::Action::Replied {
            id: 1,
            outcome: Outcome::Ok(OkBody::Sock { sock: "s1".into() }),
        });
        st.apply(crate::state::Action::Event(EventFrame {
            t: 0,
            event: Event::State {
                sock: "s1".into(),
                from: SockState::Closed,
                to: state,
            },
        }));
        st.socks["s1"].clone()
    }

    #[test]
    fn actions_follow_the_state() {
        let listen = actions(&sock(SockType::Stream, SockState::Listen));
        assert!(listen.contains(&Act::Accept));
        assert!(!listen.contains(&Act::Send));
        let est = actions(&sock(SockType::Stream, SockState::Established));
        assert!(est.contains(&Act::Recv) && est.contains(&Act::Sendall));
        assert!(!est.contains(&Act::Bind) && !est.contains(&Act::Accept));
        let fresh = actions(&sock(SockType::Stream, SockState::Closed));
        assert!(fresh.contains(&Act::Bind) && fresh.contains(&Act::Connect));
        let udp = actions(&sock(SockType::Dgram, SockState::Bound));
        assert!(udp.contains(&Act::Recvfrom) && udp.contains(&Act::Sendto));
        assert!(!udp.contains(&Act::Listen));
        let mut closed = sock(SockType::Stream, SockState::Established);
        closed.released = true;
        assert!(actions(&closed).is_empty());
    }
}
