//! The actions a card can offer ([`Act`]), which of them make sense in a
//! socket's state ([`actions`]), and the button that fires one.

use super::Fire;
use crate::state::Sock;
use shared::{Op, SockState};
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

impl Act {
    /// The button's label: the Python method it calls.
    pub fn label(self) -> &'static str {
        match self {
            Act::Bind => "bind",
            Act::Listen => "listen",
            Act::Accept => "accept",
            Act::Connect => "connect",
            Act::ConnectEx => "connect_ex",
            Act::Send => "send",
            Act::Sendall => "sendall",
            Act::Sendto => "sendto",
            Act::Recv => "recv",
            Act::Recvfrom => "recvfrom",
            Act::Shutdown => "shutdown",
            Act::Getsockname => "getsockname",
            Act::Getpeername => "getpeername",
            Act::Options => "setsockopt",
            Act::Close => "close",
        }
    }
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

/// The button of `act` when the socket offers it (else nothing): a click
/// fires the op `make` builds from the card's fields.
pub fn act_button(
    acts: &[Act],
    act: Act,
    fire: &Fire,
    make: impl Fn() -> Result<Op, String> + 'static,
) -> Html {
    if !acts.contains(&act) {
        return html! {};
    }
    let label = act.label();
    let onclick = fire.reform(move |_: MouseEvent| make());
    html! { <button class={classes!("act", format!("act-{label}"))} {onclick}>{label}</button> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Action, State};
    use shared::{Event, EventFrame, OkBody, Outcome, SockType};

    fn sock(kind: SockType, state: SockState) -> Sock {
        let mut st = State::default();
        let op = Op::Socket {
            family: shared::Family::AfInet,
            kind,
            proto: 0,
        };
        st.apply(Action::Sent { id: 1, op });
        st.apply(Action::Replied {
            id: 1,
            outcome: Outcome::Ok(OkBody::Sock { sock: "s1".into() }),
        });
        st.apply(Action::Event(EventFrame {
            t: 0,
            event: Event::State {
                sock: "s1".into(),
                from: SockState::Closed,
                to: state,
            },
        }));
        Sock::clone(&st.socks["s1"])
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
