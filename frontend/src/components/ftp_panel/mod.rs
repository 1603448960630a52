//! The FTP panel: `ftplib` with a connect/login form ([`login`]), a remote
//! file browser ([`browser`]: list, cd, mkdir, rmdir, rename, delete, size),
//! downloads to the learner's disk and uploads from it with progress bars
//! ([`transfers`]), a passive/active toggle, the control channel as a message
//! log and one lane per data connection ([`channels`]), and the Python lines.
//! State lives in `state/ftp.rs`; the panel gets it as props, renders it and
//! sends requests through the relay service ([`calls`]).

mod browser;
mod calls;
mod channels;
mod login;
mod transfers;

use super::python_transcript::PythonTranscript;
use crate::hooks::{use_app, use_text_input};
use crate::panel_io::save;
use crate::state::ftp::FtpState;
use crate::state::Action;
use browser::RemoteBrowser;
use channels::{ControlLog, DataLanes};
use login::{LoginForm, LoginRow};
use std::rc::Rc;
use transfers::Transfers;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub ftp: Rc<FtpState>,
}

#[function_component(FtpPanel)]
pub fn ftp_panel(props: &Props) -> Html {
    let ctx = use_app();
    let user = use_text_input(|| "anonymous".to_owned());
    let passwd = use_text_input(String::new);
    let ftp = &props.ftp;
    {
        // Hand each finished download to the browser once.
        let downloaded = ftp.downloaded.clone();
        use_effect_with(downloaded.as_ref().map(|d| d.seq), move |_| {
            if let Some(d) = downloaded {
                if let Err(e) = save(&d.name, &d.bytes) {
                    ctx.dispatch(Action::Notice(format!(
                        "could not save the download: {e:?}"
                    )));
                }
            }
        });
    }
    let busy = ftp.busy();
    let session = match (&ftp.conn, ftp.ready()) {
        (Some(conn), true) => html! {
            <RemoteBrowser conn={conn.clone()} {busy} passive={ftp.passive}
                pwd={ftp.pwd.clone().map(AttrValue::from)} user={ftp.user.clone().map(AttrValue::from)}
                listing={ftp.listing.clone()} />
        },
        (Some(conn), false) => html! {
            <LoginRow conn={conn.clone()} name={ftp.name(conn)} user={user.value.clone()} passwd={passwd.value.clone()} {busy} />
        },
        (None, _) => html! {},
    };
    let status = ftp.status.as_ref().map(|s| match s {
        Ok(t) => html! { <div class="ftp-status ok" data-testid="ftp-status">{t}</div> },
        Err(e) => html! { <div class="ftp-status err" data-testid="ftp-status">{e}</div> },
    });
    html! {
        <section class="ftp-panel" aria-label="FTP panel">
            <LoginForm user={user.clone()} passwd={passwd.clone()} disabled={busy || ftp.conn.is_some()} />
            { for ftp.welcome.as_ref().map(|w| html! { <div class="hint welcome">{w}</div> }) }
            {session}
            {status}
            <Transfers transfers={ftp.transfers.clone()} />
            <div class="ftp-channels">
                <ControlLog control={ftp.control.clone()} />
                <DataLanes lanes={ftp.lanes.clone()} />
            </div>
            <PythonTranscript entries={ftp.transcript.clone()} file="socklab_ftp.py" label="FTP python transcript"
                class={classes!("py-lines", "ftp-python")} testid="ftp-python" head={None::<AttrValue>} />
        </section>
    }
}
