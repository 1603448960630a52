//! The HTTP panel: `http.client` in a simple mode (method, URL, headers, body,
//! Send = `HTTPConnection` + `request` + `getresponse` + `read`) and a step mode
//! (one button per call, enabled only when http.client's state machine allows
//! it); the raw wire bytes beside the parsed response, a timing per call and
//! the Python lines. State lives in `state/http.rs`; this file only renders it
//! and sends requests through the relay service.

use super::app::AppCtx;
use crate::bytes::hexdump;
use crate::panel_io::{request, split_url, visible};
use crate::python::PyEntry;
use crate::state::http::{HttpAction, HttpState};
use crate::state::Action;
use shared::{Data, Dir, OkBody, Op, Outcome};
use yew::prelude::*;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Simple,
    Step,
}

#[derive(Clone, Copy, PartialEq)]
enum BodyView {
    Text,
    Hex,
    Json,
}

/// The HTTP lab's address from `hello.labs`, else the standard port
/// (docs/architecture.md, "Lab servers").
fn lab(ctx: &AppCtx) -> (String, u16) {
    ctx.state
        .hello
        .as_ref()
        .and_then(|h| h.labs.get("http"))
        .map(|a| (a.host().to_owned(), a.port()))
        .unwrap_or_else(|| ("127.0.0.1".into(), 20080))
}

fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

fn text_setter(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(input_value(&e)))
}

fn area_setter(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| {
        state.set(
            e.target_unchecked_into::<web_sys::HtmlTextAreaElement>()
                .value(),
        )
    })
}

fn timed(ctx: &AppCtx) -> impl Fn(u64, f64) + Clone {
    let dispatcher = ctx.state.dispatcher();
    move |id, ms| dispatcher.dispatch(Action::Http(HttpAction::Timed { id, ms }))
}

/// Performs one call and reports its timing; returns the outcome.
async fn call(ctx: &AppCtx, op: Op) -> Outcome {
    let t = timed(ctx);
    request(ctx, op, t).await
}

/// Simple mode's Send: reuse the connection when it is idle and for the same
/// server, else open one; then request, getresponse, read — stopping at the
/// first error (Python would raise there).
async fn send_simple(
    ctx: AppCtx,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
) {
    let Ok((host, port, tls, path)) = split_url(&url) else {
        return;
    };
    let http: &HttpState = &ctx.state.http;
    let reusable = http.conn.clone().filter(|_| {
        http.target.as_ref() == Some(&(host.clone(), port))
            && http.phase == crate::state::http::Phase::Idle
            && http.response.as_ref().is_none_or(|r| r.complete)
    });
    let conn = match reusable {
        Some(c) => c,
        None => match call(
            &ctx,
            Op::HttpOpen {
                host,
                port: Some(port),
                timeout: Some(10.0),
                tls,
            },
        )
        .await
        {
            Outcome::Ok(OkBody::Conn { conn }) => conn,
            _ => return,
        },
    };
    let body = (!body.is_empty()).then(|| Data::text(body));
    let steps = [
        Op::HttpRequest {
            conn: conn.clone(),
            method,
            url: path,
            body,
            headers: headers
                .into_iter()
                .filter(|(n, _)| !n.trim().is_empty())
                .collect(),
        },
        Op::HttpGetresponse { conn: conn.clone() },
        Op::HttpRead {
            conn,
            amt: None,
            encoding: None,
        },
    ];
    for op in steps {
        if let Outcome::Err(_) = call(&ctx, op).await {
            return;
        }
    }
}

/// Scrolls an element to its end (the newest lines).
pub fn scroll_to_end(node: &NodeRef) {
    if let Some(el) = node.cast::<web_sys::Element>() {
        el.set_scroll_top(el.scroll_height());
    }
}

/// Renders transcript entries as Python lines with their output.
pub fn py_lines(entries: &[PyEntry]) -> Html {
    entries
        .iter()
        .map(|e| {
            let skipped = e.skipped.is_some();
            let code: Html = e
                .code
                .iter()
                .map(|l| {
                    let line = if skipped { format!("# {l}") } else { l.clone() };
                    html! { <div class="py-code">{line}</div> }
                })
                .collect();
            let out: Html = e
                .output
                .iter()
                .map(|l| html! { <div class="py-out">{l}</div> })
                .collect();
            let note = e
                .note
                .as_ref()
                .map(|n| html! { <div class="py-note">{format!("# {n}")}</div> });
            let err = e
                .error
                .as_ref()
                .or(e.skipped.as_ref())
                .map(|x| html! { <div class="py-err">{x}</div> });
            html! { <div class="py-entry">{code}{note}{out}{err}</div> }
        })
        .collect()
}

#[function_component(HttpPanel)]
pub fn http_panel() -> Html {
    let ctx = use_context::<AppCtx>();
    let mode = use_state(|| Mode::Simple);
    let method = use_state(|| "GET".to_owned());
    let url = use_state(String::new);
    let headers = use_state(Vec::<(String, String)>::new);
    let body = use_state(String::new);
    let path = use_state(|| "/get".to_owned());
    let header_name = use_state(|| "X-Demo".to_owned());
    let header_value = use_state(|| "1".to_owned());
    let send_text = use_state(String::new);
    let view = use_state(|| BodyView::Text);
    let step_host = use_state(String::new);
    let step_port = use_state(String::new);
    let wire_ref = use_node_ref();
    {
        // Keep the newest bytes in view.
        let wire_ref = wire_ref.clone();
        let len = ctx.as_ref().map(|c| c.state.http.wire.len()).unwrap_or(0);
        use_effect_with(len, move |_| scroll_to_end(&wire_ref));
    }
    let Some(ctx) = ctx else { return html! {} };
    let (lab_host, lab_port) = lab(&ctx);
    let url_value = if url.is_empty() {
        format!("http://{lab_host}:{lab_port}/get")
    } else {
        (*url).clone()
    };
    let http = &ctx.state.http;
    let ready = ctx.state.hello.is_some() && !ctx.state.needs_token();
    let url_error = split_url(&url_value).err();

    // ---- simple mode ----
    let on_send = {
        let (ctx, method, url, headers, body) = (
            ctx.clone(),
            (*method).clone(),
            url_value.clone(),
            (*headers).clone(),
            (*body).clone(),
        );
        Callback::from(move |_| {
            let (ctx, method, url, headers, body) = (
                ctx.clone(),
                method.clone(),
                url.clone(),
                headers.clone(),
                body.clone(),
            );
            wasm_bindgen_futures::spawn_local(send_simple(ctx, method, url, headers, body));
        })
    };
    let on_method = {
        let method = method.clone();
        Callback::from(move |e: Event| {
            method.set(
                e.target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value(),
            )
        })
    };
    let header_rows: Html = headers
        .iter()
        .enumerate()
        .map(|(i, (n, v))| {
            let set = |col: usize| {
                let headers = headers.clone();
                Callback::from(move |e: InputEvent| {
                    let mut h = (*headers).clone();
                    if let Some(row) = h.get_mut(i) {
                        if col == 0 {
                            row.0 = input_value(&e);
                        } else {
                            row.1 = input_value(&e);
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
        .collect();
    let add_header = {
        let headers = headers.clone();
        Callback::from(move |_| {
            let mut h = (*headers).clone();
            h.push((String::new(), String::new()));
            headers.set(h);
        })
    };
    let simple = html! {
        <div class="http-simple">
            <div class="row">
                <select aria-label="method" onchange={on_method}>
                    { for METHODS.iter().map(|m| html! { <option value={*m} selected={*method == *m}>{*m}</option> }) }
                </select>
                <input class="url" aria-label="url" value={url_value.clone()} oninput={text_setter(&url)} />
                <button onclick={on_send} disabled={!ready || http.busy() || url_error.is_some()}>{"Send"}</button>
            </div>
            { for url_error.map(|e| html! { <div class="hint error">{e}</div> }) }
            <table class="header-table">
                <thead><tr><th>{"header"}</th><th>{"value"}</th><th></th></tr></thead>
                <tbody>{header_rows}</tbody>
            </table>
            <button onclick={add_header}>{"add header"}</button>
            <textarea aria-label="body" placeholder="request body (sent as UTF-8)" value={(*body).clone()} oninput={area_setter(&body)} />
        </div>
    };

    // ---- step mode ----
    let step = |op: Op| {
        let ctx = ctx.clone();
        Callback::from(move |_| {
            let (ctx, op) = (ctx.clone(), op.clone());
            wasm_bindgen_futures::spawn_local(async move {
                call(&ctx, op).await;
            });
        })
    };
    let conn = http.conn.clone().unwrap_or_default();
    let step_host_v = if step_host.is_empty() {
        lab_host.clone()
    } else {
        (*step_host).clone()
    };
    let step_port_text = if step_port.is_empty() {
        lab_port.to_string()
    } else {
        (*step_port).clone()
    };
    let step_port_v: Option<u16> = step_port_text.trim().parse().ok();
    let opt_text = |s: &str| (!s.is_empty()).then(|| Data::text(s));
    let steps = html! {
        <div class="http-steps">
            <div class="row">
                <button onclick={step(Op::HttpOpen { host: step_host_v.clone(), port: step_port_v, timeout: Some(10.0), tls: false })}
                    disabled={!ready || !http.can_open() || step_port_v.is_none()}>{"HTTPConnection"}</button>
                <code>{"("}</code>
                <input aria-label="step host" class="host" value={step_host_v.clone()} oninput={text_setter(&step_host)} />
                <input aria-label="step port" class="short" value={step_port_text} oninput={text_setter(&step_port)} />
                <code>{", timeout=10)"}</code>
                <span class="http-phase" data-testid="http-phase">{http.phase.python()}</span>
            </div>
            <div class="row">
                <select aria-label="step method" onchange={{
                    let method = method.clone();
                    Callback::from(move |e: Event| method.set(e.target_unchecked_into::<web_sys::HtmlSelectElement>().value()))
                }}>
                    { for METHODS.iter().map(|m| html! { <option value={*m} selected={*method == *m}>{*m}</option> }) }
                </select>
                <input aria-label="path" value={(*path).clone()} oninput={text_setter(&path)} />
                <button onclick={step(Op::HttpPutrequest { conn: conn.clone(), method: (*method).clone(), url: (*path).clone(), skip_host: false, skip_accept_encoding: false })}
                    disabled={!http.can_putrequest()}>{"putrequest"}</button>
            </div>
            <div class="row">
                <input aria-label="header name" value={(*header_name).clone()} oninput={text_setter(&header_name)} />
                <input aria-label="header value" value={(*header_value).clone()} oninput={text_setter(&header_value)} />
                <button onclick={step(Op::HttpPutheader { conn: conn.clone(), header: (*header_name).clone(), values: vec![(*header_value).clone()] })}
                    disabled={!http.can_putheader()}>{"putheader"}</button>
            </div>
            <div class="row">
                <input aria-label="data" placeholder="bytes for endheaders(body) / send(data)" value={(*send_text).clone()} oninput={text_setter(&send_text)} />
                <button onclick={step(Op::HttpEndheaders { conn: conn.clone(), body: opt_text(&send_text) })}
                    disabled={!http.can_endheaders()}>{"endheaders"}</button>
                <button onclick={step(Op::HttpSend { conn: conn.clone(), data: Data::text((*send_text).clone()) })}
                    disabled={!http.can_send() || send_text.is_empty()}>{"send"}</button>
            </div>
            <div class="row">
                <button onclick={step(Op::HttpGetresponse { conn: conn.clone() })} disabled={!http.can_getresponse()}>{"getresponse"}</button>
                <button onclick={step(Op::HttpRead { conn: conn.clone(), amt: None, encoding: None })} disabled={!http.can_read()}>{"read"}</button>
                <button onclick={step(Op::HttpClose { conn: conn.clone() })} disabled={!http.can_close()}>{"close"}</button>
            </div>
        </div>
    };

    // ---- outputs ----
    let wire: Html = http
        .wire
        .items()
        .iter()
        .map(|c| {
            let (dir, arrow) = match c.dir {
                Dir::Out => ("out", "→ sent"),
                Dir::In => ("in", "← received"),
            };
            html! {
                <div class={classes!("wire-chunk", dir)} data-dir={dir}>
                    <div class="wire-label">{format!("{arrow} {} B  (t={} ms)", c.bytes.len(), c.t)}</div>
                    <pre class="wire-bytes">{visible(&c.bytes)}</pre>
                </div>
            }
        })
        .collect();
    let response = match &http.response {
        None => html! { <p class="hint">{"no response yet: getresponse() reads one"}</p> },
        Some(r) => {
            let rows: Html = r
                .headers
                .iter()
                .map(|(n, v)| html! { <tr><td>{n}</td><td>{v}</td></tr> })
                .collect();
            let body_text = match *view {
                BodyView::Text => String::from_utf8_lossy(&r.body).into_owned(),
                BodyView::Hex => hexdump(&r.body),
                BodyView::Json => serde_json::from_slice::<serde_json::Value>(&r.body)
                    .ok()
                    .and_then(|v| serde_json::to_string_pretty(&v).ok())
                    .unwrap_or_else(|| "(the body is not JSON)".into()),
            };
            let pick = |v: BodyView, label: &'static str| {
                let view = view.clone();
                html! {
                    <button class={classes!((*view == v).then_some("on"))} onclick={Callback::from(move |_| view.set(v))}>{label}</button>
                }
            };
            html! {
                <>
                    <div class="status-line" data-testid="status-line">{r.status_line()}</div>
                    <table class="resp-headers"><tbody>{rows}</tbody></table>
                    <div class="body-view">
                        {pick(BodyView::Text, "text")}{pick(BodyView::Hex, "hex")}{pick(BodyView::Json, "JSON")}
                        <span class="hint">{format!("{} bytes read{}", r.body.len(), if r.complete { "" } else { " so far" })}</span>
                    </div>
                    <pre class="resp-body" data-testid="resp-body">{body_text}</pre>
                </>
            }
        }
    };
    let calls: Html = http
        .calls
        .iter()
        .rev()
        .take(40)
        .map(|c| {
            let (class, result) = match &c.result {
                None => ("pending", "…".to_owned()),
                Some(Ok(r)) => ("ok", r.clone()),
                Some(Err(e)) => ("err", e.clone()),
            };
            let ms = c.ms.map(|m| format!("{m:.0} ms")).unwrap_or_default();
            html! { <tr class={class}><td><code>{&c.python}</code></td><td class="result">{result}</td><td class="ms">{ms}</td></tr> }
        })
        .collect();
    let transcript = py_lines(&http.transcript.items());
    // The exception the last call raised, as Python prints it.
    let last_error = match http.calls.last().and_then(|c| c.result.as_ref()) {
        Some(Err(e)) => html! { <div class="py-err http-error" data-testid="http-error">{e}</div> },
        _ => html! {},
    };
    let set_mode = |m: Mode| {
        let mode = mode.clone();
        Callback::from(move |_| mode.set(m))
    };
    let clear = {
        let state = ctx.state.clone();
        Callback::from(move |_| state.dispatch(Action::Http(HttpAction::Clear)))
    };
    html! {
        <section class="http-panel" aria-label="HTTP panel">
            <div class="mode-switch">
                <button class={classes!((*mode == Mode::Simple).then_some("on"))} onclick={set_mode(Mode::Simple)}>{"simple"}</button>
                <button class={classes!((*mode == Mode::Step).then_some("on"))} onclick={set_mode(Mode::Step)}>{"step by step"}</button>
                <button onclick={clear}>{"clear"}</button>
                { for http.conn.as_ref().map(|c| html! { <span class="hint">{format!("connection {c}")}</span> }) }
            </div>
            { if *mode == Mode::Simple { simple } else { steps } }
            <div class="http-views">
                <div class="wire-view" aria-label="wire" ref={wire_ref}>
                    <h3>{"on the wire"}</h3>
                    {wire}
                </div>
                <div class="response-view" aria-label="response">
                    <h3>{"parsed response"}</h3>
                    {last_error}
                    {response}
                </div>
            </div>
            <h3>{"calls"}</h3>
            <table class="calls"><tbody>{calls}</tbody></table>
            <h3>{"Python"}</h3>
            <div class="py-lines http-python" data-testid="http-python">{transcript}</div>
        </section>
    }
}
