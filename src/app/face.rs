//! The customer's face, painted with egui shapes: brows, eyes and mouth follow the mood.

use crate::app::theme::Palette;
use bevy_egui::egui::{
    self, Color32, Pos2, Sense, Shape, Stroke, Vec2, epaint::QuadraticBezierShape,
};

fn lerp(a: Color32, b: Color32, t: f32) -> Color32 {
    let t = t.clamp(0.0, 1.0);
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    Color32::from_rgb(m(a.r(), b.r()), m(a.g(), b.g()), m(a.b(), b.b()))
}

/// Skin colour for a mood 0–100: flushed red when furious, warm yellow when calm.
pub(crate) fn skin(mood: f32) -> Color32 {
    let t = mood / 100.0;
    let red = Color32::from_rgb(236, 128, 110);
    let amber = Color32::from_rgb(246, 206, 140);
    let warm = Color32::from_rgb(250, 222, 160);
    if t < 0.5 {
        lerp(red, amber, t * 2.0)
    } else {
        lerp(amber, warm, (t - 0.5) * 2.0)
    }
}

/// Paints a face of `size` points for `mood` (0 furious … 100 delighted).
pub(crate) fn face(ui: &mut egui::Ui, mood: f32, size: f32, high_contrast: bool) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(size), Sense::hover());
    if !ui.is_rect_visible(rect) {
        return response;
    }
    let painter = ui.painter_at(rect);
    let c = rect.center();
    let r = size * 0.46;
    let t = (mood / 100.0).clamp(0.0, 1.0);
    let ink = if high_contrast {
        Color32::WHITE
    } else {
        Color32::from_rgb(60, 40, 30)
    };
    let line = Stroke::new((size * 0.03).max(1.5), ink);
    let fill = if high_contrast {
        Color32::from_rgb(40, 40, 40)
    } else {
        skin(mood)
    };
    painter.circle(c, r, fill, line);

    // Eyes: a little narrower when upset.
    let eye_y = c.y - r * 0.18;
    let eye_dx = r * 0.36;
    let eye_r = r * (0.08 + 0.03 * t);
    for sx in [-1.0, 1.0] {
        painter.circle_filled(Pos2::new(c.x + sx * eye_dx, eye_y), eye_r, ink);
    }
    // Brows: inner ends drop as the mood falls (a frown), rise slightly when pleased.
    let tilt = (0.5 - t) * r * 0.32;
    for sx in [-1.0f32, 1.0] {
        let outer = Pos2::new(
            c.x + sx * (eye_dx + r * 0.18),
            eye_y - r * 0.24 - tilt * 0.3,
        );
        let inner = Pos2::new(c.x + sx * (eye_dx - r * 0.16), eye_y - r * 0.24 + tilt);
        painter.line_segment([outer, inner], line);
    }
    // Mouth: a curve from a frown (control above the ends) to a smile (below).
    let y = c.y + r * 0.42;
    let w = r * 0.42;
    let bend = (t - 0.5) * r * 0.7;
    let pts = [
        Pos2::new(c.x - w, y),
        Pos2::new(c.x, y + bend),
        Pos2::new(c.x + w, y),
    ];
    painter.add(Shape::QuadraticBezier(
        QuadraticBezierShape::from_points_stroke(pts, false, Color32::TRANSPARENT, line),
    ));
    response
}

/// A labelled mood meter: a bar 0–100 coloured from bad to good, with the band's name.
pub(crate) fn mood_meter(
    ui: &mut egui::Ui,
    mood: f32,
    label: &str,
    palette: &Palette,
) -> egui::Response {
    let t = (mood / 100.0).clamp(0.0, 1.0);
    let colour = lerp(palette.bad, palette.good, t);
    ui.label(egui::RichText::new(format!("{label} · {}", mood.round() as i32)).strong());
    ui.add(egui::ProgressBar::new(t).fill(colour).desired_height(14.0))
}
