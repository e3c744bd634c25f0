//! The scenario map of author mode: steps and endings as boxes in layers (top to bottom) by distance from the start, replies as arrows coloured by rating.

use crate::app::i18n::{Lang, T};
use crate::core::model::Scenario;
use bevy_egui::egui::{self, Color32, Pos2, Rect, Sense, Stroke, vec2};
use std::collections::{BTreeMap, VecDeque};

const BOX: egui::Vec2 = vec2(124.0, 28.0);
/// Horizontal distance between boxes of one layer.
const COL: f32 = 134.0;
/// Vertical distance between layers.
const ROW: f32 = 56.0;
const MARGIN: f32 = 8.0;

/// A box on the map.
#[derive(Debug, Clone, PartialEq)]
pub struct MapNode {
    pub id: String,
    /// `None` for a step; for an ending, whether its outcome is good.
    pub ending: Option<bool>,
    /// Layer: replies needed to get here from the start (unreachable ones go last).
    pub depth: usize,
    /// Position inside the layer.
    pub row: usize,
}

/// An arrow: one reply from a step to its target.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEdge {
    pub from: String,
    pub to: String,
    /// Sum of the reply's ratings over the scenario's principles.
    pub total: i64,
}

/// What the map shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MapVm {
    pub lang: Lang,
    pub nodes: Vec<MapNode>,
    pub edges: Vec<MapEdge>,
    /// The step (or ending) the preview is at, highlighted.
    pub current: Option<String>,
}

impl MapVm {
    /// Lays out `sc` by breadth-first depth from its start step.
    pub fn build(sc: &Scenario, lang: Lang, current: Option<&str>) -> MapVm {
        let mut edges = Vec::new();
        for s in &sc.steps {
            for r in &s.replies {
                edges.push(MapEdge {
                    from: s.id.clone(),
                    to: r.next.clone(),
                    total: r.total(&sc.principles),
                });
            }
        }
        let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
        let mut queue = VecDeque::new();
        depth.insert(sc.start.as_str(), 0);
        queue.push_back(sc.start.as_str());
        while let Some(id) = queue.pop_front() {
            let d = depth.get(id).copied().unwrap_or(0);
            for e in edges.iter().filter(|e| e.from == id) {
                if !depth.contains_key(e.to.as_str()) {
                    depth.insert(e.to.as_str(), d + 1);
                    queue.push_back(e.to.as_str());
                }
            }
        }
        let last = depth.values().copied().max().unwrap_or(0) + 1;
        let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
        let mut nodes = Vec::new();
        let all = sc.steps.iter().map(|s| (s.id.as_str(), None)).chain(
            sc.endings
                .iter()
                .map(|e| (e.id.as_str(), Some(e.outcome.is_good()))),
        );
        for (id, ending) in all {
            let d = depth.get(id).copied().unwrap_or(last);
            let row = rows.entry(d).or_default();
            nodes.push(MapNode {
                id: id.to_string(),
                ending,
                depth: d,
                row: *row,
            });
            *row += 1;
        }
        MapVm {
            lang,
            nodes,
            edges,
            current: current.map(str::to_string),
        }
    }

    fn rect(&self, n: &MapNode, origin: Pos2) -> Rect {
        Rect::from_min_size(
            origin + vec2(MARGIN + n.row as f32 * COL, MARGIN + n.depth as f32 * ROW),
            BOX,
        )
    }

    /// The size the map needs.
    pub fn size(&self) -> egui::Vec2 {
        let cols = self.nodes.iter().map(|n| n.row + 1).max().unwrap_or(1);
        let rows = self.nodes.iter().map(|n| n.depth + 1).max().unwrap_or(1);
        vec2(
            2.0 * MARGIN + (cols - 1) as f32 * COL + BOX.x,
            2.0 * MARGIN + (rows - 1) as f32 * ROW + BOX.y,
        )
    }
}

/// Red for the worst rating, amber around zero, green for the best.
pub fn rating_colour(total: i64, max_abs: i64) -> Color32 {
    let t = if max_abs == 0 {
        0.0
    } else {
        (total as f32 / max_abs as f32).clamp(-1.0, 1.0)
    };
    let (red, mid, green) = (
        Color32::from_rgb(205, 45, 45),
        Color32::from_rgb(205, 160, 40),
        Color32::from_rgb(40, 160, 70),
    );
    if t < 0.0 {
        mid.lerp_to_gamma(red, -t)
    } else {
        mid.lerp_to_gamma(green, t)
    }
}

/// Draws the map; returns the id of the step box that was clicked (to preview from there).
pub fn ui(ui: &mut egui::Ui, vm: &MapVm) -> Option<String> {
    let (resp, painter) = ui.allocate_painter(vm.size(), Sense::hover());
    let origin = resp.rect.min;
    let rects: BTreeMap<&str, Rect> = vm
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), vm.rect(n, origin)))
        .collect();
    let max_abs = vm.edges.iter().map(|e| e.total.abs()).max().unwrap_or(0);
    let mut seen: BTreeMap<(&str, &str), f32> = BTreeMap::new();
    for e in &vm.edges {
        let (Some(a), Some(b)) = (rects.get(e.from.as_str()), rects.get(e.to.as_str())) else {
            continue;
        };
        let k = seen.entry((e.from.as_str(), e.to.as_str())).or_insert(0.0);
        let off = vec2(*k * 6.0 - 6.0, 0.0);
        *k += 1.0;
        let colour = rating_colour(e.total, max_abs);
        let (from, to) = if b.center().y > a.center().y {
            (a.center_bottom() + off, b.center_top() + off)
        } else if b.center().x > a.center().x {
            (a.right_center(), b.left_center())
        } else {
            (a.left_center(), b.right_center())
        };
        painter.arrow(from, to - from, Stroke::new(2.0, colour));
    }
    let visuals = ui.visuals().clone();
    let mut clicked = None;
    for n in &vm.nodes {
        let Some(r) = rects.get(n.id.as_str()).copied() else {
            continue;
        };
        let current = vm.current.as_deref() == Some(n.id.as_str());
        let fill = match n.ending {
            None => visuals.extreme_bg_color,
            Some(true) => Color32::from_rgb(200, 235, 205),
            Some(false) => Color32::from_rgb(245, 205, 205),
        };
        let stroke = if current {
            Stroke::new(3.5, Color32::from_rgb(30, 110, 230))
        } else {
            Stroke::new(1.0, visuals.widgets.noninteractive.fg_stroke.color)
        };
        let radius = if n.ending.is_some() { 14.0 } else { 3.0 };
        painter.rect(r, radius, fill, stroke, egui::StrokeKind::Inside);
        let text_colour = if n.ending.is_some() {
            Color32::from_rgb(30, 30, 30)
        } else {
            visuals.text_color()
        };
        painter.text(
            r.center(),
            egui::Align2::CENTER_CENTER,
            &n.id,
            egui::FontId::proportional(12.0),
            text_colour,
        );
        if n.ending.is_none() {
            let label = T::PreviewFromStep.fmt(vm.lang, &[&n.id]);
            let resp = ui
                .interact(r, ui.id().with(("map-step", &n.id)), Sense::click())
                .on_hover_text(&label);
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &label));
            if resp.clicked() {
                clicked = Some(n.id.clone());
            }
        }
    }
    clicked
}
