//! The FTP connection's two channels: the control channel as a message log
//! (PASV/EPSV replies decoded, transfer commands linked to their data lane)
//! and one lane per data connection with its steps.

use crate::hooks::{use_app, use_scroll_to_end};
use crate::log::Log;
use crate::state::ftp::{ControlLine, FtpAction, Lane};
use crate::state::Action;
use shared::Dir;
use yew::prelude::*;

/// How many data lanes the panel shows (the newest).
const SHOWN_LANES: usize = 12;

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

#[derive(Properties, PartialEq)]
pub struct ControlProps {
    pub control: Log<ControlLine>,
}

#[function_component(ControlLog)]
pub fn control_log(props: &ControlProps) -> Html {
    let ctx = use_app();
    // Keep the newest control lines in view.
    let view = use_scroll_to_end(props.control.len());
    let clear = Callback::from(move |_| ctx.dispatch(Action::Ftp(FtpAction::Clear)));
    let lines: Html = props
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
    html! {
        <div class="control-log" aria-label="control channel" ref={view}>
            <h3>{"control channel"} <button onclick={clear}>{"clear"}</button></h3>
            {lines}
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct LanesProps {
    pub lanes: Vec<Lane>,
}

#[function_component(DataLanes)]
pub fn data_lanes(props: &LanesProps) -> Html {
    let lanes: Html = props
        .lanes
        .iter()
        .enumerate()
        .rev()
        .take(SHOWN_LANES)
        .map(|(i, l)| {
            html! {
                <div class={classes!("ftp-lane", l.closed.then_some("closed"))}>
                    <div class="ftp-lane-head">{format!("data lane {} — {}", i + 1, l.command.clone().unwrap_or_else(|| "?".into()))}</div>
                    { for lane_steps(&l.steps).into_iter().map(|s| html! { <div class="step">{s}</div> }) }
                </div>
            }
        })
        .collect();
    html! {
        <div class="data-lanes" aria-label="data connections">
            <h3>{"data connections"}</h3>
            {lanes}
        </div>
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
