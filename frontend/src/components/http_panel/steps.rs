//! The HTTP panel's step mode: one button per `http.client` call
//! (`HTTPConnection`, `putrequest`, `putheader`, `endheaders`, `send`,
//! `getresponse`, `read`, `close`), each enabled only when http.client's
//! state machine allows it, and the connection's phase.

use super::method_select;
use crate::hooks::{use_app, use_lab, use_session, use_text_input, TextInput};
use crate::state::http::HttpState;
use shared::{Data, Op};
use std::rc::Rc;
use yew::prelude::*;

/// The step mode's fields (the panel keeps them across mode switches).
#[derive(Clone, PartialEq)]
pub struct Fields {
    host: TextInput,
    port: TextInput,
    path: TextInput,
    header_name: TextInput,
    header_value: TextInput,
    send_text: TextInput,
}

#[hook]
pub fn use_fields() -> Fields {
    Fields {
        host: use_text_input(String::new),
        port: use_text_input(String::new),
        path: use_text_input(|| "/get".to_owned()),
        header_name: use_text_input(|| "X-Demo".to_owned()),
        header_value: use_text_input(|| "1".to_owned()),
        send_text: use_text_input(String::new),
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub http: Rc<HttpState>,
    pub method: TextInput,
    pub fields: Fields,
}

#[function_component(StepForm)]
pub fn step_form(props: &Props) -> Html {
    let ctx = use_app();
    let ready = use_session().ready;
    let (lab_host, lab_port) = use_lab("http", 20080);
    let (http, f) = (&props.http, &props.fields);
    let step = |op: Op| ctx.click_call(op);
    let conn = http.conn.clone().unwrap_or_default();
    let host = f.host.or(&lab_host);
    let port_text = f.port.or(lab_port);
    let port: Option<u16> = port_text.trim().parse().ok();
    let send_text = f.send_text.value.clone();
    let open = Op::HttpOpen {
        host: host.clone(),
        port,
        timeout: Some(10.0),
        tls: false,
    };
    let putrequest = Op::HttpPutrequest {
        conn: conn.clone(),
        method: props.method.value.clone(),
        url: f.path.value.clone(),
        skip_host: false,
        skip_accept_encoding: false,
    };
    let putheader = Op::HttpPutheader {
        conn: conn.clone(),
        header: f.header_name.value.clone(),
        values: vec![f.header_value.value.clone()],
    };
    let endheaders = Op::HttpEndheaders {
        conn: conn.clone(),
        body: (!send_text.is_empty()).then(|| Data::text(send_text.clone())),
    };
    let send = Op::HttpSend {
        conn: conn.clone(),
        data: Data::text(send_text.clone()),
    };
    let read = Op::HttpRead {
        conn: conn.clone(),
        amt: None,
        encoding: None,
    };
    html! {
        <div class="http-steps">
            <div class="row">
                <button onclick={step(open)} disabled={!ready || !http.can_open() || port.is_none()}>{"HTTPConnection"}</button>
                <code>{"("}</code>
                <input aria-label="step host" class="host" value={host} oninput={f.host.oninput.clone()} />
                <input aria-label="step port" class="short" value={port_text} oninput={f.port.oninput.clone()} />
                <code>{", timeout=10)"}</code>
                <span class="http-phase" data-testid="http-phase">{http.phase.python()}</span>
            </div>
            <div class="row">
                {method_select("step method", &props.method)}
                <input aria-label="path" value={f.path.value.clone()} oninput={f.path.oninput.clone()} />
                <button onclick={step(putrequest)} disabled={!http.can_putrequest()}>{"putrequest"}</button>
            </div>
            <div class="row">
                <input aria-label="header name" value={f.header_name.value.clone()} oninput={f.header_name.oninput.clone()} />
                <input aria-label="header value" value={f.header_value.value.clone()} oninput={f.header_value.oninput.clone()} />
                <button onclick={step(putheader)} disabled={!http.can_putheader()}>{"putheader"}</button>
            </div>
            <div class="row">
                <input aria-label="data" placeholder="bytes for endheaders(body) / send(data)" value={send_text.clone()} oninput={f.send_text.oninput.clone()} />
                <button onclick={step(endheaders)} disabled={!http.can_endheaders()}>{"endheaders"}</button>
                <button onclick={step(send)} disabled={!http.can_send() || send_text.is_empty()}>{"send"}</button>
            </div>
            <div class="row">
                <button onclick={step(Op::HttpGetresponse { conn: conn.clone() })} disabled={!http.can_getresponse()}>{"getresponse"}</button>
                <button onclick={step(read)} disabled={!http.can_read()}>{"read"}</button>
                <button onclick={step(Op::HttpClose { conn })} disabled={!http.can_close()}>{"close"}</button>
            </div>
        </div>
    }
}
