//! The HTTP panel: `http.client` in a simple mode (method, URL, headers, body,
//! Send = `HTTPConnection` + `request` + `getresponse` + `read`,
//! [`simple`]) and a step mode (one button per call, enabled only when
//! http.client's state machine allows it, [`steps`]); the raw wire bytes
//! ([`wire`]) beside the parsed response ([`response`]), a timing per call
//! ([`calls`]) and the Python lines. State lives in `state/http.rs`; the panel
//! gets it as props, renders it and sends requests through the relay service.

// The Mail panel reuses the calls table and the wire view.
pub(super) mod calls;
mod response;
mod simple;
mod steps;
pub(super) mod wire;

use super::python_transcript::PythonTranscript;
use crate::hooks::{use_app, use_text_input, TextInput};
use crate::state::http::{HttpAction, HttpState};
use crate::state::Action;
use calls::CallsTable;
use response::ResponseView;
use simple::SimpleForm;
use std::rc::Rc;
use steps::StepForm;
use wire::WireView;
use yew::prelude::*;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

/// The method select (both modes share the method picked).
fn method_select(label: &'static str, method: &TextInput) -> Html {
    html! {
        <select aria-label={label} onchange={method.onchange.clone()}>
            { for METHODS.iter().map(|m| html! { <option value={*m} selected={method.value == *m}>{*m}</option> }) }
        </select>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Simple,
    Step,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub http: Rc<HttpState>,
}

#[function_component(HttpPanel)]
pub fn http_panel(props: &Props) -> Html {
    let ctx = use_app();
    let mode = use_state(|| Mode::Simple);
    let method = use_text_input(|| "GET".to_owned());
    let simple_fields = simple::use_fields();
    let step_fields = steps::use_fields();
    let http = &props.http;
    let set_mode = |m: Mode| {
        let mode = mode.clone();
        Callback::from(move |_| mode.set(m))
    };
    let on = |m: Mode| classes!((*mode == m).then_some("on"));
    let clear = Callback::from(move |_| ctx.dispatch(Action::Http(HttpAction::Clear)));
    // The exception the last call raised, as Python prints it.
    let last_error = match http.calls.last().and_then(|c| c.result.as_ref()) {
        Some(Err(e)) => Some(AttrValue::from(e.clone())),
        _ => None,
    };
    html! {
        <section class="http-panel" aria-label="HTTP panel">
            <div class="mode-switch">
                <button class={on(Mode::Simple)} onclick={set_mode(Mode::Simple)}>{"simple"}</button>
                <button class={on(Mode::Step)} onclick={set_mode(Mode::Step)}>{"step by step"}</button>
                <button onclick={clear}>{"clear"}</button>
                { for http.conn.as_ref().map(|c| html! { <span class="hint">{format!("connection {}", http.name(c))}</span> }) }
            </div>
            if *mode == Mode::Simple {
                <SimpleForm http={http.clone()} method={method.clone()} fields={simple_fields} />
            } else {
                <StepForm http={http.clone()} method={method.clone()} fields={step_fields} />
            }
            <div class="http-views">
                <WireView wire={http.wire.clone()} />
                <ResponseView response={http.response.clone()} {last_error} />
            </div>
            <h3>{"calls"}</h3>
            <CallsTable calls={http.calls.clone()} />
            <PythonTranscript entries={http.transcript.clone()} file="socklab_http.py" label="HTTP python transcript"
                class={classes!("py-lines", "http-python")} testid="http-python" head={None::<AttrValue>} />
        </section>
    }
}
