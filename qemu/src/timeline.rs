//! The run as a timeline, from its log: firmware and bootloader (everything before the kernel's
//! first line), the kernel's init and its steps, exec, each runtime layer L1–L5 with its steps,
//! main, and the exit — each phase a bar on one time axis (seconds, or instructions under
//! `--icount`), labelled with its cost and its share of the run. [`svg`] draws it (`--timeline
//! FILE.svg`) with the `svg` crate; [`summary`] prints the per-layer table (`--summary`).
//!
//! The stamps are the kernel's and the runtime's own (`[<time> L<n>] …`, TSC since reset), so a
//! phase runs from its first line to the next phase's first line, and a step from its line to
//! the next line. The bootloader's own stages are not in the log (the bench command measures
//! them with a QEMU plugin); here they are one bar, ending at the kernel's first line.
use svg::Document;
use svg::node::element::{Group, Rectangle as Rect, Text, Title};

/// One bar: a phase or a step of one, `[start, end)` in the log's unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub name: String,
    pub start: f64,
    pub end: f64,
}

/// A phase and its steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    pub span: Span,
    pub steps: Vec<Span>,
}

/// The phases of a run, and the unit of its stamps ("s" or "instructions").
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    pub phases: Vec<Phase>,
    pub unit: &'static str,
}

/// A log line's stamp (seconds, or instructions with the `i` suffix), layer and text.
fn parse(line: &str) -> Option<(f64, u8, &str, bool)> {
    let rest = line.strip_prefix('[')?;
    let (head, text) = rest.split_once("] ")?;
    let (stamp, layer) = head.trim_start().split_once(' ')?;
    let layer = layer.strip_prefix('L')?.parse().ok()?;
    match stamp.strip_suffix('i') {
        Some(n) => Some((n.parse().ok()?, layer, text, true)),
        None => Some((stamp.strip_suffix('s')?.parse().ok()?, layer, text, false)),
    }
}

/// The step a line starts: the words before its first `:` (or the whole line, shortened).
fn step_name(text: &str) -> String {
    let name = text.split_once(':').map_or(text, |(a, _)| a);
    name.chars().take(32).collect()
}

impl Timeline {
    /// Reads the phases out of a run's log; None if the log has no kernel line.
    pub fn from_log(log: &str) -> Option<Timeline> {
        let lines: Vec<(f64, u8, &str, bool)> = log.lines().filter_map(parse).collect();
        let first = lines.first()?;
        let unit = if first.3 { "instructions" } else { "s" };
        let end = lines.last()?.0;
        // Where each phase begins: the first line that opens it.
        let mut marks: Vec<(String, usize)> = Vec::new();
        let open = |name: &str, i: usize, marks: &mut Vec<(String, usize)>| {
            if !marks.iter().any(|(n, _)| n == name) {
                marks.push((name.to_string(), i));
            }
        };
        for (i, &(_, layer, text, _)) in lines.iter().enumerate() {
            match layer {
                0 if i == 0 => open("kernel init", i, &mut marks),
                0 if text.starts_with("exec: ") => open("exec", i, &mut marks),
                0 if text.starts_with("exit_group(") || text.starts_with("exit: ") => open("exit", i, &mut marks),
                1..=4 => open(&format!("L{layer}"), i, &mut marks),
                5 if text.starts_with("main.main returned") => open("exit", i, &mut marks),
                5 => open("L5 main", i, &mut marks),
                _ => {}
            }
        }
        marks.sort_by_key(|&(_, i)| i);
        let mut phases = vec![Phase {
            span: Span { name: "firmware + bootloader".into(), start: 0.0, end: first.0 },
            steps: Vec::new(),
        }];
        for (k, (name, from)) in marks.iter().enumerate() {
            let to = marks.get(k + 1).map_or(lines.len(), |&(_, i)| i);
            let stop = lines.get(to).map_or(end, |l| l.0);
            let steps = (*from..to)
                .map(|i| Span {
                    name: step_name(lines[i].2),
                    start: lines[i].0,
                    end: lines.get(i + 1).map_or(end, |l| l.0).min(stop),
                })
                .collect();
            phases.push(Phase { span: Span { name: name.clone(), start: lines[*from].0, end: stop }, steps });
        }
        Some(Timeline { phases, unit })
    }

    /// The whole run: from reset to the last line.
    pub fn total(&self) -> f64 {
        self.phases.last().map_or(0.0, |p| p.span.end)
    }

    /// A phase's cost in the log's unit, formatted.
    pub fn cost(&self, v: f64) -> String {
        if self.unit == "s" { format!("{:.3} ms", v * 1e3) } else { format!("{} insns", thousands(v as u64)) }
    }
}

/// `n` with thousands separators.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Horizontal scale: pixels for the whole run, and the left margin for the labels.
const WIDTH: f64 = 1000.0;
const LEFT: f64 = 170.0;
const ROW: f64 = 44.0;

/// The timeline as an SVG document, in two panels on one page: the whole run from reset to
/// exit, then the start-up the kernel and the runtime do (kernel init to `main.main`) on an axis
/// of its own, so phases of a few thousand instructions get a width one can see. In each, a
/// phase is a bar at its place (width proportional to its cost) with its cost and share of the
/// run as text, its steps thinner bars under it, each with a tooltip. Each panel carries its
/// scale (`data-scale`, pixels per unit) and origin (`data-origin`), and each phase bar its
/// `data-phase` and `data-cost`, so a test can check the drawing against the log.
pub fn svg(t: &Timeline) -> String {
    let total = t.total().max(f64::MIN_POSITIVE);
    // The start-up panel: from the kernel's first line to main.main's.
    let first = t.phases.iter().position(|p| p.span.name == "kernel init").unwrap_or(0);
    let last = t.phases.iter().position(|p| p.span.name.starts_with("L5")).unwrap_or(t.phases.len());
    let startup = &t.phases[first..last];
    let rows = t.phases.len() + startup.len() + 4;
    let height = ROW * rows as f64;
    let mut doc = Document::new()
        .set("xmlns", "http://www.w3.org/2000/svg")
        .set("width", LEFT + WIDTH + 20.0)
        .set("height", height)
        .set("viewBox", (0, 0, LEFT + WIDTH + 20.0, height))
        .set("font-family", "sans-serif")
        .set("font-size", 11)
        .set("data-unit", t.unit);
    doc = doc.add(Rect::new().set("width", "100%").set("height", "100%").set("fill", "#ffffff"));
    doc = doc.add(
        Text::new(format!("rt0: the whole run, reset to exit: {}", t.cost(total)))
            .set("x", 8)
            .set("y", 18)
            .set("font-size", 13),
    );
    doc = doc.add(panel(t, &t.phases, 0.0, total, 0.0, "run"));
    if let (Some(a), Some(b)) = (startup.first(), startup.last()) {
        let (from, to) = (a.span.start, b.span.end);
        let top = ROW * (t.phases.len() as f64 + 1.5);
        doc = doc.add(
            Text::new(format!(
                "start-up: kernel init to main.main, {} ({:.1}% of the run), on its own axis",
                t.cost(to - from),
                100.0 * (to - from) / total
            ))
            .set("x", 8)
            .set("y", top + 18.0)
            .set("font-size", 13),
        );
        doc = doc.add(panel(t, startup, from, to, top, "startup"));
    }
    doc.to_string()
}

/// One panel: `phases` on an axis from `from` to `to`, its first row at `top`.
fn panel(t: &Timeline, phases: &[Phase], from: f64, to: f64, top: f64, name: &str) -> Group {
    let total = t.total().max(f64::MIN_POSITIVE);
    let scale = WIDTH / (to - from).max(f64::MIN_POSITIVE);
    let x = |v: f64| LEFT + (v - from) * scale;
    const COLORS: [&str; 9] =
        ["#9e9e9e", "#5c6bc0", "#26a69a", "#ef5350", "#ffa726", "#ab47bc", "#42a5f5", "#66bb6a", "#8d6e63"];
    let mut panel = Group::new().set("data-panel", name).set("data-scale", scale).set("data-origin", from);
    for (row, p) in phases.iter().enumerate() {
        let y = top + ROW * (row as f64 + 1.0);
        let cost = p.span.end - p.span.start;
        let share = 100.0 * cost / total;
        let label = format!("{}: {} ({share:.1}%)", p.span.name, t.cost(cost));
        let color = COLORS[t.phases.iter().position(|q| q.span == p.span).unwrap_or(row) % COLORS.len()];
        let mut g = Group::new().set("data-phase", p.span.name.as_str()).set("data-cost", cost);
        g = g.add(Text::new(p.span.name.as_str()).set("x", 8).set("y", y + 14.0));
        g = g.add(
            Rect::new()
                .set("class", "phase")
                .set("x", x(p.span.start))
                .set("y", y + 2.0)
                .set("width", (cost * scale).max(0.5))
                .set("height", 16)
                .set("fill", color)
                .add(Title::new(label.as_str())),
        );
        for (k, s) in p.steps.iter().enumerate() {
            let c = s.end - s.start;
            let w = c * scale;
            g = g.add(
                Rect::new()
                    .set("class", "step")
                    .set("x", x(s.start))
                    .set("y", y + 20.0)
                    .set("width", w.max(0.5))
                    .set("height", 8)
                    .set("fill", if k % 2 == 0 { "#424242" } else { "#bdbdbd" })
                    .add(Title::new(format!("{}: {} ({:.1}%)", s.name, t.cost(c), 100.0 * c / total))),
            );
            // A step wide enough for its name gets it written under its bar.
            if w > 7.0 * s.name.len() as f64 {
                g = g.add(Text::new(s.name.as_str()).set("x", x(s.start) + 2.0).set("y", y + 38.0).set("font-size", 9));
            }
        }
        let text_x = (x(p.span.end) + 4.0).min(LEFT + WIDTH - 170.0);
        g = g.add(Text::new(format!("{} ({share:.1}%)", t.cost(cost))).set("x", text_x).set("y", y + 14.0));
        panel = panel.add(g);
    }
    panel
}

/// The per-layer table `--summary` prints: phase, cost, share.
pub fn summary(t: &Timeline) -> String {
    let total = t.total().max(f64::MIN_POSITIVE);
    let mut out = format!("rt0 summary ({}):\n", t.unit);
    out += &format!("  {:<24} {:>18} {:>7}\n", "phase", "cost", "share");
    for p in &t.phases {
        let c = p.span.end - p.span.start;
        out += &format!("  {:<24} {:>18} {:>6.1}%\n", p.span.name, t.cost(c), 100.0 * c / total);
    }
    out += &format!("  {:<24} {:>18} {:>6.1}%\n", "total", t.cost(total), 100.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
[1000i L0] kernel: entered, cmdline \"\"
[1500i L0] gdt: loaded
[2000i L0] exec: ET_EXEC
[2500i L1] rt0_go: SP
[2600i L1] settls: ok
[3000i L2] args: argc=1
[3200i L3] schedinit: x
[4000i L4] newproc: y
[5000i L5] main.main
[9000i L5] main.main returned: exit(0)
[9500i L0] exit: status 0
";

    #[test]
    fn phases_run_from_their_first_line_to_the_next_phase() {
        let t = Timeline::from_log(LOG).unwrap();
        let names: Vec<&str> = t.phases.iter().map(|p| p.span.name.as_str()).collect();
        assert_eq!(names, ["firmware + bootloader", "kernel init", "exec", "L1", "L2", "L3", "L4", "L5 main", "exit"]);
        assert_eq!(t.unit, "instructions");
        let l1 = &t.phases[3];
        assert_eq!((l1.span.start, l1.span.end), (2500.0, 3000.0));
        assert_eq!(l1.steps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["rt0_go", "settls"]);
        assert_eq!(t.phases[7].span.end - t.phases[7].span.start, 4000.0);
        assert_eq!(t.total(), 9500.0);
    }

    #[test]
    fn the_drawing_has_a_bar_per_phase_with_its_cost() {
        let t = Timeline::from_log(LOG).unwrap();
        let s = svg(&t);
        for p in &t.phases {
            assert!(s.contains(&format!("data-phase=\"{}\"", p.span.name)), "{}", p.span.name);
        }
        assert!(summary(&t).contains("L5 main"));
    }
}
