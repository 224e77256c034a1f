//! A small line chart drawn pixel by pixel and written as a PNG: axes with "nice" ticks,
//! numbers and labels in a built-in 5x7 bitmap font, one polyline per series.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// One line of the chart: `(x, y)` points in data units.
pub struct Series<'a> {
    pub points: &'a [(f64, f64)],
    pub color: [u8; 3],
    /// Line thickness in pixels.
    pub width: i32,
    /// The legend's text.
    pub label: &'a str,
}

/// A chart's texts.
pub struct Labels<'a> {
    pub title: &'a str,
    pub x: &'a str,
    pub y: &'a str,
}

const W: i32 = 720;
const H: i32 = 440;
/// The plot area inside the margins.
const LEFT: i32 = 78;
const RIGHT: i32 = W - 24;
const TOP: i32 = 44;
const BOTTOM: i32 = H - 58;

const WHITE: [u8; 3] = [255, 255, 255];
const INK: [u8; 3] = [40, 40, 40];
const GRID: [u8; 3] = [228, 228, 228];

/// Draws the series on shared axes (x and y both from 0 to a nice bound above the data)
/// and writes the chart to `path`.
pub fn line_chart(path: &Path, labels: &Labels, series: &[Series]) -> std::io::Result<()> {
    let mut c = Canvas::new(W, H);
    let (x_max, y_max) = series
        .iter()
        .flat_map(|s| s.points.iter())
        .fold((0.0f64, 0.0f64), |(a, b), &(x, y)| (a.max(x), b.max(y)));
    let xs = ticks(x_max);
    let ys = ticks(y_max);
    let (x_hi, y_hi) = (*xs.last().unwrap(), *ys.last().unwrap());
    let px = |x: f64| LEFT + ((x / x_hi) * f64::from(RIGHT - LEFT)).round() as i32;
    let py = |y: f64| BOTTOM - ((y / y_hi) * f64::from(BOTTOM - TOP)).round() as i32;

    // Grid lines and ticks with their numbers.
    for &x in &xs {
        c.line(px(x), TOP, px(x), BOTTOM, GRID, 1);
        c.line(px(x), BOTTOM, px(x), BOTTOM + 5, INK, 1);
        let text = format_tick(x, &xs);
        c.text(px(x) - text_width(&text, 2) / 2, BOTTOM + 11, &text, INK, 2);
    }
    for &y in &ys {
        c.line(LEFT, py(y), RIGHT, py(y), GRID, 1);
        c.line(LEFT - 5, py(y), LEFT, py(y), INK, 1);
        let text = format_tick(y, &ys);
        c.text(LEFT - 10 - text_width(&text, 2), py(y) - 7, &text, INK, 2);
    }
    // Axes, labels, title.
    c.line(LEFT, TOP, LEFT, BOTTOM, INK, 2);
    c.line(LEFT, BOTTOM, RIGHT, BOTTOM, INK, 2);
    let mid = (LEFT + RIGHT) / 2;
    c.text(mid - text_width(labels.x, 2) / 2, H - 24, labels.x, INK, 2);
    c.text(8, TOP - 24, labels.y, INK, 2);
    c.text(
        mid - text_width(labels.title, 2) / 2,
        10,
        labels.title,
        INK,
        2,
    );

    for s in series {
        for pair in s.points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            c.line(px(a.0), py(a.1), px(b.0), py(b.1), s.color, s.width);
        }
        // Thick lines get a dot at each point (a series of one point is just its dot).
        if s.width >= 3 {
            for &(x, y) in s.points {
                c.line(px(x), py(y), px(x), py(y), s.color, s.width + 4);
            }
        }
    }
    // The legend, top right inside the plot area.
    for (i, s) in series.iter().enumerate() {
        let y = TOP + 12 + 20 * i as i32;
        let x = RIGHT - 16 - text_width(s.label, 2) - 34;
        c.line(x, y + 6, x + 24, y + 6, s.color, s.width.max(2));
        c.text(x + 32, y, s.label, INK, 2);
    }
    c.write_png(path)
}

/// Tick positions from 0 to a bound at least `max`, at a step of 1, 2 or 5 times a
/// power of ten giving four to eight intervals.
fn ticks(max: f64) -> Vec<f64> {
    let max = if max > 0.0 && max.is_finite() {
        max
    } else {
        1.0
    };
    let raw = max / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * power);
    let n = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// A tick's number with as many decimals as the step needs.
fn format_tick(v: f64, all: &[f64]) -> String {
    let step = all.get(1).copied().unwrap_or(1.0);
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    format!("{v:.decimals$}")
}

fn text_width(s: &str, scale: i32) -> i32 {
    s.chars().count() as i32 * 6 * scale - scale
}

/// An RGB image.
struct Canvas {
    w: i32,
    h: i32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(w: i32, h: i32) -> Self {
        let pixels = WHITE.repeat((w * h) as usize);
        Canvas { w, h, pixels }
    }

    fn set(&mut self, x: i32, y: i32, color: [u8; 3]) {
        if (0..self.w).contains(&x) && (0..self.h).contains(&y) {
            let i = 3 * (y * self.w + x) as usize;
            self.pixels[i..i + 3].copy_from_slice(&color);
        }
    }

    /// A straight line (Bresenham), `width` pixels thick.
    fn line(&mut self, x0: i32, y0: i32, x1: i32, y1: i32, color: [u8; 3], width: i32) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        let lo = -(width - 1) / 2;
        loop {
            for ox in lo..lo + width {
                for oy in lo..lo + width {
                    self.set(x + ox, y + oy, color);
                }
            }
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Text in the 5x7 font (descenders below), each font pixel a `scale` x `scale` square; `(x, y)` is the
    /// top left corner.
    fn text(&mut self, x: i32, y: i32, s: &str, color: [u8; 3], scale: i32) {
        for (i, ch) in s.chars().enumerate() {
            let x0 = x + i as i32 * 6 * scale;
            for (row, bits) in glyph(ch).iter().enumerate() {
                for col in 0..5 {
                    if bits & (0x10 >> col) != 0 {
                        for d in 0..scale * scale {
                            let px = x0 + col * scale + d % scale;
                            let py = y + row as i32 * scale + d / scale;
                            self.set(px, py, color);
                        }
                    }
                }
            }
        }
    }

    fn write_png(&self, path: &Path) -> std::io::Result<()> {
        let file = BufWriter::new(File::create(path)?);
        let mut encoder = png::Encoder::new(file, self.w as u32, self.h as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(std::io::Error::other)?;
        writer
            .write_image_data(&self.pixels)
            .map_err(std::io::Error::other)?;
        writer.finish().map_err(std::io::Error::other)
    }
}

/// Rows of a 5x7 glyph, top first, the leftmost pixel in bit 4, and two rows below the
/// baseline for descenders (g, j, p, q, y); capitals are drawn as small letters, and
/// characters the font does not have as a blank.
#[rustfmt::skip]
fn glyph(c: char) -> [u8; 9] {
    match c.to_ascii_lowercase() {
        '0' => p([0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E]),
        '1' => p([0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E]),
        '2' => p([0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F]),
        '3' => p([0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E]),
        '4' => p([0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02]),
        '5' => p([0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E]),
        '6' => p([0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E]),
        '7' => p([0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08]),
        '8' => p([0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E]),
        '9' => p([0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C]),
        '.' => p([0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C]),
        ',' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08],
        ':' => p([0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00]),
        '-' => p([0x00, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00]),
        '=' => p([0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00]),
        '(' => p([0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02]),
        ')' => p([0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08]),
        'a' => p([0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F]),
        'b' => p([0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E]),
        'c' => p([0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E]),
        'd' => p([0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F]),
        'e' => p([0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E]),
        'f' => p([0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08]),
        'g' => [0x00, 0x00, 0x0F, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E],
        'h' => p([0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11]),
        'i' => p([0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E]),
        'j' => [0x02, 0x00, 0x06, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'k' => p([0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12]),
        'l' => p([0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E]),
        'm' => p([0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11]),
        'n' => p([0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11]),
        'o' => p([0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E]),
        'p' => [0x00, 0x00, 0x1E, 0x11, 0x11, 0x11, 0x1E, 0x10, 0x10],
        'q' => [0x00, 0x00, 0x0F, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x01],
        'r' => p([0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10]),
        's' => p([0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E]),
        't' => p([0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06]),
        'u' => p([0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D]),
        'v' => p([0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04]),
        'w' => p([0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A]),
        'x' => p([0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11]),
        'y' => [0x00, 0x00, 0x11, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E],
        'z' => p([0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F]),
        _ => [0; 9],
    }
}

/// A glyph without a descender.
const fn p(rows: [u8; 7]) -> [u8; 9] {
    [
        rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[6], 0, 0,
    ]
}
