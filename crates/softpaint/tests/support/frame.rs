//! A real egui frame like the app's conversation screen (a rounded transcript frame of long
//! wrapped paragraphs, four large rounded reply buttons), run and tessellated by egui itself.

#![allow(dead_code)]

use egui::{
    ClippedPrimitive, Color32, CornerRadius, Pos2, RawInput, Rect, TexturesDelta, Ui, ViewportId,
    vec2,
};

/// The button fill the frame uses (opaque, so it lands in the buffer byte for byte).
pub const BUTTON_FILL: Color32 = Color32::from_rgb(40, 96, 200);

const PARAGRAPHS: [&str; 5] = [
    "Good afternoon, and thank you for waiting. I can see the parcel was due on Tuesday and it still has not arrived; I am sorry that you have had to call about it.",
    "I understand. I have been waiting in all week and nobody could tell me where it is. Your tracking page has said \"out for delivery\" for three days now.",
    "That is not good enough, and I will not pretend otherwise. Let me check the depot's scan history while you are on the line, so you do not have to repeat anything.",
    "The last scan was at the regional hub on Monday night. It was put on the wrong van, which is why the status never changed. I will have it re-routed today.",
    "If it is not with you by Friday at noon, we will send a replacement by courier at no cost, and I will call you myself on Friday morning to confirm either way.",
];

/// The conversation screen: a heading, a rounded frame across the window holding a
/// transcript of `paragraphs` wrapped paragraphs (scrolled to the bottom), and four large
/// rounded buttons. Returns the button rects.
pub fn conversation(ui: &mut Ui, paragraphs: usize) -> Vec<Rect> {
    let mut buttons = Vec::new();
    egui::CentralPanel::default().show(ui, |ui| {
        ui.heading("Delayed parcel: the customer calls for the third time");
        ui.add_space(6.0);
        let transcript_height = ui.available_height() - 200.0;
        egui::Frame::group(ui.style())
            .corner_radius(CornerRadius::same(10))
            .fill(ui.visuals().extreme_bg_color)
            .inner_margin(12.0)
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                egui::ScrollArea::vertical()
                    .max_height(transcript_height.max(50.0))
                    .stick_to_bottom(true)
                    .show(ui, |ui| {
                        for i in 0..paragraphs {
                            let who = if i % 2 == 0 { "Agent" } else { "Customer" };
                            ui.label(egui::RichText::new(who).strong());
                            // Two sentences a paragraph: long enough to wrap at 1280 px.
                            let n = PARAGRAPHS.len();
                            ui.label(format!("{} {}", PARAGRAPHS[i % n], PARAGRAPHS[(i + 2) % n]));
                            ui.add_space(4.0);
                        }
                    });
            });
        ui.add_space(8.0);
        ui.horizontal_wrapped(|ui| {
            for label in [
                "Apologise and check the scans",
                "Explain the policy",
                "Offer a replacement now",
                "Transfer to a supervisor",
            ] {
                let b =
                    egui::Button::new(egui::RichText::new(label).size(18.0).color(Color32::WHITE))
                        .fill(BUTTON_FILL)
                        .corner_radius(CornerRadius::same(12))
                        .min_size(vec2(280.0, 56.0));
                buttons.push(ui.add(b).rect);
            }
        });
    });
    buttons
}

/// One tessellated frame of [`conversation`] at `width` x `height` physical pixels and
/// `ppp`, after `warmup` earlier frames (layout settles, the font atlas fills); every
/// frame's texture delta is merged into the one returned, in order.
pub struct Frame {
    pub primitives: Vec<ClippedPrimitive>,
    pub textures: TexturesDelta,
    pub background: Color32,
    pub buttons: Vec<Rect>,
    pub ctx: egui::Context,
}

pub fn run(width: usize, height: usize, ppp: f32, paragraphs: usize, light: bool) -> Frame {
    let ctx = egui::Context::default();
    ctx.set_visuals(if light {
        egui::Visuals::light()
    } else {
        egui::Visuals::dark()
    });
    let mut textures = TexturesDelta::default();
    let mut last = None;
    for _ in 0..3 {
        let mut input = RawInput {
            screen_rect: Some(Rect::from_min_size(
                Pos2::ZERO,
                vec2(width as f32 / ppp, height as f32 / ppp),
            )),
            ..Default::default()
        };
        input
            .viewports
            .entry(ViewportId::ROOT)
            .or_default()
            .native_pixels_per_point = Some(ppp);
        let mut buttons = Vec::new();
        let out = ctx.run_ui(input, |ui| buttons = conversation(ui, paragraphs));
        textures.append(out.textures_delta);
        last = Some((out.shapes, out.pixels_per_point, buttons));
    }
    let (shapes, out_ppp, buttons) = last.unwrap_or_default();
    let primitives = ctx.tessellate(shapes, out_ppp);
    Frame {
        primitives,
        textures,
        background: ctx.global_style().visuals.panel_fill,
        buttons,
        ctx,
    }
}
