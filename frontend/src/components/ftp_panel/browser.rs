//! The remote file browser of a logged-in FTP connection: where it is and as
//! whom, up/pwd/list/nlst, passive or active, quit; mkdir, rename, upload; and
//! the listing with each entry's actions (cd/rmdir, download/size/rename/delete).
//! `list` and `pwd` are the learner's calls (transcribed); the view's own
//! re-reading after a change is not. `quit` runs nothing after it.

use super::calls::{then_refresh, upload};
use crate::hooks::{use_app, use_text_input, AppCtx};
use crate::state::ftp::RemoteEntry;
use shared::Op;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub conn: AttrValue,
    pub busy: bool,
    pub passive: bool,
    pub pwd: Option<AttrValue>,
    pub user: Option<AttrValue>,
    pub listing: Vec<RemoteEntry>,
}

/// One entry of the listing with the actions it offers (`to`: the name typed
/// in "rename to").
fn entry_row(ctx: &AppCtx, conn: &str, busy: bool, e: &RemoteEntry, to: &str) -> Html {
    let (c, name) = (conn.to_owned(), e.name.clone());
    let act = |op: Op| then_refresh(ctx, conn, op);
    let actions = if e.is_dir {
        html! {
            <>
                <button disabled={busy} onclick={act(Op::FtpCwd { conn: c.clone(), dirname: name.clone() })}>{"cd"}</button>
                <button disabled={busy} onclick={act(Op::FtpRmd { conn: c.clone(), dirname: name.clone() })}>{"rmdir"}</button>
            </>
        }
    } else {
        let download = ctx.click_call(Op::FtpRetrbinary {
            conn: c.clone(),
            cmd: format!("RETR {name}"),
            blocksize: None,
            rest: None,
            frames: false,
        });
        let size = ctx.click_call(Op::FtpSize {
            conn: c.clone(),
            name: name.clone(),
        });
        html! {
            <>
                <button disabled={busy} onclick={download}>{"download"}</button>
                <button disabled={busy} onclick={size}>{"size"}</button>
                <button disabled={busy || to.is_empty()} title="rename to the name typed above"
                    onclick={act(Op::FtpRename { conn: c.clone(), fromname: name.clone(), toname: to.to_owned() })}>{"rename"}</button>
                <button disabled={busy} onclick={act(Op::FtpDelete { conn: c.clone(), name: name.clone() })}>{"delete"}</button>
            </>
        }
    };
    let size = e.size.map(|s| format!("{s} B")).unwrap_or_default();
    html! {
        <tr class={classes!("remote", e.is_dir.then_some("dir"))} data-name={e.name.clone()} title={e.line.clone()}>
            <td class="name">{ if e.is_dir { format!("{}/", e.name) } else { e.name.clone() } }</td>
            <td class="size">{size}</td>
            <td class="actions">{actions}</td>
        </tr>
    }
}

#[function_component(RemoteBrowser)]
pub fn remote_browser(props: &Props) -> Html {
    let ctx = use_app();
    let new_dir = use_text_input(String::new);
    let rename_to = use_text_input(String::new);
    let file_input = use_node_ref();
    let (conn, busy) = (props.conn.to_string(), props.busy);
    let act = |op: Op| then_refresh(&ctx, &conn, op);
    let pasv = ctx.click_call(Op::FtpSetPasv {
        conn: conn.clone(),
        val: !props.passive,
    });
    let nlst = ctx.click_call(Op::FtpNlst {
        conn: conn.clone(),
        args: Vec::new(),
    });
    let list = ctx.click_call(Op::FtpDir {
        conn: conn.clone(),
        args: Vec::new(),
    });
    let pwd = ctx.click_call(Op::FtpPwd { conn: conn.clone() });
    let quit = ctx.click_call(Op::FtpQuit { conn: conn.clone() });
    let on_upload = {
        let (ctx, conn, input) = (ctx.clone(), conn.clone(), file_input.clone());
        Callback::from(move |_| {
            if let Some(el) = input.cast::<web_sys::HtmlInputElement>() {
                wasm_bindgen_futures::spawn_local(upload(ctx.clone(), conn.clone(), el));
            }
        })
    };
    let rows: Html = props
        .listing
        .iter()
        .map(|e| entry_row(&ctx, &conn, busy, e, &rename_to.value))
        .collect();
    html! {
        <div class="ftp-browser">
            <div class="row">
                <span class="pwd" data-testid="ftp-pwd">{props.pwd.clone().unwrap_or_else(|| "?".into())}</span>
                <span class="hint">{format!("as {}", props.user.clone().unwrap_or_default())}</span>
                <button disabled={busy} onclick={act(Op::FtpCwd { conn: conn.clone(), dirname: "..".into() })}>{"up"}</button>
                <button disabled={busy} onclick={pwd}>{"pwd"}</button>
                <button disabled={busy} onclick={list}>{"list"}</button>
                <button disabled={busy} onclick={nlst}>{"nlst"}</button>
                <label class="toggle">
                    <input type="checkbox" aria-label="passive mode" checked={props.passive} disabled={busy} onclick={pasv} />
                    {" passive (PASV)"}
                </label>
                <button disabled={busy} onclick={quit}>{"quit"}</button>
            </div>
            <div class="row">
                <input aria-label="new directory" placeholder="new directory" value={new_dir.value.clone()} oninput={new_dir.oninput.clone()} />
                <button disabled={busy || new_dir.is_empty()} onclick={act(Op::FtpMkd { conn: conn.clone(), dirname: new_dir.value.clone() })}>{"mkdir"}</button>
                <input aria-label="rename to" placeholder="rename to" value={rename_to.value.clone()} oninput={rename_to.oninput.clone()} />
                <input type="file" aria-label="file to upload" ref={file_input.clone()} />
                <button disabled={busy} onclick={on_upload}>{"upload"}</button>
            </div>
            <table class="listing" data-testid="ftp-listing"><tbody>{rows}</tbody></table>
        </div>
    }
}
