//! Data entry for send/sendall/sendto: text (UTF-8, with `\n` escapes) or hex,
//! turned into bytes for the request. Owns only its input and mode toggle.

use crate::bytes::parse_hex;
use crate::hooks::field_value;
use yew::prelude::*;

/// What the learner typed, as entered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft {
    pub text: String,
    pub hex: bool,
}

impl Draft {
    /// The bytes to send: hex digits, or text where `\n`, `\r`, `\t` and `\\`
    /// are escapes (so a line ending can be typed in one-line input).
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        if self.hex {
            return parse_hex(&self.text);
        }
        let mut out = String::with_capacity(self.text.len());
        let mut chars = self.text.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        }
        Ok(out.into_bytes())
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub draft: Draft,
    pub on_change: Callback<Draft>,
}

#[function_component(DataEntry)]
pub fn data_entry(props: &Props) -> Html {
    let on_input = {
        let (draft, cb) = (props.draft.clone(), props.on_change.clone());
        Callback::from(move |e: InputEvent| {
            cb.emit(Draft {
                text: field_value(&e),
                hex: draft.hex,
            });
        })
    };
    let on_mode = {
        let (draft, cb) = (props.draft.clone(), props.on_change.clone());
        Callback::from(move |_| {
            cb.emit(Draft {
                text: draft.text.clone(),
                hex: !draft.hex,
            });
        })
    };
    let error = props.draft.bytes().err();
    let placeholder = if props.draft.hex {
        "68 65 6c 6c 6f 0a"
    } else {
        "hello\\n"
    };
    html! {
        <span class="data-entry">
            <input aria-label="data" class={classes!(error.is_some().then_some("invalid"))}
                value={props.draft.text.clone()} oninput={on_input} {placeholder} />
            <button class="mode" onclick={on_mode} aria-pressed={props.draft.hex.to_string()}
                title="switch between text and hex entry">
                { if props.draft.hex { "hex" } else { "text" } }
            </button>
            if let Some(e) = error { <span class="hint-err">{e}</span> }
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::Draft;

    #[test]
    fn text_escapes_and_hex() {
        let d = |text: &str, hex| Draft {
            text: text.into(),
            hex,
        };
        assert_eq!(d("hi\\n", false).bytes().unwrap(), b"hi\n");
        assert_eq!(d("a\\\\b\\q", false).bytes().unwrap(), b"a\\b\\q");
        assert_eq!(d("68 69", true).bytes().unwrap(), b"hi");
        assert!(d("6", true).bytes().is_err());
    }
}
