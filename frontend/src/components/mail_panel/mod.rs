//! The Mail panel: `smtplib` and `poplib` against the mail labs. Compose and
//! send step by step or in one call ([`compose`]) beside the raw SMTP
//! dialogue; the mailbox over POP3 ([`mailbox`]) beside its dialogue; the
//! message `retr()` fetched with its parsed headers ([`message_view`]); the
//! last error in the learner's words, then as Python prints it; the calls
//! and the Python lines. The dialogues and the calls table are the HTTP
//! panel's. State lives in `state/mail.rs`; requests are built in [`calls`].

mod calls;
mod compose;
mod mailbox;
mod message_view;
mod server;

use super::http_panel::{calls::CallsTable, wire::WireView};
use super::python_transcript::PythonTranscript;
use crate::hooks::use_app;
use crate::python::mail::plain_words;
use crate::state::mail::{MailAction, MailState};
use crate::state::Action;
use compose::{use_compose_fields, Compose};
use mailbox::Mailbox;
use message_view::MessageView;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub mail: Rc<MailState>,
}

#[function_component(MailPanel)]
pub fn mail_panel(props: &Props) -> Html {
    let ctx = use_app();
    let fields = use_compose_fields();
    let mail = &props.mail;
    let busy = mail.busy();
    let clear = Callback::from(move |_| ctx.dispatch(Action::Mail(MailAction::Clear)));
    let error = mail.last_error().map(|e| {
        html! {
            <div class="mail-error" role="alert" data-testid="mail-error">
                { for plain_words(e).map(|w| html! { <p>{w}</p> }) }
                <code class="py-err">{e}</code>
            </div>
        }
    });
    let smtp = mail
        .smtp
        .as_ref()
        .map(|c| AttrValue::from(mail.smtp_name(c)));
    let pop = mail.pop.as_ref().map(|c| AttrValue::from(mail.pop_name(c)));
    html! {
        <section class="mail-panel" aria-label="Mail panel">
            <div class="mail-halves">
                <div class="mail-half">
                    <Compose fields={fields} conn={mail.smtp.clone().map(AttrValue::from)} stage={mail.stage} {busy} />
                    { for smtp.map(|n| html! { <span class="hint">{format!("connection {n}")}</span> }) }
                    <WireView wire={mail.smtp_wire.clone()} title="SMTP on the wire" />
                </div>
                <div class="mail-half">
                    <Mailbox conn={mail.pop.clone().map(AttrValue::from)} logged_in={mail.pop_in} stat={mail.stat}
                        listing={mail.listing.clone()} deleted={mail.deleted.clone()} {busy} />
                    { for pop.map(|n| html! { <span class="hint">{format!("connection {n}")}</span> }) }
                    <MessageView fetched={mail.fetched.clone()} />
                    <WireView wire={mail.pop_wire.clone()} title="POP3 on the wire" />
                </div>
            </div>
            {error}
            <div class="row"><h3>{"calls"}</h3><button onclick={clear}>{"clear"}</button></div>
            <CallsTable calls={mail.calls.clone()} />
            <PythonTranscript entries={mail.transcript.clone()} file="socklab_mail.py" label="Mail python transcript"
                class={classes!("py-lines", "mail-python")} testid="mail-python" head={None::<AttrValue>} />
        </section>
    }
}
