//! What the relay said in `hello`: its version, the lab servers the learner may
//! use, the limits and the policy — so nobody has to guess what is reachable.

use crate::hooks::use_session;
use crate::state::Conn;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub conn: Option<Conn>,
}

#[function_component(HelloPanel)]
pub fn hello_panel(props: &Props) -> Html {
    let hello = use_session().hello;
    let status = match (&props.conn, &hello) {
        (Some(Conn::Open), Some(_)) => ("connected", "status-ok"),
        (Some(Conn::Open), None) => ("waiting for hello…", "status-wait"),
        (Some(Conn::Lost { .. }), _) => ("disconnected", "status-bad"),
        _ => ("connecting…", "status-wait"),
    };
    let Some(hello) = hello else {
        return html! { <span class={classes!("status", status.1)}>{status.0}</span> };
    };
    let labs: Html = hello
        .labs
        .iter()
        .map(|(name, a)| html! { <li><code>{name}</code>{" "}{format!("{}:{}", a.host(), a.port())}</li> })
        .collect();
    let l = &hello.limits;
    let rules = |v: &Vec<String>| {
        if v.is_empty() {
            "loopback only (default)".to_owned()
        } else {
            v.join(", ")
        }
    };
    html! {
        <details class="hello">
            <summary>
                <span class={classes!("status", status.1)}>{status.0}</span>
                {format!(" {} {} · session {} · labs: ", hello.relay.name, hello.relay.version, hello.session)}
                {hello.labs.keys().cloned().collect::<Vec<_>>().join(", ")}
            </summary>
            <div class="hello-body">
                <div>
                    <h3>{"Lab servers"}</h3>
                    <ul class="labs">{labs}</ul>
                </div>
                <div>
                    <h3>{"Policy"}</h3>
                    <p>{"connect: "}{rules(&hello.policy.connect)}</p>
                    <p>{"bind: "}{rules(&hello.policy.bind)}</p>
                    if hello.policy.auth_required { <p>{"a token is required"}</p> }
                </div>
                <div>
                    <h3>{"Limits"}</h3>
                    <p>{format!("{} handles, {} pending requests, {} B per message", l.max_handles, l.max_pending, l.max_message_bytes)}</p>
                    <p>{format!("{} B receive buffer per socket, idle timeout {} s", l.recv_buffer_bytes, l.idle_timeout_secs)}</p>
                </div>
            </div>
        </details>
    }
}
