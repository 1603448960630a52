//! Sending over SMTP: the compose form (from, to, subject, body), the server
//! and its login, and the buttons — one per `smtplib` call in the order of
//! the dialogue (connect → ehlo → login → mail → rcpt → data → quit), each
//! enabled when that call makes sense, and `sendmail` in one call.

use super::calls;
use super::server::{use_field, use_server_fields};
use crate::hooks::{use_app, use_session, TextInput};
use crate::state::mail::message::Draft;
use crate::state::mail::SmtpStage;
use shared::mail_args::SmtpHelo;
use shared::Op;
use yew::prelude::*;

/// The compose form's fields (the panel keeps them across tabs).
#[derive(Clone, PartialEq)]
pub struct ComposeFields {
    pub from: TextInput,
    pub to: TextInput,
    pub subject: TextInput,
    pub body: TextInput,
}

impl ComposeFields {
    pub fn draft(&self) -> Draft {
        Draft {
            from: self.from.value.clone(),
            to: self.to.value.clone(),
            subject: self.subject.value.clone(),
            body: self.body.value.clone(),
        }
    }
}

#[hook]
pub fn use_compose_fields() -> ComposeFields {
    ComposeFields {
        from: use_field("learner@socklab.test"),
        to: use_field("learner@socklab.test"),
        subject: use_field("Hello from socklab"),
        body: use_field("Hi!\nThis message went out over SMTP.\n"),
    }
}

/// A labelled text input.
fn field(label: &'static str, aria: &'static str, f: &TextInput) -> Html {
    html! {
        <label>{label}<input aria-label={aria} value={f.value.clone()} oninput={f.oninput.clone()} /></label>
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub fields: ComposeFields,
    /// The open SMTP connection.
    pub conn: Option<AttrValue>,
    pub stage: SmtpStage,
    pub busy: bool,
}

#[function_component(Compose)]
pub fn compose(props: &Props) -> Html {
    let ctx = use_app();
    let ready = use_session().ready;
    let fields = use_server_fields("smtp", 20025);
    let server = fields.server();
    let f = &props.fields;
    let draft = f.draft();
    let idle = ready && !props.busy;
    let open = props.conn.as_ref().map(|c| c.to_string());
    let stage = props.stage;
    // A step button: calls `op` (made for the open connection, if any).
    let step = |label, enabled: bool, op| calls::call_button(&ctx, label, idle && enabled, op);
    let with = |make: &dyn Fn(&str) -> Op| open.as_deref().map(make);
    let rcpt = {
        let (open, draft) = (open.clone(), draft.clone());
        ctx.on_click(move |ctx| {
            calls::rcpt_all(ctx, open.clone().unwrap_or_default(), draft.clone())
        })
    };
    let one_call = {
        let (open, server, draft) = (open.clone(), server.clone(), draft.clone());
        ctx.on_click(move |ctx| {
            calls::send_in_one_call(ctx, open.clone(), server.clone(), draft.clone())
        })
    };
    html! {
        <div class="mail-compose" aria-label="compose">
            <h3>{"send (smtplib)"}</h3>
            {fields.row("smtp")}
            <div class="mail-fields">
                {field("From ", "from", &f.from)}
                {field("To ", "to", &f.to)}
                {field("Subject ", "subject", &f.subject)}
                <label class="mail-body-field">{"Body"}<textarea aria-label="body" value={f.body.value.clone()} oninput={f.body.oninput.clone()} /></label>
            </div>
            <div class="row mail-steps" role="group" aria-label="smtp steps">
                {step("connect", open.is_none(), Some(calls::smtp_connect(&server)))}
                {step("ehlo", stage >= SmtpStage::Connected, with(&|c| Op::SmtpEhlo(SmtpHelo { conn: c.into(), name: None })))}
                {step("login", stage >= SmtpStage::Greeted, with(&|c| calls::smtp_login(c, &server)))}
                {step("mail", stage == SmtpStage::Greeted, with(&|c| calls::smtp_mail(c, &draft)))}
                <button class="call" disabled={!idle || stage < SmtpStage::Mail} onclick={rcpt}>{"rcpt"}</button>
                {step("data", stage == SmtpStage::Rcpt, with(&|c| calls::smtp_data(c, &draft)))}
                {step("quit", open.is_some(), with(&|c| Op::SmtpQuit(calls::conn(c))))}
            </div>
            <div class="row">
                <button class="primary" disabled={!idle} onclick={one_call}>{"send in one call: sendmail()"}</button>
                <span class="hint">{"connects, sends and quits when no connection is open"}</span>
            </div>
        </div>
    }
}
