//! A pane's border and titles, drawn as a bordered `Block` draws them but
//! without the `Block`'s first pass, which sets its (empty) style on every
//! cell of its area. The four panes cover the screen, so that pass touched
//! every cell once more each frame: measured with callgrind on a 120×40
//! cockpit, it was a third of a frame's drawing.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::border;
use ratatui::text::Line;
use ratatui::widgets::Widget;

pub(crate) struct PaneFrame<'a> {
    set: border::Set<'a>,
    style: Style,
    title: Line<'a>,
    title_right: Option<Line<'a>>,
    title_bottom: Option<Line<'a>>,
}

impl<'a> PaneFrame<'a> {
    pub(crate) fn new(set: border::Set<'a>, style: Style, title: Line<'a>) -> Self {
        Self {
            set,
            style,
            title,
            title_right: None,
            title_bottom: None,
        }
    }

    /// A second title on the top border, against its right corner.
    pub(crate) fn title_right(mut self, line: Line<'a>) -> Self {
        self.title_right = Some(line);
        self
    }

    /// A title on the bottom border, from its left corner.
    pub(crate) fn title_bottom(mut self, line: Line<'a>) -> Self {
        self.title_bottom = Some(line);
        self
    }
}

impl Widget for PaneFrame<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let (left, top) = (area.left(), area.top());
        let right = area.right() - 1;
        let bottom = area.bottom() - 1;
        let mut put = |x: u16, y: u16, symbol: &str| {
            buf[(x, y)].set_symbol(symbol).set_style(self.style);
        };
        // The order a bordered Block draws in, so a one-cell-wide or
        // one-row-high pane ends up with the same symbols.
        for y in top..=bottom {
            put(left, y, self.set.vertical_left);
        }
        for x in left..=right {
            put(x, top, self.set.horizontal_top);
        }
        for y in top..=bottom {
            put(right, y, self.set.vertical_right);
        }
        for x in left..=right {
            put(x, bottom, self.set.horizontal_bottom);
        }
        put(right, bottom, self.set.bottom_right);
        put(right, top, self.set.top_right);
        put(left, bottom, self.set.bottom_left);
        put(left, top, self.set.top_left);

        let titles = |y: u16| Rect {
            x: left.saturating_add(1),
            y,
            width: area.width.saturating_sub(2),
            height: 1,
        };
        let row = titles(top);
        if !row.is_empty() {
            let width = line_width(&self.title);
            self.title.render(
                Rect {
                    width: width.min(row.width),
                    ..row
                },
                buf,
            );
            if let Some(line) = self.title_right {
                let width = line_width(&line);
                let x = row.right().saturating_sub(width).max(row.left());
                line.right_aligned().render(
                    Rect {
                        x,
                        width: width.min(row.width),
                        ..row
                    },
                    buf,
                );
            }
        }
        let row = titles(bottom);
        if let Some(line) = self.title_bottom
            && !row.is_empty()
        {
            let width = line_width(&line);
            line.render(
                Rect {
                    width: width.min(row.width),
                    ..row
                },
                buf,
            );
        }
    }
}

fn line_width(line: &Line) -> u16 {
    line.width().min(usize::from(u16::MAX)) as u16
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Stylize};
    use ratatui::widgets::{Block, BorderType};

    use super::*;

    /// The frame draws what a bordered Block with the same titles draws.
    #[test]
    fn draws_what_a_bordered_block_draws() {
        let style = Style::new().fg(Color::Cyan);
        let title = || Line::from(vec![" Logs ".bold(), "3 sources".dim(), " ".into()]);
        let right = || Line::from("▄ latency ▄ errors").yellow();
        let bottom = || Line::from("filter: error").red();
        for (width, height) in [(40, 6), (12, 3), (3, 3), (1, 1), (2, 5), (30, 1)] {
            for set in [border::ROUNDED, border::THICK] {
                let area = Rect::new(1, 1, width, height);
                let mut ours = Buffer::empty(Rect::new(0, 0, 44, 8));
                let mut theirs = ours.clone();
                PaneFrame::new(set, style, title())
                    .title_right(right())
                    .title_bottom(bottom())
                    .render(area, &mut ours);
                let kind = if set == border::THICK {
                    BorderType::Thick
                } else {
                    BorderType::Rounded
                };
                Block::bordered()
                    .border_type(kind)
                    .border_style(style)
                    .title(title())
                    .title(right().right_aligned())
                    .title_bottom(bottom())
                    .render(area, &mut theirs);
                assert_eq!(ours, theirs, "{width}×{height}");
            }
        }
    }
}
