//! The FTP panel: `ftplib` with a connect/login form, a remote file browser
//! (list, cd, mkdir, rmdir, rename, delete, size), downloads to the learner's
//! disk and uploads from it with progress bars, a passive/active toggle, the
//! control channel as a message log (PASV/EPSV replies decoded), one lane per
//! data connection and the Python lines. State lives in `state/ftp.rs`; this
//! file only renders it and sends requests through the relay service.

use super::app::AppCtx;
use super::http_panel::{py_lines, scroll_to_end};
use crate::panel_io::{read_file, request, save};
use crate::state::ftp::{FtpAction, FtpState, RemoteEntry};
use crate::state::Action;
use shared::request::FtpStore;
use shared::{Dir, OkBody, Op, Outcome};
use yew::prelude::*;

/// Largest upload frame payload (well under any `max_message_bytes`).
const FRAME_BYTES: usize = 64 * 1024;

/// The FTP lab's address from `hello.labs`, else the standard port
/// (docs/architecture.md, "Lab servers").
fn lab(ctx: &AppCtx) -> (String, u16) {
    ctx.state
        .hello
        .as_ref()
        .and_then(|h| h.labs.get("ftp"))
        .map(|a| (a.host().to_owned(), a.port()))
        .unwrap_or_else(|| ("127.0.0.1".into(), 20021))
}

fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

fn setter(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(input_value(&e)))
}

async fn call(ctx: &AppCtx, op: Op) -> Outcome {
    request(ctx, op, |_, _| {}).await
}

/// Re-reads the working directory and its listing (after every change).
async fn refresh(ctx: &AppCtx, conn: &str) {
    call(
        ctx,
        Op::FtpPwd {
            conn: conn.to_owned(),
        },
    )
    .await;
    call(
        ctx,
        Op::FtpDir {
            conn: conn.to_owned(),
            args: Vec::new(),
        },
    )
    .await;
}

/// Runs `op`, then refreshes the listing.
fn act(ctx: &AppCtx, conn: &str, op: Op) -> Callback<MouseEvent> {
    let (ctx, conn) = (ctx.clone(), conn.to_owned());
    Callback::from(move |_| {
        let (ctx, conn, op) = (ctx.clone(), conn.clone(), op.clone());
        wasm_bindgen_futures::spawn_local(async move {
            call(&ctx, op).await;
            refresh(&ctx, &conn).await;
        });
    })
}

async fn connect(ctx: AppCtx, host: String, port: u16, user: String, passwd: String) {
    let conn = match call(
        &ctx,
        Op::FtpConnect {
            host,
            port: Some(port),
            timeout: Some(10.0),
        },
    )
    .await
    {
        Outcome::Ok(OkBody::FtpConnect { conn, .. }) => conn,
        _ => return,
    };
    let login = Op::FtpLogin {
        conn: conn.clone(),
        user,
        passwd,
        acct: String::new(),
    };
    if let Outcome::Ok(_) = call(&ctx, login).await {
        refresh(&ctx, &conn).await;
    }
}

async fn upload(ctx: AppCtx, conn: String, input: web_sys::HtmlInputElement) {
    let Ok((name, bytes)) = read_file(&input).await else {
        ctx.state
            .dispatch(Action::Notice("choose a file to upload first".into()));
        return;
    };
    let op = Op::FtpStorbinary(FtpStore {
        conn: conn.clone(),
        cmd: format!("STOR {name}"),
        blocksize: None,
        rest: None,
        data: None,
        size: Some(bytes.len() as u64),
    });
    let (id, rx) = ctx.relay.request(op);
    ctx.state.dispatch(Action::Ftp(FtpAction::Uploading {
        id,
        name,
        total: bytes.len() as u64,
    }));
    for chunk in bytes.chunks(FRAME_BYTES) {
        if !ctx.relay.send_binary(&shared::binary::encode(&conn, chunk)) {
            break;
        }
    }
    let _ = rx.await;
    input.set_value("");
    refresh(&ctx, &conn).await;
}

fn entry_row(ctx: &AppCtx, ftp: &FtpState, conn: &str, e: &RemoteEntry, to: &str) -> Html {
    let c = conn.to_owned();
    let busy = ftp.busy();
    let name = e.name.clone();
    let actions = if e.is_dir {
        html! {
            <>
                <button disabled={busy} onclick={act(ctx, conn, Op::FtpCwd { conn: c.clone(), dirname: name.clone() })}>{"cd"}</button>
                <button disabled={busy} onclick={act(ctx, conn, Op::FtpRmd { conn: c.clone(), dirname: name.clone() })}>{"rmdir"}</button>
            </>
        }
    } else {
        let download = {
            let (ctx, op) = (
                ctx.clone(),
                Op::FtpRetrbinary {
                    conn: c.clone(),
                    cmd: format!("RETR {name}"),
                    blocksize: None,
                    rest: None,
                    frames: false,
                },
            );
            Callback::from(move |_| {
                let (ctx, op) = (ctx.clone(), op.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    call(&ctx, op).await;
                });
            })
        };
        let size = {
            let (ctx, op) = (
                ctx.clone(),
                Op::FtpSize {
                    conn: c.clone(),
                    name: name.clone(),
                },
            );
            Callback::from(move |_| {
                let (ctx, op) = (ctx.clone(), op.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    call(&ctx, op).await;
                });
            })
        };
        html! {
            <>
                <button disabled={busy} onclick={download}>{"download"}</button>
                <button disabled={busy} onclick={size}>{"size"}</button>
                <button disabled={busy || to.is_empty()} title="rename to the name typed above"
                    onclick={act(ctx, conn, Op::FtpRename { conn: c.clone(), fromname: name.clone(), toname: to.to_owned() })}>{"rename"}</button>
                <button disabled={busy} onclick={act(ctx, conn, Op::FtpDelete { conn: c.clone(), name: name.clone() })}>{"delete"}</button>
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

/// A lane's steps with each run of block counts (`8192 bytes`, …) folded
/// into one line.
fn lane_steps(steps: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let (mut blocks, mut bytes) = (0u64, 0u64);
    let flush = |out: &mut Vec<String>, blocks: &mut u64, bytes: &mut u64| {
        match *blocks {
            0 => {}
            1 => out.push(format!("{bytes} bytes")),
            n => out.push(format!("{n} blocks, {bytes} bytes")),
        }
        (*blocks, *bytes) = (0, 0);
    };
    for s in steps {
        match s.strip_suffix(" bytes").map(str::parse::<u64>) {
            Some(Ok(n)) => {
                blocks += 1;
                bytes += n;
            }
            _ => {
                flush(&mut out, &mut blocks, &mut bytes);
                out.push(s.clone());
            }
        }
    }
    flush(&mut out, &mut blocks, &mut bytes);
    out
}

#[function_component(FtpPanel)]
pub fn ftp_panel() -> Html {
    let ctx = use_context::<AppCtx>();
    let host = use_state(String::new);
    let port = use_state(String::new);
    let user = use_state(|| "anonymous".to_owned());
    let passwd = use_state(String::new);
    let new_dir = use_state(String::new);
    let rename_to = use_state(String::new);
    let file_input = use_node_ref();
    let control_ref = use_node_ref();
    {
        // Keep the newest control lines in view.
        let control_ref = control_ref.clone();
        let len = ctx.as_ref().map(|c| c.state.ftp.control.len()).unwrap_or(0);
        use_effect_with(len, move |_| scroll_to_end(&control_ref));
    }
    let downloaded = ctx.as_ref().and_then(|c| c.state.ftp.downloaded.clone());
    {
        // Hand each finished download to the browser once.
        let notice = ctx.as_ref().map(|c| c.state.dispatcher());
        use_effect_with(downloaded.as_ref().map(|d| d.seq), move |_| {
            if let Some(d) = downloaded {
                if let Err(e) = save(&d.name, &d.bytes) {
                    if let Some(n) = notice {
                        n.dispatch(Action::Notice(format!(
                            "could not save the download: {e:?}"
                        )));
                    }
                }
            }
        });
    }
    let Some(ctx) = ctx else { return html! {} };
    let ftp = &ctx.state.ftp;

    let (lab_host, lab_port) = lab(&ctx);
    let host_v = if host.is_empty() {
        lab_host
    } else {
        (*host).clone()
    };
    let port_v = if port.is_empty() {
        lab_port.to_string()
    } else {
        (*port).clone()
    };
    let ready = ctx.state.hello.is_some() && !ctx.state.needs_token();
    let on_connect = {
        let (ctx, host, user, passwd) = (
            ctx.clone(),
            host_v.clone(),
            (*user).clone(),
            (*passwd).clone(),
        );
        let port: Option<u16> = port_v.parse().ok();
        Callback::from(move |_| {
            let Some(port) = port else { return };
            wasm_bindgen_futures::spawn_local(connect(
                ctx.clone(),
                host.clone(),
                port,
                user.clone(),
                passwd.clone(),
            ));
        })
    };
    let form = html! {
        <div class="ftp-login row">
            <label>{"host "}<input aria-label="ftp host" value={host_v.clone()} oninput={setter(&host)} /></label>
            <label>{"port "}<input aria-label="ftp port" class="port" value={port_v.clone()} oninput={setter(&port)} /></label>
            <label>{"user "}<input aria-label="ftp user" value={(*user).clone()} oninput={setter(&user)} /></label>
            <label>{"password "}<input aria-label="ftp password" type="password" value={(*passwd).clone()} oninput={setter(&passwd)} /></label>
            <button onclick={on_connect} disabled={!ready || ftp.busy() || ftp.conn.is_some()}>{"connect and log in"}</button>
        </div>
    };

    let browser = match (&ftp.conn, ftp.ready()) {
        (Some(conn), true) => {
            let busy = ftp.busy();
            let pasv = {
                let (ctx, conn, val) = (ctx.clone(), conn.clone(), !ftp.passive);
                Callback::from(move |_| {
                    let (ctx, op) = (
                        ctx.clone(),
                        Op::FtpSetPasv {
                            conn: conn.clone(),
                            val,
                        },
                    );
                    wasm_bindgen_futures::spawn_local(async move {
                        call(&ctx, op).await;
                    });
                })
            };
            let nlst = {
                let (ctx, op) = (
                    ctx.clone(),
                    Op::FtpNlst {
                        conn: conn.clone(),
                        args: Vec::new(),
                    },
                );
                Callback::from(move |_| {
                    let (ctx, op) = (ctx.clone(), op.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        call(&ctx, op).await;
                    });
                })
            };
            let refresh_cb = {
                let (ctx, conn) = (ctx.clone(), conn.clone());
                Callback::from(move |_| {
                    let (ctx, conn) = (ctx.clone(), conn.clone());
                    wasm_bindgen_futures::spawn_local(async move { refresh(&ctx, &conn).await });
                })
            };
            let on_upload = {
                let (ctx, conn, input) = (ctx.clone(), conn.clone(), file_input.clone());
                Callback::from(move |_| {
                    if let Some(el) = input.cast::<web_sys::HtmlInputElement>() {
                        wasm_bindgen_futures::spawn_local(upload(ctx.clone(), conn.clone(), el));
                    }
                })
            };
            let rows: Html = ftp
                .listing
                .iter()
                .map(|e| entry_row(&ctx, ftp, conn, e, &rename_to))
                .collect();
            html! {
                <div class="ftp-browser">
                    <div class="row">
                        <span class="pwd" data-testid="ftp-pwd">{ftp.pwd.clone().unwrap_or_else(|| "?".into())}</span>
                        <span class="hint">{format!("as {}", ftp.user.clone().unwrap_or_default())}</span>
                        <button disabled={busy} onclick={act(&ctx, conn, Op::FtpCwd { conn: conn.clone(), dirname: "..".into() })}>{"up"}</button>
                        <button disabled={busy} onclick={refresh_cb}>{"list"}</button>
                        <button disabled={busy} onclick={nlst}>{"nlst"}</button>
                        <label class="toggle">
                            <input type="checkbox" aria-label="passive mode" checked={ftp.passive} disabled={busy} onclick={pasv} />
                            {" passive (PASV)"}
                        </label>
                        <button disabled={busy} onclick={act(&ctx, conn, Op::FtpQuit { conn: conn.clone() })}>{"quit"}</button>
                    </div>
                    <div class="row">
                        <input aria-label="new directory" placeholder="new directory" value={(*new_dir).clone()} oninput={setter(&new_dir)} />
                        <button disabled={busy || new_dir.is_empty()} onclick={act(&ctx, conn, Op::FtpMkd { conn: conn.clone(), dirname: (*new_dir).clone() })}>{"mkdir"}</button>
                        <input aria-label="rename to" placeholder="rename to" value={(*rename_to).clone()} oninput={setter(&rename_to)} />
                        <input type="file" aria-label="file to upload" ref={file_input.clone()} />
                        <button disabled={busy} onclick={on_upload}>{"upload"}</button>
                    </div>
                    <table class="listing" data-testid="ftp-listing"><tbody>{rows}</tbody></table>
                </div>
            }
        }
        (Some(conn), false) => {
            let login = {
                let (ctx, op) = (
                    ctx.clone(),
                    Op::FtpLogin {
                        conn: conn.clone(),
                        user: (*user).clone(),
                        passwd: (*passwd).clone(),
                        acct: String::new(),
                    },
                );
                let conn = conn.clone();
                Callback::from(move |_| {
                    let (ctx, op, conn) = (ctx.clone(), op.clone(), conn.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        if let Outcome::Ok(_) = call(&ctx, op).await {
                            refresh(&ctx, &conn).await;
                        }
                    });
                })
            };
            let close = {
                let (ctx, op) = (ctx.clone(), Op::FtpClose { conn: conn.clone() });
                Callback::from(move |_| {
                    let (ctx, op) = (ctx.clone(), op.clone());
                    wasm_bindgen_futures::spawn_local(async move {
                        call(&ctx, op).await;
                    });
                })
            };
            html! {
                <div class="row">
                    <span class="hint">{format!("connected as {conn}, not logged in")}</span>
                    <button disabled={ftp.busy()} onclick={login}>{"log in"}</button>
                    <button disabled={ftp.busy()} onclick={close}>{"close"}</button>
                </div>
            }
        }
        (None, _) => html! {},
    };

    let status = ftp.status.as_ref().map(|s| match s {
        Ok(t) => html! { <div class="ftp-status ok" data-testid="ftp-status">{t}</div> },
        Err(e) => html! { <div class="ftp-status err" data-testid="ftp-status">{e}</div> },
    });
    let transfers: Html = ftp
        .transfers
        .iter()
        .rev()
        .take(8)
        .map(|t| {
            let total = t.total.unwrap_or(0).max(t.done);
            let label = match &t.result {
                None => format!("{} / {total} bytes", t.done),
                Some(Ok(r)) => format!("{} bytes — {r}", t.done),
                Some(Err(e)) => e.clone(),
            };
            html! {
                <div class="transfer" data-name={t.name.clone()} data-done={t.result.is_some().to_string()}>
                    <span>{ if t.upload { "↑ " } else { "↓ " } }{&t.name}</span>
                    <progress max={total.max(1).to_string()} value={t.done.to_string()} />
                    <span class="hint">{label}</span>
                </div>
            }
        })
        .collect();
    let control: Html = ftp
        .control
        .items()
        .iter()
        .map(|l| {
            let (dir, arrow) = match l.dir {
                Dir::Out => ("out", "→"),
                Dir::In => ("in", "←"),
            };
            html! {
                <div class={classes!("ctl", dir)}>
                    <code>{format!("{arrow} {}", l.text)}</code>
                    { for l.decoded.as_ref().map(|d| html! { <div class="pasv-decoded">{d}</div> }) }
                    { for l.lane.map(|n| html! { <span class="lane-link">{format!("opens data lane {}", n + 1)}</span> }) }
                </div>
            }
        })
        .collect();
    let lanes: Html = ftp
        .lanes
        .iter()
        .enumerate()
        .rev()
        .take(12)
        .map(|(i, l)| {
            html! {
                <div class={classes!("ftp-lane", l.closed.then_some("closed"))}>
                    <div class="ftp-lane-head">{format!("data lane {} — {}", i + 1, l.command.clone().unwrap_or_else(|| "?".into()))}</div>
                    { for lane_steps(&l.steps).into_iter().map(|s| html! { <div class="step">{s}</div> }) }
                </div>
            }
        })
        .collect();
    let clear = {
        let state = ctx.state.clone();
        Callback::from(move |_| state.dispatch(Action::Ftp(FtpAction::Clear)))
    };
    html! {
        <section class="ftp-panel" aria-label="FTP panel">
            {form}
            { for ftp.welcome.as_ref().map(|w| html! { <div class="hint welcome">{w}</div> }) }
            {browser}
            {status}
            <div class="transfers">{transfers}</div>
            <div class="ftp-channels">
                <div class="control-log" aria-label="control channel" ref={control_ref}>
                    <h3>{"control channel"} <button onclick={clear}>{"clear"}</button></h3>
                    {control}
                </div>
                <div class="data-lanes" aria-label="data connections">
                    <h3>{"data connections"}</h3>
                    {lanes}
                </div>
            </div>
            <h3>{"Python"}</h3>
            <div class="py-lines ftp-python" data-testid="ftp-python">{py_lines(&ftp.transcript.items())}</div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::lane_steps;

    #[test]
    fn block_counts_are_folded() {
        let steps: Vec<String> = [
            "open passive a -> b",
            "8192 bytes",
            "8192 bytes",
            "100 bytes",
            "close after 16484 bytes",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            lane_steps(&steps),
            [
                "open passive a -> b",
                "3 blocks, 16484 bytes",
                "close after 16484 bytes"
            ]
        );
    }
}
