//! Getting an FTP session: the connect-and-log-in form (host, port, user,
//! password), and for a connection that is not logged in yet, `log in` and
//! `close`.

use super::calls::{connect, then_refresh};
use crate::hooks::{use_app, use_lab, use_session, use_text_input, TextInput};
use shared::Op;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FormProps {
    pub user: TextInput,
    pub passwd: TextInput,
    /// A call is running or a connection is open: the form waits.
    pub disabled: bool,
}

#[function_component(LoginForm)]
pub fn login_form(props: &FormProps) -> Html {
    let ctx = use_app();
    let ready = use_session().ready;
    let (lab_host, lab_port) = use_lab("ftp", 20021);
    let host = use_text_input(String::new);
    let port = use_text_input(String::new);
    let host_v = host.or(lab_host);
    let port_v = port.or(lab_port);
    let on_connect = {
        let (host, user, passwd) = (
            host_v.clone(),
            props.user.value.clone(),
            props.passwd.value.clone(),
        );
        let port: Option<u16> = port_v.parse().ok();
        ctx.on_click(move |ctx| {
            let (host, user, passwd) = (host.clone(), user.clone(), passwd.clone());
            async move {
                if let Some(port) = port {
                    connect(ctx, host, port, user, passwd).await;
                }
            }
        })
    };
    let (user, passwd) = (&props.user, &props.passwd);
    html! {
        <div class="ftp-login row">
            <label>{"host "}<input aria-label="ftp host" value={host_v} oninput={host.oninput.clone()} /></label>
            <label>{"port "}<input aria-label="ftp port" class="port" value={port_v} oninput={port.oninput.clone()} /></label>
            <label>{"user "}<input aria-label="ftp user" value={user.value.clone()} oninput={user.oninput.clone()} /></label>
            <label>{"password "}<input aria-label="ftp password" type="password" value={passwd.value.clone()} oninput={passwd.oninput.clone()} /></label>
            <button onclick={on_connect} disabled={!ready || props.disabled}>{"connect and log in"}</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct LoginProps {
    pub conn: AttrValue,
    /// The learner's name of the connection (`ftp`).
    pub name: AttrValue,
    pub user: AttrValue,
    pub passwd: AttrValue,
    pub busy: bool,
}

/// A connection that is open but not logged in.
#[function_component(LoginRow)]
pub fn login_row(props: &LoginProps) -> Html {
    let ctx = use_app();
    let conn = props.conn.to_string();
    let login = Op::FtpLogin {
        conn: conn.clone(),
        user: props.user.to_string(),
        passwd: props.passwd.to_string(),
        acct: String::new(),
    };
    html! {
        <div class="row">
            <span class="hint">{format!("{} is connected, not logged in", props.name)}</span>
            <button disabled={props.busy} onclick={then_refresh(&ctx, &conn, login)}>{"log in"}</button>
            <button disabled={props.busy} onclick={ctx.click_call(Op::FtpClose { conn })}>{"close"}</button>
        </div>
    }
}
