//! Every UI string of the app, in Simplified Chinese and English.
//!
//! Strings are declared once in the [`strings!`] table below; the macro makes a missing
//! translation a compile error, and a unit test checks that no entry is empty and that
//! both translations take the same `{}` arguments.

use std::fmt::Display;

/// The UI language the trainee picked at sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 中文 (zh-CN)
    #[default]
    Zh,
    /// English
    En,
}

impl Lang {
    /// Both languages, in the order the sign-in screen offers them.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The locale code used by scenario files (`zh-CN`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language's own name, as shown in the language picker.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Zh => "中文",
            Lang::En => "English",
        }
    }

    /// Parses a locale code (`zh-CN`, `zh`, `en`, `en-GB` …).
    pub(crate) fn from_code(code: &str) -> Option<Lang> {
        let c = code.to_ascii_lowercase();
        if c.starts_with("zh") {
            Some(Lang::Zh)
        } else if c.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

macro_rules! strings {
    ($($key:ident => ($en:expr, $zh:expr)),* $(,)?) => {
        /// A UI string key; [`T::get`] gives its text in a language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum T { $($key),* }

        impl T {
            /// Every key (for the completeness test).
            pub const ALL: &'static [T] = &[$(T::$key),*];

            /// The English text.
            pub fn en(self) -> &'static str {
                match self { $(T::$key => $en),* }
            }

            /// The Chinese text.
            pub fn zh(self) -> &'static str {
                match self { $(T::$key => $zh),* }
            }
        }
    };
}

strings! {
    AppTitle => ("Courtesy — service etiquette training", "礼貌服务 — 服务礼仪训练"),
    Welcome => ("Welcome to the training room", "欢迎来到培训室"),
    NameOrStaffId => ("Trainee name or staff ID", "学员姓名或工号"),
    NoPassword => ("Trainees sign in without a password.", "学员登录无需密码。"),
    Language => ("Language", "语言"),
    Accessibility => ("Accessibility", "无障碍设置"),
    TextSize => ("Text size", "文字大小"),
    TextNormal => ("Normal", "标准"),
    TextLarge => ("Large", "大"),
    TextExtraLarge => ("Extra large", "特大"),
    HighContrast => ("High-contrast theme", "高对比度主题"),
    ReplyTimers => ("Reply timers", "回复计时"),
    TimersNormal => ("Normal", "标准"),
    TimersRelaxed => ("Relaxed (×2)", "宽松（×2）"),
    TimersOff => ("Off", "关闭"),
    SignIn => ("Sign in", "登录"),
    NameRequired => ("Enter your name or staff ID to continue.", "请输入姓名或工号后继续。"),
    LibraryTitle => ("Scenario library", "情景库"),
    SignedInAs => ("Signed in as {}", "当前学员：{}"),
    SignOut => ("Sign out", "退出登录"),
    Difficulty => ("Difficulty", "难度"),
    AboutMinutes => ("about {} min", "约 {} 分钟"),
    Principles => ("Principles", "考察原则"),
    BestSoFar => ("Your best so far: {}", "你的最好成绩：{}"),
    Open => ("Open", "打开"),
    NoScenarios => ("No scenarios found.", "没有找到情景。"),
    HintLibrary => ("Keys 1–9 open a scenario · ↑/↓ or Tab: move between the scenarios, Enter: open", "数字键 1–9 打开情景 · ↑/↓ 或 Tab：在情景间移动，回车：打开"),
    BriefingTitle => ("Briefing", "情景简介"),
    Situation => ("The situation", "情况"),
    TheCustomer => ("The customer", "顾客"),
    Wants => ("Wants", "诉求"),
    SpecialNeeds => ("Special needs", "特殊需求"),
    Goal => ("A good outcome", "理想结果"),
    TimedNote => ("Some replies must be given within a time limit.", "部分回复需要在限定时间内作答。"),
    Start => ("Start the conversation", "开始对话"),
    BackToLibrary => ("Back to the library", "返回情景库"),
    HintBriefing => ("Enter: start · Esc: back", "回车：开始 · Esc：返回"),
    Mood => ("Customer mood", "顾客情绪"),
    You => ("You", "你"),
    YourReply => ("Your reply", "你的回复"),
    SecondsLeft => ("{} s left", "剩余 {} 秒"),
    HintConversation => ("Keys 1–9 choose a reply · End, PageUp, PageDown: scroll the conversation · Esc: leave", "数字键 1–9 选择回复 · End、PageUp、PageDown：滚动对话 · Esc：离开"),
    FeedbackTitle => ("Feedback", "点评"),
    YouSaid => ("You said", "你说"),
    TimedOut => ("Time ran out before you replied.", "时间到了，你没有作出回复。"),
    MoodChange => ("Mood {} ({}) to {} ({})", "情绪 {}（{}）变为 {}（{}）"),
    Why => ("Why", "原因"),
    CitedRules => ("Rules applied", "相关规范"),
    Continue => ("Continue", "继续"),
    HintContinue => ("Enter or Space: continue · Esc: leave", "回车或空格：继续 · Esc：离开"),
    DebriefTitle => ("Debrief", "总结"),
    Overall => ("Overall score", "总分"),
    Passed => ("Passed", "通过"),
    Failed => ("Not passed", "未通过"),
    PassMark => ("pass mark {}", "及格线 {}"),
    Outcome => ("Outcome", "结果"),
    NotAssessed => ("not assessed", "未评估"),
    BelowFloor => ("below the minimum", "低于最低要求"),
    Transcript => ("Transcript", "对话记录"),
    StepN => ("Step {}", "第 {} 步"),
    YouChose => ("You chose", "你的选择"),
    BestReply => ("Best reply", "最佳回复"),
    WasBest => ("That was the best reply.", "这就是最佳回复。"),
    CriticalHeading => ("Not passed: a serious mistake", "未通过：出现了严重错误"),
    CriticalIntro => ("Some mistakes are too serious to make up for with other good replies: a reply like this fails the conversation, whatever the score.", "有些错误太严重，其他回复再好也弥补不了：这样的回复无论得分多少，本次对话都判为不通过。"),
    CriticalWouldPass => ("Without it, your score of {} would have passed.", "如果没有这个错误，你的 {} 分本来可以通过。"),
    CriticalWhy => ("Why this is serious", "为什么这很严重"),
    CriticalBadge => ("Serious mistake: this reply fails the conversation", "严重错误：这句回复会让本次对话判为不通过"),
    Retry => ("Retry", "再试一次"),
    HintDebrief => ("R: retry · Enter or Esc: back to the library", "R：再试一次 · 回车或 Esc：返回情景库"),
    ReloadProblems => ("Scenario file errors — the last good version is still in use", "情景文件有错误——仍在使用上一个正确版本"),
    Dismiss => ("Dismiss", "关闭"),
    ReloadRestartedAt => ("“{}” changed; the preview restarted at step {}.", "“{}”已更新，预览已从步骤 {} 重新开始。"),
    ReloadRestartedStart => ("“{}” changed and step {} is gone; the preview restarted from the start.", "“{}”已更新，步骤 {} 已不存在，预览已从头开始。"),
    ReloadRemoved => ("“{}” was removed.", "“{}”已被删除。"),
    AuthorMode => ("Author mode (trainers)", "作者模式（培训师）"),
    AuthorModeHint => ("Starting a scenario opens the author preview: any step, any mood, ratings shown. Previews are never recorded.", "开始情景时进入作者预览：可从任意步骤、任意情绪开始，并显示评分。预览不会被记录。"),
    AuthorTitle => ("Author preview", "作者预览"),
    PreviewNotRecorded => ("Preview — not recorded as a result", "预览——不计入成绩"),
    StartFromStep => ("Start from step", "起始步骤"),
    StartMood => ("mood", "情绪"),
    StartHere => ("Preview from here", "从这里预览"),
    BackStep => ("Back a step", "后退一步"),
    RestartSameSeed => ("Restart (same seed)", "重新开始（相同种子）"),
    RestartNewSeed => ("Restart (new seed)", "重新开始（新种子）"),
    AuthorStatus => ("At {} · mood {} · seed {}", "当前：{} · 情绪 {} · 种子 {}"),
    AuthorPath => ("Path", "路径"),
    AuthorEnding => ("Ending {} ({})", "结局 {}（{}）"),
    RatingTotal => ("total {}", "合计 {}"),
    MoodEffect => ("mood {}", "情绪 {}"),
    GoesTo => ("next: {}", "转到 {}"),
    ScenarioMap => ("Scenario map — click a step to preview from there", "情景地图——点击步骤即可从该处预览"),
    PreviewFromStep => ("Preview from step {}", "从步骤 {} 预览"),
    // Records, sync status and the manager's area (app::records, app::manager).
    BestPassedSuffix => (" (passed)", "（已通过）"),
    MyHistory => ("My attempts", "我的练习记录"),
    Unfinished => ("unfinished", "未完成"),
    RecordsUnavailable => ("Records unavailable: attempts are not being saved.", "练习记录不可用：本次练习不会被保存。"),
    NotRecorded => ("Not recorded: this attempt is not being saved.", "未记录：本次练习不会被保存。"),
    RecordWriteFailed => ("Saving the last step failed; it will be retried.", "上一步保存失败，稍后将重试。"),
    RecordsError => ("Records error:", "记录出错："),
    SyncNotConfigured => ("LRS not set up: {} waiting", "未配置学习记录库：{} 条待发送"),
    SyncAllSent => ("LRS: all sent", "学习记录库：已全部发送"),
    SyncPending => ("LRS: {} waiting", "学习记录库：{} 条待发送"),
    SyncLastError => ("Last error: {}", "最近错误：{}"),
    SyncRejected => ("{} statements rejected", "{} 条记录被拒收"),
    LrsConfigProblem => ("LRS configuration: {}", "LRS 配置：{}"),
    Pin => ("PIN", "PIN 码"),
    PinHint => ("if you have one", "如已设置"),
    Manager => ("Manager", "管理员"),
    ManagerTitle => ("Manager's review", "管理员查看"),
    ManagerLeave => ("Lock and leave", "锁定并退出"),
    SetPasswordIntro => ("No manager password is set yet. Choose one and type it twice.", "尚未设置管理员密码，请设置密码并输入两次。"),
    EnterPasswordIntro => ("Enter the manager password.", "请输入管理员密码。"),
    Password => ("Password", "密码"),
    PasswordAgain => ("Password again", "再次输入密码"),
    SetPassword => ("Set password", "设置密码"),
    Unlock => ("Unlock", "解锁"),
    Checking => ("Checking…", "正在验证……"),
    PasswordsDiffer => ("The two passwords differ.", "两次输入的密码不一致。"),
    PasswordTooShort => ("The password needs at least {} characters.", "密码至少需要 {} 个字符。"),
    WrongPassword => ("Wrong password.", "密码错误。"),
    PasswordThrottled => ("Too many wrong passwords. Try again in {} s.", "密码错误次数过多，请 {} 秒后再试。"),
    PasswordChanged => ("The manager password was changed.", "管理员密码已更改。"),
    ManagerSettings => ("Settings: author mode, password", "设置：作者模式、密码"),
    ChangePassword => ("Change the password", "更改密码"),
    CurrentPassword => ("Current password", "当前密码"),
    NewPassword => ("New password", "新密码"),
    BadDate => ("Cannot read the date `{}`; use YYYY-MM-DD.", "无法识别日期“{}”，请使用 YYYY-MM-DD 格式。"),
    LocksIn => ("Locks in {} min {} s", "{} 分 {} 秒后锁定"),
    FilterFrom => ("From", "起始日期"),
    FilterTo => ("To", "截止日期"),
    FilterScenario => ("Scenario", "情景"),
    FilterTrainee => ("Trainee", "学员"),
    FilterAny => ("(all)", "（全部）"),
    ApplyFilter => ("Apply", "应用"),
    TabOverview => ("Overview", "总览"),
    TabWrongChoices => ("Where learners go wrong", "学员易错点"),
    TabAttempts => ("Attempts", "练习记录"),
    CohortAverages => ("Cohort averages", "全体平均分"),
    TraineeTable => ("Trainees", "学员列表"),
    ColTrainee => ("Trainee", "学员"),
    ColAttempts => ("Attempts", "练习次数"),
    ColLast => ("Last", "最近一次"),
    ColBest => ("Best", "最好成绩"),
    ColWeakest => ("Weakest principle", "最弱原则"),
    ColImprovement => ("First to last", "首次至最近进步"),
    TrendChart => ("Trend", "成绩趋势"),
    WrongChoicesTitle => ("Most common poor choices", "最常见的不当回复"),
    PerStepTitle => ("Replies chosen at each step", "各步骤回复选择情况"),
    ColScenario => ("Scenario", "情景"),
    ColStep => ("Step", "步骤"),
    ColReply => ("Reply", "回复"),
    ColChosen => ("Chosen", "被选次数"),
    ColShare => ("Share", "占比"),
    ColRating => ("Rating", "评分"),
    ColStarted => ("Started", "开始时间"),
    ColSteps => ("Steps", "步数"),
    ColOpen => ("Details", "详情"),
    ViewAttempt => ("View", "查看"),
    BackToDashboard => ("Back", "返回"),
    ReplayFailed => ("Could not replay: {}", "无法重放：{}"),
    TimedOutShort => ("(time ran out)", "（超时）"),
    MoodFromTo => ("mood {} → {}", "情绪 {} → {}"),
    // t12 (issue 12, the trainee's loop): status bar, leaving a conversation, library keys,
    // past attempts.
    StatusSavedHere => ("Results saved on this computer", "成绩已保存在本机"),
    StatusAllSent => ("Results saved and sent to the training records", "成绩已保存并已发送到培训记录"),
    StatusSending => ("Results saved on this computer; sending them to the training records", "成绩已保存在本机，正在发送到培训记录"),
    StatusRetrying => ("Results saved on this computer; the training records can't be reached just now, sending will be tried again", "成绩已保存在本机；暂时连不上培训记录，稍后会重新发送"),
    StatusRefused => ("Results saved on this computer; some could not be sent — please tell your trainer", "成绩已保存在本机；部分成绩发送失败，请告诉培训师"),
    StatusSetupProblem => ("Results saved on this computer; sending is not set up correctly — please tell your trainer", "成绩已保存在本机；发送设置有问题，请告诉培训师"),
    StatusDetails => ("{} records waiting, {} sent, {} refused", "待发送 {} 条，已发送 {} 条，被拒收 {} 条"),
    LeaveTitle => ("Leave this conversation?", "要离开这次对话吗？"),
    LeaveBody => ("It is saved as not finished; the replies you gave so far stay in your attempts.", "本次练习会记为未完成，已经作答的部分仍会保存在练习记录里。"),
    LeaveTimerNote => ("The reply timer keeps running while you decide.", "决定期间，回复计时不会暂停。"),
    LeaveYes => ("Leave", "离开"),
    LeaveNo => ("Keep going", "继续对话"),
    HintLeaveDialog => ("Enter: keep going · Tab then Enter: leave · Esc: keep going", "回车：继续对话 · Tab 再回车：离开 · Esc：继续对话"),
    Today => ("Today {}", "今天 {}"),
    Yesterday => ("Yesterday {}", "昨天 {}"),
    PastAttemptTitle => ("Your attempt of {}", "你在{}的练习"),
    PastNotFinished => ("This attempt was not finished, so it has no score. Your replies:", "这次练习没有完成，所以没有得分。你的回复："),
    PastCannotShow => ("This attempt cannot be shown: {}", "无法显示这次练习：{}"),
    Close => ("Close", "关闭"),
    HintPastAttempt => ("Enter or Esc: close", "回车或 Esc：关闭"),
    HintHistory => ("Click an attempt (or Tab to it, Enter) to see its debrief.", "点击一条练习记录（或用 Tab 选中后按回车）查看总结。"),
    // ---- the manager's review and the trainer's preview (m12) ----
    NTrainee => ("{} trainee", "学员 {} 人"),
    NTrainees => ("{} trainees", "学员 {} 人"),
    NAttempt => ("{} attempt", "练习 {} 次"),
    NAttempts => ("{} attempts", "练习 {} 次"),
    NFinished => ("{} finished", "完成 {} 次"),
    NPassed => ("{} passed", "通过 {} 次"),
    NotInLibrary => ("{} (no longer in the library)", "{}（已不在情景库中）"),
    SourceApp => ("Training-room app", "培训室应用"),
    SourceCli => ("Command line", "命令行"),
    SourceImport => ("Imported", "导入"),
    ResultPassed => ("Passed", "通过"),
    ResultFailed => ("Not passed", "未通过"),
    ResultInProgress => ("In progress", "进行中"),
    ResultAbandoned => ("Left unfinished", "未完成"),
    ColSource => ("Recorded by", "记录来源"),
    ColResult => ("Result", "结果"),
    ColOutcome => ("Outcome", "结局"),
    ColStartedUtc => ("Started", "开始时间"),
    ColCustomerSays => ("The customer says", "顾客说"),
    ColReplyChosen => ("Reply chosen", "所选回复"),
    CsvScenarioId => ("Scenario id", "情景编号"),
    CsvAttemptId => ("Attempt id", "练习编号"),
    TabCompletion => ("Completion", "完成情况"),
    ExportTo => ("Export the attempts shown (CSV) to", "将当前筛选的练习记录导出为 CSV："),
    ExportPathHint => ("a file path ending in .csv", "以 .csv 结尾的文件路径"),
    ExportCsv => ("Export", "导出"),
    Exported => ("Exported {} attempts to {}", "已将 {} 条练习记录导出到 {}"),
    ExportFailed => ("Export failed: {}", "导出失败：{}"),
    TrendHintPerScenario => ("Overall score of each finished attempt at this scenario over time (this computer's local time), one line per trainee; the dashed line is the pass mark.", "该情景每次完成练习的总分随时间（本机当地时间）的变化，每位学员一条线；虚线为及格线。"),
    NoFinishedAttempts => ("No finished attempts yet.", "还没有完成的练习。"),
    CompletionTitle => ("Who has done what", "学员完成情况"),
    CompletionHint => ("Each trainee's best result at each scenario. Shift+PageUp/PageDown or Shift+←/→: scroll sideways.", "每位学员在每个情景中的最好成绩。Shift+PageUp/PageDown 或 Shift+←/→：左右滚动。"),
    NoTraineesYet => ("No trainees yet.", "还没有学员。"),
    GridNotStarted => ("Not started", "未开始"),
    GridUnfinished => ("Not finished", "未完成"),
    GridFailed => ("Not passed · best {}", "未通过 · 最好 {}"),
    GridPassed => ("Passed · best {}", "通过 · 最好 {}"),
    WrongChoicesHintOpen => ("Replies other than the step's best, most chosen first. Press Show (or Enter on it) to see the attempts behind a row.", "非最佳回复，按被选次数从多到少排列。点击“查看”（或在按钮上按回车）可查看相关练习。"),
    ShowTheseAttempts => ("Show the {} attempts", "查看这 {} 次练习"),
    ShowThisAttempt => ("Show this attempt", "查看这次练习"),
    FocusAttempts => ("{} attempts chose “{}” in “{}”", "{} 次练习选择了“{}”（情景：{}）"),
    ShowAllAttempts => ("Show all attempts", "显示全部练习"),
    FindingAttempts => ("Finding the attempts…", "正在查找相关练习……"),
    ListTruncated => ("Showing the newest {} of {} attempts; export to CSV to see them all.", "仅显示最新的 {} 条（共 {} 条），导出 CSV 可查看全部。"),
    RecordedBy => ("recorded by: {}", "记录来源：{}"),
    DrillKeys => ("Esc: back to the dashboard · PageUp/PageDown: scroll", "Esc：返回总览 · PageUp/PageDown：翻页"),
    MapTimedStep => ("timed: {} s to reply", "限时：{} 秒内回复"),
}

impl T {
    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en(),
            Lang::Zh => self.zh(),
        }
    }

    /// The text in `lang` with each `{}` replaced by the next argument.
    pub fn fmt(self, lang: Lang, args: &[&dyn Display]) -> String {
        fill(self.get(lang), args)
    }
}

/// The colon after a label: "Outcome: …" in English, "结果：…" (full-width) in Chinese.
pub fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::En => ": ",
        Lang::Zh => "：",
    }
}

/// Replaces each `{}` in `template` with the next argument (missing ones stay empty).
pub(crate) fn fill(template: &str, args: &[&dyn Display]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut rest = template;
    while let Some(i) = rest.find("{}") {
        out.push_str(&rest[..i]);
        if let Some(a) = args.next() {
            out.push_str(&a.to_string());
        }
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_with_the_same_arguments() {
        for key in T::ALL {
            let (en, zh) = (key.en(), key.zh());
            assert!(!en.trim().is_empty(), "{key:?} has no English text");
            assert!(!zh.trim().is_empty(), "{key:?} has no Chinese text");
            assert_eq!(
                en.matches("{}").count(),
                zh.matches("{}").count(),
                "{key:?}: argument count differs"
            );
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{key:?}: the Chinese text has no Chinese characters"
            );
        }
    }

    #[test]
    fn fill_replaces_in_order() {
        assert_eq!(fill("Mood {} to {}", &[&40, &"55"]), "Mood 40 to 55");
        assert_eq!(T::SecondsLeft.fmt(Lang::Zh, &[&7]), "剩余 7 秒");
    }

    #[test]
    fn lang_codes_round_trip() {
        for l in Lang::ALL {
            assert_eq!(Lang::from_code(l.code()), Some(l));
        }
        assert_eq!(Lang::from_code("fr"), None);
    }
}
