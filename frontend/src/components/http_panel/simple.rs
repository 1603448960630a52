//! The HTTP panel's simple mode: method, URL, headers and body; Send reuses
//! the idle connection to the same server (else opens one) and runs
//! `request`, `getresponse` and `read`, stopping at the first error.

use super::method_select;
use crate::hooks::{field_value, use_app, use_lab, use_session, use_text_input, AppCtx, TextInput};
use crate::panel_io::split_url;
use crate::state::http::{HttpState, Phase};
use shared::{Data, OkBody, Op, Outcome};
use std::rc::Rc;
use yew::prelude::*;

type Headers = Vec<(String, String)>;

/// The simple mode's fields (the panel keeps them across mode switches).
#[derive(Clone, PartialEq)]
pub struct Fields {
    url: TextInput,
    headers: UseStateHandle<Headers>,
    body: TextInput,
}

#[hook]
pub fn use_fields() -> Fields {
    Fields {
        url: use_text_input(String::new),
        headers: use_state(Headers::new),
        body: use_text_input(String::new),
    }
}

/// The connection Send may reuse: idle, for the same server, its response read.
fn reusable(http: &HttpState, host: &str, port: u16) -> Option<String> {
    http.conn.clone().filter(|_| {
        http.target
            .as_ref()
            .is_some_and(|(h, p)| h == host && *p == port)
            && http.phase == Phase::Idle
            && http.response.as_ref().is_none_or(|r| r.complete)
    })
}

/// What Send does, read from the form when it was rendered.
#[derive(Clone)]
struct Send {
    /// An idle connection to the same server, or how to open one.
    reuse: Option<String>,
    open: Op,
    method: String,
    path: String,
    body: Option<Data>,
    headers: Headers,
}

/// Send: open (or reuse) a connection, then request, getresponse, read —
/// stopping at the first error (Python would raise there).
async fn send(ctx: AppCtx, s: Send) {
    let conn = match s.reuse {
        Some(c) => c,
        None => match ctx.call(s.open).await {
            Outcome::Ok(OkBody::Conn { conn }) => conn,
            _ => return,
        },
    };
    let steps = [
        Op::HttpRequest {
            conn: conn.clone(),
            method: s.method,
            url: s.path,
            body: s.body,
            headers: s.headers,
        },
        Op::HttpGetresponse { conn: conn.clone() },
        Op::HttpRead {
            conn,
            amt: None,
            encoding: None,
        },
    ];
    for op in steps {
        if let Outcome::Err(_) = ctx.call(op).await {
            return;
        }
    }
}

fn header_rows(headers: &UseStateHandle<Headers>) -> Html {
    headers
        .iter()
        .enumerate()
        .map(|(i, (n, v))| {
            let set = |col: usize| {
                let headers = headers.clone();
                Callback::from(move |e: InputEvent| {
                    let mut h = (*headers).clone();
                    if let Some(row) = h.get_mut(i) {
                        if col == 0 {
                            row.0 = field_value(&e);
                        } else {
                            row.1 = field_value(&e);
                        }
                    }
                    headers.set(h);
                })
            };
            let remove = {
                let headers = headers.clone();
                Callback::from(move |_| {
                    let mut h = (*headers).clone();
                    if i < h.len() {
                        h.remove(i);
                    }
                    headers.set(h);
                })
            };
            html! {
                <tr>
                    <td><input aria-label={format!("header name {}", i + 1)} value={n.clone()} oninput={set(0)} /></td>
                    <td><input aria-label={format!("header value {}", i + 1)} value={v.clone()} oninput={set(1)} /></td>
                    <td><button onclick={remove} title="remove this header">{"×"}</button></td>
                </tr>
            }
        })
        .collect()
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub http: Rc<HttpState>,
    pub method: TextInput,
    pub fields: Fields,
}

#[function_component(SimpleForm)]
pub fn simple_form(props: &Props) -> Html {
    let ctx = use_app();
    let ready = use_session().ready;
    let (lab_host, lab_port) = use_lab("http", 20080);
    let Fields { url, headers, body } = &props.fields;
    let url_value = url.or(format!("http://{lab_host}:{lab_port}/get"));
    let target = split_url(&url_value);
    let on_send = match &target {
        Ok((host, port, tls, path)) => {
            let send_it = Send {
                reuse: reusable(&props.http, host, *port),
                open: Op::HttpOpen {
                    host: host.clone(),
                    port: Some(*port),
                    timeout: Some(10.0),
                    tls: *tls,
                },
                method: props.method.value.clone(),
                path: path.clone(),
                body: (!body.is_empty()).then(|| Data::text(body.value.clone())),
                headers: headers
                    .iter()
                    .filter(|(n, _)| !n.trim().is_empty())
                    .cloned()
                    .collect(),
            };
            ctx.on_click(move |ctx| send(ctx, send_it.clone()))
        }
        Err(_) => Callback::noop(),
    };
    let add_header = {
        let headers = headers.clone();
        Callback::from(move |_| {
            let mut h = (*headers).clone();
            h.push((String::new(), String::new()));
            headers.set(h);
        })
    };
    let url_error = target.err();
    html! {
        <div class="http-simple">
            <div class="row">
                {method_select("method", &props.method)}
                <input class="url" aria-label="url" value={url_value} oninput={url.oninput.clone()} />
                <button onclick={on_send} disabled={!ready || props.http.busy() || url_error.is_some()}>{"Send"}</button>
            </div>
            { for url_error.map(|e| html! { <div class="hint error">{e}</div> }) }
            <table class="header-table">
                <thead><tr><th>{"header"}</th><th>{"value"}</th><th></th></tr></thead>
                <tbody>{header_rows(headers)}</tbody>
            </table>
            <button onclick={add_header}>{"add header"}</button>
            <textarea aria-label="body" placeholder="request body (sent as UTF-8)" value={body.value.clone()} oninput={body.oninput.clone()} />
        </div>
    }
}
