//! The mailbox over POP3 (`poplib`): the server and its login, one button per
//! call (connect, user, pass_, stat, list, rset, quit, and all of the first
//! five at once), what `stat()` and `list()` said, and per message `retr`
//! and `dele`.

use super::calls;
use super::server::use_server_fields;
use crate::hooks::{use_app, use_session};
use shared::mail_args::Pop3Which;
use shared::Op;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The open POP3 connection.
    pub conn: Option<AttrValue>,
    /// `pass_()` was accepted.
    pub logged_in: bool,
    pub stat: Option<(u64, u64)>,
    pub listing: Vec<(u32, u64)>,
    pub deleted: Vec<u32>,
    pub busy: bool,
}

#[function_component(Mailbox)]
pub fn mailbox(props: &Props) -> Html {
    let ctx = use_app();
    let ready = use_session().ready;
    let fields = use_server_fields("pop3", 20110);
    let server = fields.server();
    let idle = ready && !props.busy;
    let open = props.conn.as_ref().map(|c| c.to_string());
    let logged_in = props.logged_in;
    let button = |label, enabled: bool, op| calls::call_button(&ctx, label, idle && enabled, op);
    let with = |make: &dyn Fn(&str) -> Op| open.as_deref().map(make);
    let open_all = {
        let server = server.clone();
        ctx.on_click(move |ctx| calls::open_mailbox(ctx, server.clone()))
    };
    let rows: Html = props
        .listing
        .iter()
        .map(|(n, size)| {
            let gone = props.deleted.contains(n);
            let which = |make: fn(Pop3Which) -> Op| {
                with(&|c| make(Pop3Which { conn: c.into(), which: *n }))
            };
            html! {
                <tr class={classes!(gone.then_some("deleted"))} data-msg={n.to_string()}>
                    <td>{n}</td><td class="size">{format!("{size} octets")}</td>
                    <td>{button("retr", !gone, which(Op::Pop3Retr))}{button("dele", !gone, which(Op::Pop3Dele))}</td>
                </tr>
            }
        })
        .collect();
    let stat = props.stat.map(|(count, size)| {
        html! { <p class="mail-stat" data-testid="mail-stat">{format!("stat(): {count} messages, {size} octets")}</p> }
    });
    html! {
        <div class="mail-box" aria-label="mailbox">
            <h3>{"mailbox (poplib)"}</h3>
            {fields.row("pop3")}
            <div class="row" role="group" aria-label="pop3 calls">
                <button class="primary" disabled={!idle || open.is_some()} onclick={open_all}>{"open the mailbox"}</button>
                {button("connect", open.is_none(), Some(calls::pop_connect(&server)))}
                {button("user", !logged_in, with(&|c| calls::pop_user(c, &server)))}
                {button("pass_", !logged_in, with(&|c| calls::pop_pass(c, &server)))}
                {button("stat", logged_in, with(&|c| Op::Pop3Stat(calls::conn(c))))}
                {button("list", logged_in, with(&calls::pop_list))}
                {button("rset", logged_in, with(&|c| Op::Pop3Rset(calls::conn(c))))}
                {button("quit", open.is_some(), with(&|c| Op::Pop3Quit(calls::conn(c))))}
            </div>
            {stat}
            if !props.listing.is_empty() {
                <table class="listing mail-list"><tbody>{rows}</tbody></table>
            }
        </div>
    }
}
