//! Fonts (egui's defaults plus a bundled CJK font and a symbol fallback), text size, the high-contrast theme and the window title.

use crate::app::flow::Settings;
use crate::app::i18n::{Lang, T};
use bevy::prelude::*;
use bevy_egui::EguiContexts;
use bevy_egui::egui::{
    self, Color32, FontData, FontDefinitions, FontFamily, FontId, Stroke, TextStyle,
};
use std::sync::Arc;

/// Droid Sans Fallback (Apache-2.0, see `assets/fonts/LICENSE-DroidSansFallback.txt`),
/// compiled in so the binary runs from any directory.
pub const CJK_FONT: &[u8] = include_bytes!("../../assets/fonts/DroidSansFallbackFull.ttf");

/// The font name the CJK fallback is registered under.
pub const CJK_FONT_NAME: &str = "droid-sans-fallback";

/// DejaVu Sans (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVuSans.txt`): the
/// last fallback, for the arrows and marks (→ ✓ …) neither egui's fonts nor the CJK
/// font have, which would otherwise be drawn as boxes.
pub const SYMBOL_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The font name the symbol fallback is registered under.
pub const SYMBOL_FONT_NAME: &str = "dejavu-sans";

/// Colours with a meaning, per theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub good: Color32,
    pub bad: Color32,
    pub neutral: Color32,
    pub accent: Color32,
    pub customer_bubble: Color32,
    pub trainee_bubble: Color32,
}

impl Palette {
    pub(crate) fn of(high_contrast: bool) -> Palette {
        if high_contrast {
            Palette {
                good: Color32::from_rgb(0, 255, 120),
                bad: Color32::from_rgb(255, 90, 90),
                neutral: Color32::WHITE,
                accent: Color32::from_rgb(255, 230, 0),
                customer_bubble: Color32::from_rgb(20, 20, 20),
                trainee_bubble: Color32::from_rgb(0, 40, 90),
            }
        } else {
            Palette {
                good: Color32::from_rgb(20, 130, 60),
                bad: Color32::from_rgb(190, 40, 40),
                neutral: Color32::from_rgb(90, 90, 90),
                accent: Color32::from_rgb(30, 90, 180),
                customer_bubble: Color32::from_rgb(236, 236, 240),
                trainee_bubble: Color32::from_rgb(218, 232, 250),
            }
        }
    }

    /// Colour for a rating or score change: positive good, negative bad.
    pub(crate) fn signed(&self, v: i64) -> Color32 {
        match v.signum() {
            1 => self.good,
            -1 => self.bad,
            _ => self.neutral,
        }
    }
}

/// The fonts for `lang`. In Chinese the CJK font comes first, so that the punctuation
/// Latin fonts also have (“”：…—·) is drawn full-width with the Chinese text around it;
/// in English it comes last and only draws what the Latin fonts lack.
pub fn fonts_for(lang: Lang) -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert(
        CJK_FONT_NAME.to_string(),
        Arc::new(FontData::from_static(CJK_FONT)),
    );
    fonts.font_data.insert(
        SYMBOL_FONT_NAME.to_string(),
        Arc::new(FontData::from_static(SYMBOL_FONT)),
    );
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        let list = fonts.families.entry(family).or_default();
        match lang {
            Lang::Zh => list.insert(0, CJK_FONT_NAME.to_string()),
            Lang::En => list.push(CJK_FONT_NAME.to_string()),
        }
        list.push(SYMBOL_FONT_NAME.to_string());
    }
    fonts
}

/// The egui style for the trainee's settings.
pub fn style(settings: &Settings) -> egui::Style {
    let mut style = egui::Style {
        visuals: if settings.high_contrast {
            high_contrast_visuals()
        } else {
            egui::Visuals::light()
        },
        ..Default::default()
    };
    // A blinking cursor would need a repaint every half second, even when idle.
    style.visuals.text_cursor.blink = false;
    // Key hints, captions, placeholders and the status strip are "weak" text: egui's
    // default (the text colour at 60 % alpha, about 2.9:1 on the light panel) is too
    // faint to read. These keep at least 4.5:1 (WCAG AA) on every background they sit on.
    style.visuals.weak_text_color = Some(weak_text_color(settings.high_contrast));
    let body = settings.text_size.body_points();
    let p = FontFamily::Proportional;
    style.text_styles = [
        (TextStyle::Heading, FontId::new(body * 1.45, p.clone())),
        (TextStyle::Body, FontId::new(body, p.clone())),
        (TextStyle::Button, FontId::new(body, p.clone())),
        (TextStyle::Small, FontId::new(body * 0.8, p)),
        (
            TextStyle::Monospace,
            FontId::new(body * 0.9, FontFamily::Monospace),
        ),
    ]
    .into();
    style.spacing.item_spacing = egui::vec2(8.0, 8.0);
    style.spacing.button_padding = egui::vec2(10.0, 6.0);
    style.spacing.interact_size.y = body + 12.0;
    style
}

/// The colour of weak text (hints, captions, the status strip) in each theme.
pub(crate) fn weak_text_color(high_contrast: bool) -> Color32 {
    if high_contrast {
        Color32::from_gray(200)
    } else {
        Color32::from_gray(96)
    }
}

/// WCAG contrast ratio (1–21) between two opaque colours.
#[cfg(test)]
pub(crate) fn contrast_ratio(a: Color32, b: Color32) -> f32 {
    fn luminance(c: Color32) -> f32 {
        let lin = |v: u8| {
            let s = f32::from(v) / 255.0;
            if s <= 0.040_45 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    }
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn high_contrast_visuals() -> egui::Visuals {
    let mut v = egui::Visuals::dark();
    let yellow = Color32::from_rgb(255, 230, 0);
    v.override_text_color = Some(Color32::WHITE);
    v.panel_fill = Color32::BLACK;
    v.window_fill = Color32::BLACK;
    v.extreme_bg_color = Color32::BLACK;
    v.faint_bg_color = Color32::from_gray(24);
    v.hyperlink_color = yellow;
    v.selection.bg_fill = Color32::from_rgb(0, 70, 160);
    v.selection.stroke = Stroke::new(2.0, Color32::WHITE);
    for w in [
        &mut v.widgets.noninteractive,
        &mut v.widgets.inactive,
        &mut v.widgets.hovered,
        &mut v.widgets.active,
        &mut v.widgets.open,
    ] {
        w.fg_stroke = Stroke::new(1.5, Color32::WHITE);
        w.bg_stroke = Stroke::new(1.5, Color32::WHITE);
    }
    v.widgets.inactive.bg_fill = Color32::from_gray(20);
    v.widgets.inactive.weak_bg_fill = Color32::from_gray(20);
    v.widgets.hovered.bg_fill = Color32::from_gray(60);
    v.widgets.hovered.weak_bg_fill = Color32::from_gray(60);
    v.widgets.hovered.bg_stroke = Stroke::new(2.5, yellow);
    v.widgets.active.bg_stroke = Stroke::new(3.0, yellow);
    v
}

/// Installs the fonts and the style (before the egui pass) whenever the settings change.
pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        PostUpdate,
        (
            // Just before bevy_egui runs the pass (`run_ui`, in `EndPass`). egui takes new
            // fonts, and the text options of a new style, only when a pass begins: set
            // inside the pass (as they were), they made the first pass lay its text out
            // into a font atlas that the next pass threw away, and the countdown's glyphs,
            // laid out once in advance, went with it (three frames a second instead of one).
            apply_theme.before(bevy_egui::EguiPostUpdateSet::EndPass),
            // Before the redraw policy reads this frame's wishes: after it, the extra frame
            // waited for the next wake (a blank digit stayed for up to a second). And
            // before bevy_egui uploads the textures, which empties the delta this reads.
            redraw_after_new_glyphs
                .after(bevy_egui::EguiPostUpdateSet::ProcessOutput)
                .before(bevy_egui::EguiPostUpdateSet::PostProcessOutput)
                .before(crate::app::redraw::RedrawPolicy),
        ),
    );
}

/// A frame that adds glyphs to egui's font texture (text or digits seen for the first
/// time at a size: a countdown's next second, a new screen's hint) can be drawn before
/// the texture update reaches the GPU, and those characters come out blank ("1_ s
/// left"). The app draws no frame until something happens, so the blank could stay:
/// ask for one more frame whenever the texture changed.
fn redraw_after_new_glyphs(
    mut contexts: Query<(&mut bevy_egui::EguiContext, &bevy_egui::EguiRenderOutput)>,
    mut debug: Local<Option<bool>>,
) {
    for (mut ctx, out) in &mut contexts {
        if !out.textures_delta.set.is_empty() {
            if *debug.get_or_insert_with(|| std::env::var_os("COURTESY_DEBUG_REDRAW").is_some()) {
                for (id, deltas) in &out.textures_delta.set {
                    for d in deltas {
                        info!(
                            "texture {id:?} changed: {:?} at {:?} (a redraw follows)",
                            d.image.size(),
                            d.pos
                        );
                    }
                }
            }
            // (egui draws two frames for this: the one asked for and one more.)
            ctx.get_mut().request_repaint();
        }
    }
}

/// Sets the fonts for the trainee's language (and the window title with them) and the
/// style for the settings, when they change, before the pass that draws with them.
fn apply_theme(
    mut contexts: EguiContexts,
    settings: Res<Settings>,
    mut applied: Local<Option<Settings>>,
    mut fonts_for_lang: Local<Option<Lang>>,
    mut clear: ResMut<ClearColor>,
    mut windows: Query<&mut Window, With<bevy::window::PrimaryWindow>>,
) {
    if *fonts_for_lang == Some(settings.lang) && applied.as_ref() == Some(&*settings) {
        return;
    }
    // No context yet (before the camera exists): the next frame sets them.
    let Ok(ctx) = contexts.ctx_mut() else { return };
    if *fonts_for_lang != Some(settings.lang) {
        ctx.set_fonts(fonts_for(settings.lang));
        *fonts_for_lang = Some(settings.lang);
        // The window title follows the language too.
        let title = T::AppTitle.get(settings.lang);
        for mut w in &mut windows {
            if w.title != title {
                w.title = title.to_string();
            }
        }
    }
    if applied.as_ref() != Some(&*settings) {
        let mut s = style(&settings);
        // The window's background is the camera's clear colour, not a full-window egui
        // rectangle: with a software renderer every pixel egui shades costs (its shader
        // converts colours per pixel), and panels painted over the whole window doubled
        // the cost of each frame. Panels are transparent over the cleared background.
        let [r, g, b, _] = s.visuals.panel_fill.to_array();
        clear.0 = Color::srgb_u8(r, g, b);
        s.visuals.panel_fill = Color32::TRANSPARENT;
        ctx.set_style_of(egui::Theme::Light, s.clone());
        ctx.set_style_of(egui::Theme::Dark, s);
        *applied = Some(*settings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::flow::TextSize;

    /// `fg` (possibly translucent, premultiplied as egui keeps it) drawn over `bg`.
    fn over(fg: Color32, bg: Color32) -> Color32 {
        let a = f32::from(fg.a()) / 255.0;
        let mix = |f: u8, b: u8| (f32::from(f) + f32::from(b) * (1.0 - a)).round() as u8;
        Color32::from_rgb(
            mix(fg.r(), bg.r()),
            mix(fg.g(), bg.g()),
            mix(fg.b(), bg.b()),
        )
    }

    #[test]
    fn weak_text_reads_on_every_background_it_is_drawn_on() {
        for high_contrast in [false, true] {
            let settings = Settings {
                high_contrast,
                text_size: TextSize::Normal,
                ..Settings::default()
            };
            let v = style(&settings).visuals;
            let p = Palette::of(high_contrast);
            let weak = v.weak_text_color();
            for (what, bg) in [
                ("panel", v.panel_fill),
                ("window", v.window_fill),
                ("text field", v.extreme_bg_color),
                ("faint rows", over(v.faint_bg_color, v.panel_fill)),
                ("button", v.widgets.inactive.weak_bg_fill),
                ("customer bubble", p.customer_bubble),
                ("trainee bubble", p.trainee_bubble),
            ] {
                let ratio = contrast_ratio(over(weak, bg), bg);
                assert!(
                    ratio >= 4.5,
                    "weak text on the {what} (high contrast {high_contrast}): {ratio:.2}:1, \
                     under 4.5:1"
                );
            }
        }
    }

    #[test]
    fn egui_default_weak_text_is_too_faint() {
        // What the app had before: the check above would catch it.
        let v = egui::Visuals::light();
        let ratio = contrast_ratio(over(v.weak_text_color(), v.panel_fill), v.panel_fill);
        assert!(ratio < 4.5, "{ratio}");
    }
}
