//! Where a mail server is and who logs in: the host, port, user and password
//! fields both halves of the panel have (SMTP and POP3), defaulting to the
//! lab of `hello.labs` and the lab's account (learner / learner).

use super::calls::Server;
use crate::hooks::{use_lab, use_text_input, TextInput};

/// A text field starting at `initial`: one instance of the generic
/// `use_text_input` for all of the panel's fields (the page stays small).
#[hook]
pub fn use_field(initial: &'static str) -> TextInput {
    use_text_input(|| initial.to_owned())
}
use yew::prelude::*;

/// The four fields of one server.
#[derive(Clone, PartialEq)]
pub struct ServerFields {
    host: TextInput,
    port: TextInput,
    user: TextInput,
    password: TextInput,
    lab: (String, u16),
}

impl ServerFields {
    /// The server the fields name (the lab's address while they are empty).
    pub fn server(&self) -> Server {
        let (lab_host, lab_port) = &self.lab;
        Server {
            host: self.host.or(lab_host),
            port: self.port.or(lab_port).parse().unwrap_or(*lab_port),
            user: self.user.value.clone(),
            password: self.password.value.clone(),
        }
    }

    /// The fields as a row; `kind` (`smtp`, `pop3`) names them for assistive
    /// technology (`smtp host`, `pop3 password`).
    pub fn row(&self, kind: &'static str) -> Html {
        let s = self.server();
        let input =
            |what, f: &TextInput, value, kind_attr| server_input(kind, what, f, value, kind_attr);
        html! {
            <div class="row">
                {input("host", &self.host, s.host, "text")}
                {input("port", &self.port, s.port.to_string(), "text")}
                {input("user", &self.user, s.user, "text")}
                {input("password", &self.password, s.password, "password")}
            </div>
        }
    }
}

/// One labelled field of a server (`smtp host`, …).
#[inline(never)]
fn server_input(
    kind: &str,
    what: &'static str,
    f: &TextInput,
    value: String,
    kind_attr: &'static str,
) -> Html {
    html! {
        <label>{what}{" "}
            <input aria-label={format!("{kind} {what}")} class={classes!((what == "port").then_some("port"))}
                type={kind_attr} {value} oninput={f.oninput.clone()} />
        </label>
    }
}

/// The fields of the lab called `lab` (its standard port `port`).
#[hook]
pub fn use_server_fields(lab: &'static str, port: u16) -> ServerFields {
    ServerFields {
        host: use_field(""),
        port: use_field(""),
        user: use_field("learner"),
        password: use_field("learner"),
        lab: use_lab(lab, port),
    }
}
