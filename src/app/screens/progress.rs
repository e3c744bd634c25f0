//! "My progress": the signed-in trainee's mastery by principle over time (a chart with its uncertainty band) and by service rule now, in words a new hire understands.
//!
//! Pure: [`ui`] draws a [`ProgressVm`] (built by `app::learning`) and returns an
//! [`Action`]. Keys: Esc, Enter or Backspace back to the library; Up/Down and
//! Page Up/Page Down scroll; Tab reaches the Back button.

use crate::app::flow::{Action, Screen};
use crate::app::i18n::Lang;
use crate::app::screens::{add_screen_system, bottom_panel, caption, show};
use crate::app::theme::Palette;
use bevy::prelude::*;
use bevy_egui::EguiContexts;
use bevy_egui::egui::{self, Color32, Key, RichText};

/// Where the trainee stands on one rule or principle, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    NotEnough,
    Learning,
    Reliable,
}

/// One principle's line on the chart: mastery (0–100) over time, with its 90 % range.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// x: days relative to today (0 = now, −7 = a week ago); y: mastery 0–100.
    pub points: Vec<[f64; 2]>,
    /// (x, low, high) of the 90 % range at each point.
    pub band: Vec<(f64, f64, f64)>,
}

/// One row of "now": a principle or a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// A principle's name or a rule's title (never an id).
    pub label: String,
    pub standing: Standing,
    /// Mastery 0–100, and its 90 % range, once there is enough practice to say.
    pub percent: Option<(f64, f64, f64)>,
    /// "3 right, 1 wrong" in the trainee's language.
    pub counts: String,
}

/// What the screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressVm {
    pub lang: Lang,
    pub high_contrast: bool,
    pub trainee: String,
    pub series: Vec<Series>,
    pub principles: Vec<Row>,
    /// Rules the trainee has met, least reliable first.
    pub rules: Vec<Row>,
}

/// The screen's fixed words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    Title,
    Intro,
    Chart,
    ChartHelp,
    ByPrinciple,
    ByRule,
    NoRules,
    Empty,
    Back,
    Keys,
    Today,
    DaysAgo,
    Range,
}

impl Words {
    pub fn get(self, lang: Lang) -> &'static str {
        let zh = lang == Lang::Zh;
        match (self, zh) {
            (Words::Title, false) => "My progress",
            (Words::Title, true) => "我的进步",
            (Words::Intro, false) => {
                "How reliably you keep each principle and service rule, from your own choices. Recent practice counts most."
            }
            (Words::Intro, true) => {
                "根据您自己的每一次选择，看看各项原则和服务规范您做得有多稳。越近的练习分量越重。"
            }
            (Words::Chart, false) => "The principles over time",
            (Words::Chart, true) => "各项原则的变化",
            (Words::ChartHelp, false) => {
                "The line is our best estimate; the shaded band is how sure we are (wide = not sure yet)."
            }
            (Words::ChartHelp, true) => "线是目前的估计；阴影越宽，说明还越拿不准。",
            (Words::ByPrinciple, false) => "The principles now",
            (Words::ByPrinciple, true) => "现在的各项原则",
            (Words::ByRule, false) => "The service rules you have met, weakest first",
            (Words::ByRule, true) => "您练到过的服务规范（最需要加强的在前）",
            (Words::NoRules, false) => "No service rule has come up yet.",
            (Words::NoRules, true) => "还没有练到具体的服务规范。",
            (Words::Empty, false) => "Nothing to show yet: play a scenario and come back.",
            (Words::Empty, true) => "还没有可显示的内容：先练一个情景再来看。",
            (Words::Back, false) => "Back to the library",
            (Words::Back, true) => "返回情景库",
            (Words::Keys, false) => "Esc or Enter: back · ↑ ↓ Page Up/Down: scroll",
            (Words::Keys, true) => "Esc 或回车：返回 · ↑ ↓ 翻页键：滚动",
            (Words::Today, false) => "today",
            (Words::Today, true) => "今天",
            (Words::DaysAgo, false) => "{} days ago",
            (Words::DaysAgo, true) => "{}天前",
            (Words::Range, false) => "likely between {} and {}",
            (Words::Range, true) => "大致在{}到{}之间",
        }
    }
}

impl Standing {
    /// The words a new hire reads.
    pub fn words(self, lang: Lang) -> &'static str {
        let zh = lang == Lang::Zh;
        match (self, zh) {
            (Standing::NotEnough, false) => "not enough practice yet",
            (Standing::NotEnough, true) => "练得还不够，暂无结论",
            (Standing::Learning, false) => "still learning",
            (Standing::Learning, true) => "还在学习中",
            (Standing::Reliable, false) => "reliable",
            (Standing::Reliable, true) => "已经做得稳",
        }
    }

    fn colour(self, p: &Palette) -> Color32 {
        match self {
            Standing::NotEnough => p.neutral,
            Standing::Learning => p.bad,
            Standing::Reliable => p.good,
        }
    }
}

/// The id of the screen's scroll area.
pub(crate) fn scroll_id() -> egui::Id {
    egui::Id::new("progress-scroll")
}

/// A series colour for the `i`th principle (distinct in both themes).
fn series_colour(i: usize, high_contrast: bool) -> Color32 {
    let normal = [
        Color32::from_rgb(30, 90, 180),
        Color32::from_rgb(200, 100, 0),
        Color32::from_rgb(20, 130, 60),
        Color32::from_rgb(150, 40, 150),
    ];
    let hc = [
        Color32::from_rgb(255, 230, 0),
        Color32::from_rgb(0, 220, 255),
        Color32::from_rgb(0, 255, 120),
        Color32::from_rgb(255, 120, 255),
    ];
    let set = if high_contrast { hc } else { normal };
    set[i % 4]
}

/// Draws the screen; [`Action::BackToLibrary`] on Esc, Enter, Backspace or the button.
pub fn ui(ui: &mut egui::Ui, vm: &ProgressVm) -> Option<Action> {
    let lang = vm.lang;
    let mut out = None;
    bottom_panel(ui, "progress-actions", |ui| {
        ui.add_space(6.0);
        if ui
            .button(RichText::new(Words::Back.get(lang)).strong())
            .clicked()
        {
            out = Some(Action::BackToLibrary);
        }
        ui.label(RichText::new(Words::Keys.get(lang)).small().weak());
    });
    let (delta, back) = ui.input(|i| {
        let line = 60.0;
        let page = i.content_rect().height() * 0.8;
        let mut d = 0.0;
        if i.key_pressed(Key::ArrowDown) {
            d -= line;
        }
        if i.key_pressed(Key::ArrowUp) {
            d += line;
        }
        if i.key_pressed(Key::PageDown) {
            d -= page;
        }
        if i.key_pressed(Key::PageUp) {
            d += page;
        }
        let back = i.key_pressed(Key::Escape)
            || i.key_pressed(Key::Backspace)
            || (i.key_pressed(Key::Enter) && i.modifiers.is_none());
        (d, back)
    });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical()
            .id_salt(scroll_id())
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if delta != 0.0 {
                    ui.scroll_with_delta(egui::vec2(0.0, delta));
                }
                body(ui, vm);
            });
    });
    if back {
        out = Some(Action::BackToLibrary);
    }
    out
}

fn body(ui: &mut egui::Ui, vm: &ProgressVm) {
    let lang = vm.lang;
    let palette = Palette::of(vm.high_contrast);
    ui.heading(format!("{} — {}", Words::Title.get(lang), vm.trainee));
    ui.add(egui::Label::new(Words::Intro.get(lang)).wrap());
    if vm.principles.iter().all(|r| r.counts.is_empty()) && vm.rules.is_empty() {
        ui.add_space(8.0);
        ui.label(Words::Empty.get(lang));
        return;
    }
    ui.add_space(8.0);
    caption(ui, Words::Chart.get(lang));
    ui.label(RichText::new(Words::ChartHelp.get(lang)).weak());
    chart(ui, vm);
    ui.add_space(8.0);
    caption(ui, Words::ByPrinciple.get(lang));
    rows(ui, &vm.principles, lang, &palette);
    ui.add_space(8.0);
    caption(ui, Words::ByRule.get(lang));
    if vm.rules.is_empty() {
        ui.label(Words::NoRules.get(lang));
    }
    rows(ui, &vm.rules, lang, &palette);
}

fn chart(ui: &mut egui::Ui, vm: &ProgressVm) {
    let lang = vm.lang;
    let lo = vm
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p[0]))
        .fold(0.0f64, f64::min);
    let body = ui.text_style_height(&egui::TextStyle::Body);
    let height = (ui.ctx().content_rect().height() * 0.38).clamp(180.0, 340.0);
    egui_plot::Plot::new("progress-chart")
        .height(height)
        .include_y(0.0)
        .include_y(100.0)
        .include_x(lo.min(-1.0))
        .include_x(0.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_x(false)
        .y_axis_min_width(3.0 * body)
        .legend(egui_plot::Legend::default().position(egui_plot::Corner::LeftBottom))
        .x_axis_formatter(move |mark, _| {
            let d = mark.value.round() as i64;
            if d == 0 {
                Words::Today.get(lang).to_string()
            } else if d < 0 {
                Words::DaysAgo.get(lang).replace("{}", &(-d).to_string())
            } else {
                String::new()
            }
        })
        .y_axis_formatter(|mark, _| format!("{:.0}%", mark.value))
        .show(ui, |p| {
            for (i, s) in vm.series.iter().enumerate() {
                let colour = series_colour(i, vm.high_contrast);
                // The line first: the legend takes its colour from it.
                p.line(
                    egui_plot::Line::new(s.label.clone(), s.points.clone())
                        .color(colour)
                        .width(2.5),
                );
                if s.band.len() >= 2 {
                    let xs: Vec<f64> = s.band.iter().map(|b| b.0).collect();
                    let lows: Vec<f64> = s.band.iter().map(|b| b.1).collect();
                    let highs: Vec<f64> = s.band.iter().map(|b| b.2).collect();
                    let [r, g, b, _] = colour.to_array();
                    p.add(
                        // No name: the legend shows the line alone.
                        egui_plot::FilledArea::new("", &xs, &lows, &highs)
                            .fill_color(Color32::from_rgba_unmultiplied(r, g, b, 40))
                            .allow_hover(false),
                    );
                }
            }
        });
}

fn rows(ui: &mut egui::Ui, rows: &[Row], lang: Lang, palette: &Palette) {
    let body = ui.text_style_height(&egui::TextStyle::Body);
    let width = ui.available_width();
    let label_w = (width * 0.28).clamp(140.0, 420.0);
    let bar_w = (width * 0.22).clamp(100.0, 300.0);
    for r in rows {
        ui.horizontal_top(|ui| {
            ui.allocate_ui(egui::vec2(label_w, body), |ui| {
                ui.set_width(label_w);
                ui.add(egui::Label::new(RichText::new(&r.label).strong()).wrap());
            });
            let (rect, _) =
                ui.allocate_exact_size(egui::vec2(bar_w, body * 0.9), egui::Sense::hover());
            range_bar(ui, rect, r, palette);
            let mut text = r.standing.words(lang).to_string();
            if let Some((m, l, h)) = r.percent {
                let range = Words::Range
                    .get(lang)
                    .replacen("{}", &format!("{l:.0}%"), 1)
                    .replacen("{}", &format!("{h:.0}%"), 1);
                text = match lang {
                    Lang::Zh => format!("{text} · {m:.0}%（{range}）"),
                    Lang::En => format!("{text} · {m:.0}% ({range})"),
                };
            }
            if !r.counts.is_empty() {
                text = format!("{text} · {}", r.counts);
            }
            ui.add(egui::Label::new(RichText::new(text).color(r.standing.colour(palette))).wrap());
        });
        ui.add_space(4.0);
    }
}

/// A 0–100 track with the 90 % range shaded and the estimate marked (nothing marked
/// without enough practice).
fn range_bar(ui: &egui::Ui, rect: egui::Rect, r: &Row, palette: &Palette) {
    let painter = ui.painter_at(rect);
    let track = ui.visuals().widgets.inactive.bg_fill;
    painter.rect_filled(rect, 3.0, track);
    let x = |v: f64| rect.left() + rect.width() * (v / 100.0).clamp(0.0, 1.0) as f32;
    if let Some((m, l, h)) = r.percent {
        let colour = r.standing.colour(palette);
        painter.rect_filled(
            egui::Rect::from_x_y_ranges(x(l)..=x(h), rect.y_range()),
            3.0,
            colour.gamma_multiply(0.35),
        );
        painter.rect_filled(
            egui::Rect::from_center_size(
                egui::pos2(x(m), rect.center().y),
                egui::vec2(4.0, rect.height()),
            ),
            1.0,
            colour,
        );
    }
}

pub(crate) fn plugin(app: &mut App) {
    add_screen_system(app, Screen::Progress, draw);
}

fn draw(
    mut contexts: EguiContexts,
    vm: Option<Res<ProgressScreen>>,
    mut actions: MessageWriter<Action>,
) -> Result {
    let Some(vm) = vm.and_then(|v| v.0.clone()) else {
        return Ok(());
    };
    show(&mut contexts, &mut actions, |u| ui(u, &vm))
}

/// The My progress view model (filled by `app::learning`), built on entering the screen and when the settings change.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct ProgressScreen(pub Option<ProgressVm>);
