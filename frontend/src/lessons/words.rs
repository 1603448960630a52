//! The page's own words around the lessons (headings, buttons, messages) in
//! English and 简体中文; the lessons' own text comes with each lesson
//! ([`shared::lesson::Text`]). [`words`] picks the table for a language.

#![cfg_attr(not(any(feature = "learn", test)), allow(dead_code))]
use shared::lesson::Lang;

/// Every fixed label of the landing and the lesson view.
pub struct Words {
    pub lessons: &'static str,
    pub lessons_intro: &'static str,
    pub loading: &'static str,
    pub continue_: &'static str,
    pub done: &'static str,
    pub workbench: &'static str,
    pub workbench_text: &'static str,
    pub open_workbench: &'static str,
    pub reset: &'static str,
    pub reset_ask: &'static str,
    pub reset_yes: &'static str,
    pub reset_no: &'static str,
    pub lesson: &'static str,
    pub goal: &'static str,
    pub concept: &'static str,
    pub check: &'static str,
    pub check_note: &'static str,
    pub hints: &'static str,
    pub show_hint: &'static str,
    pub show_next_hint: &'static str,
    pub no_more_hints: &'static str,
    pub article_writes: &'static str,
    pub python3: &'static str,
    pub complete: &'static str,
    pub complete_text: &'static str,
    pub next_lesson: &'static str,
    pub last_lesson: &'static str,
    pub restart: &'static str,
    pub close: &'static str,
    pub uses_tab: &'static str,
    pub step_met: &'static str,
    pub step_broken: &'static str,
    pub step_next: &'static str,
    pub step_waiting: &'static str,
    pub language: &'static str,
    pub probe_failed: &'static str,
    pub probe_retry: &'static str,
    pub start_here: &'static str,
    pub labs: &'static str,
    pub first_exercise: &'static str,
    pub start_echo: &'static str,
    pub hide: &'static str,
    pub unfold: &'static str,
}

const EN: Words = Words {
    lessons: "Lessons",
    lessons_intro:
        "The article's exercises, in its order. Each checks itself from what your sockets do.",
    loading: "Loading the lessons…",
    continue_: "Continue",
    done: "done",
    workbench: "Free workbench",
    workbench_text: "No lesson: open sockets and try anything on the relay's lab servers.",
    open_workbench: "open the workbench",
    reset: "Reset progress",
    reset_ask: "Forget every done lesson and revealed hint?",
    reset_yes: "yes, reset",
    reset_no: "keep my progress",
    lesson: "Lesson",
    goal: "Goal",
    concept: "Concept",
    check: "Check",
    check_note: "Ticks itself as you work — there is no button to press.",
    hints: "Hints",
    show_hint: "show a hint",
    show_next_hint: "show the next hint",
    no_more_hints: "That was the last hint.",
    article_writes: "The article writes",
    python3: "In Python 3 write",
    complete: "Lesson complete",
    complete_text: "Every step of the check is met.",
    next_lesson: "next lesson",
    last_lesson: "That was the last lesson: the free workbench is yours.",
    restart: "start again",
    close: "close lesson",
    uses_tab: "uses the tab",
    step_met: "met",
    step_broken: "broken",
    step_next: "next",
    step_waiting: "waiting",
    language: "Language",
    probe_failed: "The lesson's client says",
    probe_retry: "Fix your server, then repeat the step before this one (or click “start again”): the lesson's client tries again.",
    start_here: "Start here",
    labs: "Lab servers you can talk to",
    first_exercise: "First exercise: the echo exchange",
    start_echo: "start the echo exercise",
    hide: "▾ hide",
    unfold: "▸ Lessons · Lab servers and a first exercise",
};

const ZH: Words = Words {
    lessons: "课程",
    lessons_intro: "按原文顺序排列的练习。每一课都会根据你的套接字实际做了什么自动检查。",
    loading: "正在加载课程…",
    continue_: "继续",
    done: "已完成",
    workbench: "自由工作台",
    workbench_text: "不做课程：直接创建套接字，在中继的实验服务器上随意尝试。",
    open_workbench: "打开工作台",
    reset: "重置进度",
    reset_ask: "忘记所有已完成的课程和已显示的提示？",
    reset_yes: "确定重置",
    reset_no: "保留进度",
    lesson: "课程",
    goal: "目标",
    concept: "概念",
    check: "检查",
    check_note: "随着你的操作自动打勾——没有需要点击的“完成”按钮。",
    hints: "提示",
    show_hint: "显示提示",
    show_next_hint: "显示下一条提示",
    no_more_hints: "这是最后一条提示。",
    article_writes: "原文写的是",
    python3: "在 Python 3 中应写",
    complete: "课程完成",
    complete_text: "检查的每一步都已满足。",
    next_lesson: "下一课",
    last_lesson: "这是最后一课：自由工作台归你了。",
    restart: "重新开始",
    close: "关闭课程",
    uses_tab: "使用标签页",
    step_met: "已满足",
    step_broken: "未通过",
    step_next: "下一步",
    step_waiting: "等待中",
    language: "语言",
    probe_failed: "课程的客户端报告",
    probe_retry: "修好你的服务器，然后重做上一步（或点击“重新开始”）：课程的客户端会再试一次。",
    start_here: "从这里开始",
    labs: "可以连接的实验服务器",
    first_exercise: "第一个练习：回显交换",
    start_echo: "开始回显练习",
    hide: "▾ 收起",
    unfold: "▸ 课程、实验服务器和第一个练习",
};

/// The words of `lang`.
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Zh => &ZH,
    }
}

/// "the lesson's 3 clients are connecting to your server at 127.0.0.1:20178…"
pub fn probe_running(lang: Lang, clients: u32, target: &str) -> String {
    match (lang, clients) {
        (Lang::En, 1) => format!("the lesson's client is connecting to your server at {target}…"),
        (Lang::En, n) => {
            format!("the lesson's {n} clients are connecting to your server at {target}…")
        }
        (Lang::Zh, n) => format!("课程的 {n} 个客户端正在连接你的服务器 {target}…"),
    }
}

/// "Continue: E3 — …": a lesson's short label from its id (`e03-…` → `E3`).
pub fn short_label(id: &str) -> Option<String> {
    let rest = id.strip_prefix('e')?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n: u32 = digits.parse().ok()?;
    Some(format!("E{n}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_messages() {
        assert_eq!(short_label("e03-server"), Some("E3".into()));
        assert_eq!(short_label("e13"), Some("E13".into()));
        assert_eq!(short_label("teacher-one"), None);
        assert_eq!(short_label("echo"), None);
        assert!(probe_running(Lang::En, 3, "127.0.0.1:20178").starts_with("the lesson's 3 clients"));
        assert!(probe_running(Lang::En, 1, "x").starts_with("the lesson's client is"));
        assert!(probe_running(Lang::Zh, 3, "x").contains("3 个客户端"));
        assert_eq!(words(Lang::Zh).reset, "重置进度");
    }
}
