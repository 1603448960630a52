//! What the teacher's `/status` view learns about this tab: the relay's
//! `progress` op, sent whenever the open lesson, its steps met or the lessons
//! done change (and once the session is ready), with the display name the
//! learner chose ([`NameField`], kept in localStorage). Nothing here is shown to
//! other sessions; the relay keeps only the latest report.

use crate::hooks::AppCtx;
use crate::state::lesson::Report;
use shared::progress::{Progress, MAX_NAME_CHARS};
use shared::Op;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// localStorage key of the display name.
const NAME_KEY: &str = "socklab.name.v1";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The stored display name ("" when none).
pub fn stored_name() -> String {
    storage()
        .and_then(|s| s.get_item(NAME_KEY).ok().flatten())
        .unwrap_or_default()
}

/// The `progress` op for `report` and `name`, checked as the relay checks it.
pub fn progress_op(report: &Report, name: &str) -> Option<Op> {
    let progress = Progress {
        name: Some(name.to_owned()),
        lesson: report.lesson.clone(),
        step: u32::try_from(report.met).ok(),
        steps: u32::try_from(report.total).ok(),
        done: Some(report.done.clone()),
    };
    progress.check().ok().map(Op::Progress)
}

/// Sends a report whenever `(ready, report, name)` changes and the session is
/// ready.
#[hook]
pub fn use_progress_report(ctx: AppCtx, ready: bool, report: Report, name: String) {
    use_effect_with((ready, report, name), move |(ready, report, name)| {
        if *ready {
            if let Some(op) = progress_op(report, name) {
                ctx.send(op);
            }
        }
    });
}

#[derive(Properties, PartialEq)]
pub struct NameFieldProps {
    pub name: String,
    pub on_change: Callback<String>,
}

/// "Your name for the teacher": shown when the relay hosts a class (it asks
/// for a token); saved in the browser and sent with the next report.
#[function_component(NameField)]
pub fn name_field(props: &NameFieldProps) -> Html {
    let onchange = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let name: String = input.value().trim().chars().take(MAX_NAME_CHARS).collect();
            if let Some(s) = storage() {
                let _ = s.set_item(NAME_KEY, &name);
            }
            on_change.emit(name);
        })
    };
    html! {
        <label class="display-name">
            {"Your name for the teacher (optional): "}
            <input type="text" maxlength={MAX_NAME_CHARS.to_string()} value={props.name.clone()}
                placeholder="e.g. Ada" autocomplete="nickname" {onchange} />
        </label>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_becomes_a_checked_progress_op() {
        let report = Report {
            lesson: Some("e02-echo-client".into()),
            met: 2,
            total: 4,
            done: vec!["e01-handshake".into()],
        };
        let op = progress_op(&report, "  Ada ");
        let json = op
            .and_then(|op| serde_json::to_string(&op).ok())
            .unwrap_or_default();
        assert!(json.contains(r#""name":"Ada""#), "{json}");
        assert!(json.contains(r#""step":2,"steps":4"#), "{json}");
        let bad = Report {
            lesson: Some("Not An Id".into()),
            ..report
        };
        assert_eq!(progress_op(&bad, ""), None);
    }
}
