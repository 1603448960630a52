//! The one way the page shows an error: the learner's line first (what
//! happened, what to do — Python's exception line, `err.message`), and the
//! operator's `err.detail` (the relay's rule and the flag that changes it)
//! beneath it, smaller and labelled for whoever runs the relay. The socket
//! card and the transcripts use it; other panels should too.

use shared::ErrorBody;
use yew::prelude::*;

/// What a reader of an operator detail is told it is for.
pub const DETAIL_LABEL: &str = "for whoever runs the relay: ";

#[derive(Properties, PartialEq)]
pub struct Props {
    /// The learner's line (`socklab.not_allowed: bind to … is denied: …`).
    pub line: AttrValue,
    /// The operator's line, if the error has one.
    #[prop_or_default]
    pub detail: Option<AttrValue>,
    /// The line's classes (`py-err`, `py-note`).
    #[prop_or_default]
    pub class: Classes,
    /// `data-testid` of the line; the detail gets `<testid>-detail`.
    #[prop_or_default]
    pub testid: Option<AttrValue>,
    /// `data-output` of the line (what the script prints), if any.
    #[prop_or_default]
    pub output: Option<AttrValue>,
    /// Write the detail as a Python comment (`# …`), for transcripts.
    #[prop_or_default]
    pub comment: bool,
}

impl Props {
    /// The props that show `err` as Python prints it, with its detail.
    pub fn of(err: &ErrorBody) -> Props {
        Props {
            line: err.python().into(),
            detail: err.detail.clone().map(AttrValue::from),
            class: classes!("py-err"),
            testid: None,
            output: None,
            comment: false,
        }
    }
}

/// The detail line's text: labelled, and commented out in a transcript.
pub fn detail_text(detail: &str, comment: bool) -> String {
    let hash = if comment { "# " } else { "" };
    format!("{hash}{DETAIL_LABEL}{detail}")
}

#[function_component(ErrorLine)]
pub fn error_line(props: &Props) -> Html {
    let detail_id = props.testid.as_ref().map(|t| format!("{t}-detail"));
    html! {
        <>
            <div class={props.class.clone()} data-testid={props.testid.clone()} data-output={props.output.clone()}>{props.line.clone()}</div>
            if let Some(d) = &props.detail {
                <div class="err-detail" data-testid={detail_id}>{detail_text(d, props.comment)}</div>
            }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::codes;

    #[test]
    fn the_learner_line_comes_first_and_the_detail_is_labelled() {
        let err = ErrorBody::new(codes::NOT_ALLOWED, "bind to 127.0.0.1:80 is denied")
            .with_detail("start the relay with --allow-bind 127.0.0.1:80");
        let p = Props::of(&err);
        assert_eq!(
            p.line.as_str(),
            "socklab.not_allowed: bind to 127.0.0.1:80 is denied"
        );
        assert!(!p.line.contains("--allow-bind"));
        let d = detail_text(p.detail.as_deref().unwrap_or_default(), true);
        assert_eq!(
            d,
            "# for whoever runs the relay: start the relay with --allow-bind 127.0.0.1:80"
        );
        assert_eq!(Props::of(&ErrorBody::new(codes::LIMIT, "x")).detail, None);
    }
}
