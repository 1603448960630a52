//! The FTP panel's call sequences: connect and log in, re-read the directory
//! after every change that succeeded, and upload a file chosen in the browser
//! (`STOR` with its bytes in binary frames).
//!
//! Re-reading is the page's own doing (marked [`FtpAction::Automatic`]): it
//! keeps the browser view true without putting `pwd()`/`dir()` lines the
//! learner never wrote into the transcript. Nothing runs after `quit()`.

use crate::hooks::AppCtx;
use crate::panel_io::read_file;
use crate::state::ftp::FtpAction;
use crate::state::Action;
use shared::request::FtpStore;
use shared::{OkBody, Op, Outcome};
use yew::prelude::*;

/// Largest upload frame payload (well under any `max_message_bytes`).
const FRAME_BYTES: usize = 64 * 1024;

/// Re-reads the working directory and its listing (after a change), as the
/// page's own calls, stopping at the first error.
async fn refresh(ctx: &AppCtx, conn: &str) {
    let conn = conn.to_owned();
    let ops = [
        Op::FtpPwd { conn: conn.clone() },
        Op::FtpDir {
            conn,
            args: Vec::new(),
        },
    ];
    for op in ops {
        ctx.dispatch(Action::Ftp(FtpAction::Automatic));
        if let Outcome::Err(_) = ctx.call(op).await {
            return;
        }
    }
}

/// A click handler that runs `op` on connection `conn`, then re-reads the
/// directory when `op` succeeded (a failed call changed nothing).
pub fn then_refresh(ctx: &AppCtx, conn: &str, op: Op) -> Callback<MouseEvent> {
    let conn = conn.to_owned();
    ctx.on_click(move |ctx| {
        let (conn, op) = (conn.clone(), op.clone());
        async move {
            if let Outcome::Ok(_) = ctx.call(op).await {
                refresh(&ctx, &conn).await;
            }
        }
    })
}

/// Connects, logs in and lists the directory, stopping at the first error.
pub async fn connect(ctx: AppCtx, host: String, port: u16, user: String, passwd: String) {
    let connect = Op::FtpConnect {
        host,
        port: Some(port),
        timeout: Some(10.0),
    };
    let conn = match ctx.call(connect).await {
        Outcome::Ok(OkBody::FtpConnect { conn, .. }) => conn,
        _ => return,
    };
    let login = Op::FtpLogin {
        conn: conn.clone(),
        user,
        passwd,
        acct: String::new(),
    };
    if let Outcome::Ok(_) = ctx.call(login).await {
        refresh(&ctx, &conn).await;
    }
}

/// Uploads the file chosen in `input` as `STOR <its name>`, then lists.
pub async fn upload(ctx: AppCtx, conn: String, input: web_sys::HtmlInputElement) {
    let Ok((name, bytes)) = read_file(&input).await else {
        ctx.dispatch(Action::Notice("choose a file to upload first".into()));
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
    ctx.dispatch(Action::Ftp(FtpAction::Uploading {
        id,
        name,
        total: bytes.len() as u64,
    }));
    for chunk in bytes.chunks(FRAME_BYTES) {
        if !ctx.relay.send_binary(&shared::binary::encode(&conn, chunk)) {
            break;
        }
    }
    let outcome = rx.await;
    input.set_value("");
    if let Ok(Outcome::Ok(_)) = outcome {
        refresh(&ctx, &conn).await;
    }
}
