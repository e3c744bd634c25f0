//! The scenario map of author mode: steps and endings as boxes in layers (top to bottom) by distance from the start, replies as arrows coloured by rating.
//!
//! Boxes are as wide as the longest label. Arrows never cross a box: a reply to the next
//! layer is a straight arrow through the gap between the two layers; any other reply
//! (skipping layers, sideways or back) runs down into the gap under its step, along its
//! own lane left of every box, and into the gap over its target. Timed steps carry a
//! clock and their limit in seconds.

use crate::app::i18n::{Lang, T};
use crate::core::model::Scenario;
use bevy_egui::egui::{self, Color32, Pos2, Rect, Sense, Stroke, vec2};
use std::collections::{BTreeMap, VecDeque};

/// Horizontal gap between boxes of one layer.
const HGAP: f32 = 24.0;
/// Vertical gap between layers (room for the routed arrows' horizontal runs).
const VGAP: f32 = 44.0;
/// Distance between two routing lanes.
const LANE: f32 = 7.0;
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
    /// The step's reply time limit in seconds (timed steps).
    pub timed: Option<u32>,
}

impl MapNode {
    /// The text in the box: the id, and the time limit of a timed step.
    pub fn label(&self) -> String {
        match self.timed {
            Some(s) => format!("{}  {s} s", self.id),
            None => self.id.clone(),
        }
    }
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
        let all = sc
            .steps
            .iter()
            .map(|s| (s.id.as_str(), None, s.time_limit))
            .chain(
                sc.endings
                    .iter()
                    .map(|e| (e.id.as_str(), Some(e.outcome.is_good()), None)),
            );
        for (id, ending, timed) in all {
            let d = depth.get(id).copied().unwrap_or(last);
            let row = rows.entry(d).or_default();
            nodes.push(MapNode {
                id: id.to_string(),
                ending,
                depth: d,
                row: *row,
                timed,
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

    /// Lays the map out for boxes of `box_size`, from `origin`.
    pub fn layout(&self, box_size: egui::Vec2, origin: Pos2) -> MapLayout {
        let depth_of: BTreeMap<&str, usize> = self
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n.depth))
            .collect();
        let routed =
            |e: &MapEdge| match (depth_of.get(e.from.as_str()), depth_of.get(e.to.as_str())) {
                (Some(a), Some(b)) => *b != *a + 1,
                _ => false,
            };
        let lanes = self.edges.iter().filter(|e| routed(e)).count();
        let left = MARGIN + lanes as f32 * LANE + if lanes > 0 { LANE } else { 0.0 };
        let (col, row) = (box_size.x + HGAP, box_size.y + VGAP);
        // Room above the first layer for arrows routed back to it.
        let top = MARGIN + VGAP * 0.5;
        let boxes: BTreeMap<String, Rect> = self
            .nodes
            .iter()
            .map(|n| {
                let min = origin + vec2(left + n.row as f32 * col, top + n.depth as f32 * row);
                (n.id.clone(), Rect::from_min_size(min, box_size))
            })
            .collect();
        let cols = self.nodes.iter().map(|n| n.row + 1).max().unwrap_or(1);
        let rows = self.nodes.iter().map(|n| n.depth + 1).max().unwrap_or(1);
        let size = vec2(
            left + (cols - 1) as f32 * col + box_size.x + MARGIN,
            top + (rows - 1) as f32 * row + box_size.y + VGAP * 0.5 + MARGIN,
        );
        let mut arrows = Vec::new();
        let mut lane = 0usize;
        let mut seen: BTreeMap<(&str, &str), f32> = BTreeMap::new();
        for e in &self.edges {
            let (Some(a), Some(b)) = (boxes.get(&e.from), boxes.get(&e.to)) else {
                continue;
            };
            let k = seen.entry((e.from.as_str(), e.to.as_str())).or_insert(0.0);
            let off = vec2(*k * 6.0 - 6.0, 0.0);
            *k += 1.0;
            let points = if !routed(e) {
                vec![a.center_bottom() + off, b.center_top() + off]
            } else {
                // Down into the gap under the step, left to this edge's lane, along it,
                // right in the gap over the target, down into it.
                let x = origin.x + MARGIN + lane as f32 * LANE;
                let shift = (lane % 5) as f32 * 4.0;
                let below = a.bottom() + VGAP * 0.3 + shift;
                let above = b.top() - VGAP * 0.3 - shift;
                lane += 1;
                let (ax, bx) = (a.center().x + off.x, b.center().x - off.x);
                vec![
                    Pos2::new(ax, a.bottom()),
                    Pos2::new(ax, below),
                    Pos2::new(x, below),
                    Pos2::new(x, above),
                    Pos2::new(bx, above),
                    Pos2::new(bx, b.top()),
                ]
            };
            arrows.push((e.clone(), points));
        }
        MapLayout {
            boxes,
            arrows,
            size,
        }
    }
}

/// Where everything on the map goes.
#[derive(Debug, Clone, PartialEq)]
pub struct MapLayout {
    pub boxes: BTreeMap<String, Rect>,
    /// Each reply's arrow as a polyline (the head at the last point).
    pub arrows: Vec<(MapEdge, Vec<Pos2>)>,
    pub size: egui::Vec2,
}

/// The font of the map's labels (follows the text size setting).
fn label_font(style: &egui::Style) -> egui::FontId {
    egui::TextStyle::Small.resolve(style)
}

/// The box size that fits the widest label (and the clock of timed steps).
fn box_size(ui: &egui::Ui, vm: &MapVm) -> egui::Vec2 {
    let font = label_font(ui.style());
    let h = ui.fonts_mut(|f| f.row_height(&font));
    let widest = vm
        .nodes
        .iter()
        .map(|n| {
            let w = ui.fonts_mut(|f| {
                f.layout_no_wrap(n.label(), font.clone(), Color32::WHITE)
                    .size()
                    .x
            });
            w + if n.timed.is_some() { h * 1.2 } else { 0.0 }
        })
        .fold(0.0_f32, f32::max);
    vec2((widest + 20.0).max(90.0), h + 12.0)
}

/// Red for the worst rating, amber around zero, green for the best.
pub(crate) fn rating_colour(total: i64, max_abs: i64) -> Color32 {
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
    let size = box_size(ui, vm);
    let probe = vm.layout(size, Pos2::ZERO);
    let (resp, painter) = ui.allocate_painter(probe.size, Sense::hover());
    let layout = vm.layout(size, resp.rect.min);
    let max_abs = vm.edges.iter().map(|e| e.total.abs()).max().unwrap_or(0);
    for (e, pts) in &layout.arrows {
        let colour = rating_colour(e.total, max_abs);
        let stroke = Stroke::new(2.0, colour);
        let n = pts.len();
        if n < 2 {
            continue;
        }
        for w in pts[..n - 1].windows(2) {
            painter.line_segment([w[0], w[1]], stroke);
        }
        painter.arrow(pts[n - 2], pts[n - 1] - pts[n - 2], stroke);
    }
    let visuals = ui.visuals().clone();
    let font = label_font(ui.style());
    let mut clicked = None;
    for n in &vm.nodes {
        let Some(r) = layout.boxes.get(&n.id).copied() else {
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
        let mut centre = r.center();
        if n.timed.is_some() {
            // A clock face before the label: this step has a reply timer.
            let rad = font.size * 0.42;
            let c = Pos2::new(r.left() + 8.0 + rad, r.center().y);
            let s = Stroke::new(1.4, Color32::from_rgb(205, 110, 20));
            painter.circle_stroke(c, rad, s);
            painter.line_segment([c, c + vec2(0.0, -rad * 0.7)], s);
            painter.line_segment([c, c + vec2(rad * 0.55, 0.0)], s);
            centre.x += rad;
        }
        painter.text(
            centre,
            egui::Align2::CENTER_CENTER,
            n.label(),
            font.clone(),
            text_colour,
        );
        if n.ending.is_none() {
            let mut label = T::PreviewFromStep.fmt(vm.lang, &[&n.id]);
            if let Some(secs) = n.timed {
                label = format!("{label} · {}", T::MapTimedStep.fmt(vm.lang, &[&secs]));
            }
            let resp = ui
                .interact(r, ui.id().with(("map-step", &n.id)), Sense::click())
                .on_hover_text(&label);
            let name = T::PreviewFromStep.fmt(vm.lang, &[&n.id]);
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &name));
            if resp.clicked() {
                clicked = Some(n.id.clone());
            }
        }
    }
    clicked
}

#[cfg(test)]
mod tests {
    //! The map's layout: labels fit, arrows keep to the gaps, timed steps marked.
    use super::*;
    use crate::app::loader::CatalogEntry;
    use egui_kittest::Harness;

    /// The check the layout is held to (test only: the map never draws through a box).
    impl MapLayout {
        /// Boxes that a segment of some arrow passes through (other than where it starts
        /// and ends); empty when every arrow keeps to the gaps.
        fn crossings(&self) -> Vec<(String, String)> {
            let mut out = Vec::new();
            for (e, pts) in &self.arrows {
                for (id, r) in &self.boxes {
                    let inner = r.shrink(1.0);
                    let hit = pts.windows(2).any(|w| segment_hits(w[0], w[1], inner));
                    if hit {
                        out.push((format!("{} > {}", e.from, e.to), id.clone()));
                    }
                }
            }
            out
        }
    }

    /// Whether the segment a–b passes through the inside of `r` (sampled finely).
    fn segment_hits(a: Pos2, b: Pos2, r: Rect) -> bool {
        let n = ((b - a).length() / 2.0).ceil().max(1.0) as usize;
        (0..=n).any(|i| r.contains(a + (b - a) * (i as f32 / n as f32)))
    }

    fn shipped() -> Vec<CatalogEntry> {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios"));
        let (entries, skipped) = crate::app::loader::load_dir(dir).expect("scenarios load");
        assert!(skipped.is_empty(), "{skipped:?}");
        entries
    }

    #[test]
    fn no_arrow_crosses_a_box_on_any_shipped_scenario() {
        for e in shipped() {
            for lang in Lang::ALL {
                let map = MapVm::build(&e.scenario, lang, None);
                let layout = map.layout(egui::vec2(140.0, 26.0), egui::Pos2::ZERO);
                assert!(
                    layout.crossings().is_empty(),
                    "{}: arrows through boxes: {:?}",
                    e.scenario.id,
                    layout.crossings()
                );
                assert_eq!(layout.boxes.len(), map.nodes.len());
                // Everything lies inside the space the map asks for.
                let area = egui::Rect::from_min_size(egui::Pos2::ZERO, layout.size);
                for (id, r) in &layout.boxes {
                    assert!(
                        area.contains_rect(*r),
                        "{}: box {id} outside",
                        e.scenario.id
                    );
                }
                for (edge, pts) in &layout.arrows {
                    for p in pts {
                        assert!(
                            area.expand(1.0).contains(*p),
                            "{}: arrow {edge:?} leaves the map at {p:?}",
                            e.scenario.id
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_crossing_check_catches_an_arrow_through_a_box() {
        // Straight from the first layer to the third, through whatever is in the second:
        // what the map drew before arrows were routed.
        let e = shipped()
            .into_iter()
            .find(|e| {
                let m = MapVm::build(&e.scenario, Lang::En, None);
                m.nodes.iter().filter(|n| n.depth == 1).count() == 1
                    && m.nodes.iter().any(|n| n.depth == 2)
            })
            .expect("a scenario with a one-box second layer");
        let map = MapVm::build(&e.scenario, Lang::En, None);
        let mut layout = map.layout(egui::vec2(140.0, 26.0), egui::Pos2::ZERO);
        let top = map.nodes.iter().find(|n| n.depth == 0).expect("start");
        let third = map
            .nodes
            .iter()
            .find(|n| n.depth == 2)
            .expect("third layer");
        let (a, b) = (layout.boxes[&top.id], layout.boxes[&third.id]);
        layout.arrows.push((
            MapEdge {
                from: top.id.clone(),
                to: third.id.clone(),
                total: 0,
            },
            vec![
                egui::pos2(a.center().x, a.bottom()),
                egui::pos2(a.center().x, b.top()),
            ],
        ));
        assert!(!layout.crossings().is_empty());
    }

    #[test]
    fn map_boxes_fit_their_labels_and_timed_steps_show_their_limit() {
        let e = shipped()
            .into_iter()
            .find(|e| e.scenario.steps.iter().any(|s| s.time_limit.is_some()))
            .expect("a shipped scenario with a timed step");
        let map = MapVm::build(&e.scenario, Lang::Zh, None);
        let timed = e
            .scenario
            .steps
            .iter()
            .find(|s| s.time_limit.is_some())
            .expect("timed step");
        let node = map.nodes.iter().find(|n| n.id == timed.id).expect("node");
        assert_eq!(node.timed, timed.time_limit);
        assert!(
            node.label()
                .ends_with(&format!("{} s", timed.time_limit.unwrap_or(0)))
        );
        let mut fits = None;
        let mut h = Harness::builder()
            .with_size(egui::vec2(900.0, 600.0))
            .build_ui(|ui| {
                // The largest text size: the boxes grow with the font.
                ui.style_mut()
                    .text_styles
                    .iter_mut()
                    .for_each(|(_, f)| f.size *= 1.6);
                let size = box_size(ui, &map);
                let font = label_font(ui.style());
                let widest = map
                    .nodes
                    .iter()
                    .map(|n| {
                        ui.fonts_mut(|f| {
                            f.layout_no_wrap(n.label(), font.clone(), egui::Color32::WHITE)
                                .size()
                                .x
                        })
                    })
                    .fold(0.0_f32, f32::max);
                fits = Some(size.x > widest + 8.0 && size.y > font.size);
            });
        h.run();
        drop(h);
        assert_eq!(fits, Some(true), "every label fits its box");
    }
}
